"""How one teacher sees a module: their enrollment, progress and quiz attempts."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.errors import NotFound
from app.models import (
    Activity,
    ActivityProgress,
    Enrollment,
    EnrollmentStatus,
    Module,
    ModuleStatus,
    QuizAttempt,
    Section,
    User,
)
from app.services.learning.permissions import can_author_modules, can_see_catalog_of


@dataclass
class Learner:
    """A module as one teacher sees it: their enrollment, progress and quiz attempts."""

    module: Module
    enrollment: Enrollment | None
    progress: dict[uuid.UUID, ActivityProgress] = field(default_factory=dict)
    attempts: dict[uuid.UUID, list[QuizAttempt]] = field(default_factory=dict)
    newer: Module | None = None
    can_author: bool = False
    enrolled_version_id: uuid.UUID | None = None

    def done(self, activity: Activity) -> bool:
        """Whether the teacher completed the activity."""
        row = self.progress.get(activity.id)
        return row is not None and row.completed_at is not None

    def passed(self, activity: Activity) -> bool:
        """Whether any attempt at the quiz passed."""
        return any(a.passed for a in self.attempts.get(activity.id, []))

    @property
    def required(self) -> list[Activity]:
        """Activities that count towards completion."""
        return [a for a in self.module.activities if a.required]

    @property
    def percent(self) -> int:
        """Share of required activities done."""
        required = self.required
        if not required:
            return 0
        return round(100 * sum(self.done(a) for a in required) / len(required))

    @property
    def next_activity(self) -> Activity | None:
        """Where to continue: the last opened activity if unfinished, else the next unfinished."""
        activities = self.module.activities
        last = self.enrollment.last_activity_id if self.enrollment else None
        for activity in activities:
            if activity.id == last and not self.done(activity):
                return activity
        return next((a for a in activities if not self.done(a)), None)


def load_module(db: Session, module_id: uuid.UUID) -> Module | None:
    """A module version with its sections, activities, standards and prerequisites."""
    return db.scalar(
        select(Module)
        .where(Module.id == module_id)
        .options(
            selectinload(Module.sections).selectinload(Section.activities),
            selectinload(Module.standards),
            selectinload(Module.prerequisites),
        )
    )


def enrollment_of(db: Session, user: User, family_id: uuid.UUID) -> Enrollment | None:
    """The user's enrollment in any version of a module."""
    return db.scalar(
        select(Enrollment).where(Enrollment.user_id == user.id, Enrollment.family_id == family_id)
    )


def learner_view(db: Session, user: User, module_id: uuid.UUID) -> Learner:
    """The module with the teacher's state; drafts only for authors, others' orgs never."""
    module = load_module(db, module_id)
    if module is None:
        raise NotFound("There is no such module.")
    can_author = can_author_modules(user, module.organization_id)
    enrollment = enrollment_of(db, user, module.family_id)
    elsewhere = None
    if enrollment is not None and enrollment.module_id != module.id:
        if enrollment.status != EnrollmentStatus.WITHDRAWN:
            elsewhere = enrollment.module_id
        enrollment = None
    visible = (
        module.status == ModuleStatus.PUBLISHED
        and module.is_current
        and can_see_catalog_of(user, module.organization_id)
    )
    mine = enrollment is not None and enrollment.status != EnrollmentStatus.WITHDRAWN
    if not (visible or mine or can_author):
        raise NotFound("There is no such module.")
    view = Learner(
        module=module, enrollment=enrollment, can_author=can_author, enrolled_version_id=elsewhere
    )
    if enrollment is not None:
        for row in db.scalars(
            select(ActivityProgress).where(ActivityProgress.enrollment_id == enrollment.id)
        ):
            view.progress[row.activity_id] = row
        for attempt in db.scalars(
            select(QuizAttempt)
            .where(QuizAttempt.enrollment_id == enrollment.id)
            .order_by(QuizAttempt.attempt_no)
        ):
            view.attempts.setdefault(attempt.activity_id, []).append(attempt)
        if not module.is_current:
            view.newer = db.scalar(
                select(Module).where(
                    Module.family_id == module.family_id,
                    Module.is_current.is_(True),
                    Module.status == ModuleStatus.PUBLISHED,
                )
            )
    return view


@dataclass(frozen=True)
class Prerequisite:
    """A module to complete before enrolling: its title, the version to open, whether done."""

    family_id: uuid.UUID
    title: str
    module: Module | None
    done: bool


def prerequisites_for(db: Session, user: User, module: Module) -> list[Prerequisite]:
    """The module's prerequisites by title, each linked to its catalog version when there is
    one, and whether the teacher completed it."""
    families = [p.required_family_id for p in module.prerequisites]
    if not families:
        return []
    versions: dict[uuid.UUID, Module] = {}
    for row in db.scalars(
        select(Module)
        .where(Module.family_id.in_(families))
        .order_by(Module.is_current, Module.version)
    ):
        versions[row.family_id] = row  # the current version wins, else the newest
    done = set(
        db.scalars(
            select(Enrollment.family_id).where(
                Enrollment.user_id == user.id,
                Enrollment.family_id.in_(families),
                Enrollment.status == EnrollmentStatus.COMPLETED,
            )
        )
    )
    result = []
    for family in families:
        version = versions.get(family)
        offered = (
            version is not None
            and version.status == ModuleStatus.PUBLISHED
            and version.is_current
            and can_see_catalog_of(user, version.organization_id)
        )
        result.append(
            Prerequisite(
                family_id=family,
                title=version.title if version else "A module that is no longer offered",
                module=version if offered else None,
                done=family in done,
            )
        )
    return sorted(result, key=lambda p: p.title.lower())


def missed_questions(activity: Activity, attempt: QuizAttempt) -> list[tuple[int, str]]:
    """The questions (number, text) an attempt did not answer exactly right."""
    missed = []
    for number, question in enumerate(activity.questions, start=1):
        chosen = set(attempt.answers.get(question["id"], []))
        correct = {c["id"] for c in question["choices"] if c.get("correct")}
        if chosen != correct:
            missed.append((number, question["text"]))
    return missed
