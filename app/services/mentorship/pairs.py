"""Mentorship: admins pair coaches with teachers; the pair sets goals and talks on a coaching page.

Only the coach and the teacher of a mentorship may see it (anyone else gets "not found").
A coach's private notes are shown to the coach who wrote them and to nobody else.
"""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from sqlalchemy import ColumnElement, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.db import utcnow
from app.errors import Conflict, Forbidden, Invalid, NotFound
from app.kit import audit, links
from app.kit.markdown import render_markdown
from app.models import (
    Award,
    CoachingGoal,
    CoachingMessage,
    Enrollment,
    EnrollmentStatus,
    GoalStatus,
    Membership,
    Mentorship,
    Module,
    Organization,
    Role,
    Submission,
    User,
)
from app.services.notifications import delivery as notifications
from app.settings import Settings

KIND = "coaching"
notifications.register_kind(
    KIND, "Your coach or mentee sends a message, sets a goal or is assigned"
)

MESSAGE_MAX_CHARS = 10_000
GOAL_TITLE_MAX = 200
GOAL_DESCRIPTION_MAX = 5_000
COACH_ROLES = (Role.COACH, Role.ADMIN)


@dataclass(frozen=True)
class Progress:
    """A mentee's progress in the mentorship's organization."""

    modules_enrolled: int = 0
    modules_completed: int = 0
    pd_hours: Decimal = Decimal("0")
    submissions: dict[str, int] = field(default_factory=dict)
    awards: int = 0

    @property
    def pd_hours_text(self) -> str:
        """PD hours without trailing zeros ("1.5", "10")."""
        return f"{self.pd_hours.normalize():f}"

    def submissions_in(self, *statuses: str) -> int:
        """How many submissions are in any of the statuses."""
        return sum(self.submissions.get(s, 0) for s in statuses)


@dataclass(frozen=True)
class Mentee:
    """One of a coach's active mentorships and the teacher's progress."""

    mentorship: Mentorship
    progress: Progress


# Assigning and ending (organization administrators)


def _role_of(db: Session, org: Organization, user_id: uuid.UUID) -> tuple[User, Role] | None:
    row = db.execute(
        select(User, Membership.role)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.organization_id == org.id, User.id == user_id)
    ).first()
    return (row[0], row[1]) if row else None


def assign(
    db: Session,
    settings: Settings,
    org: Organization,
    actor: User,
    *,
    coach_id: uuid.UUID,
    teacher_id: uuid.UUID,
) -> Mentorship:
    """Pair a coach (a coach or admin of the organization) with a member of it."""
    coach = _role_of(db, org, coach_id)
    if coach is None or coach[1] not in COACH_ROLES:
        raise Invalid(f"Choose a coach or administrator of {org.name}.", field="coach_id")
    teacher = _role_of(db, org, teacher_id)
    if teacher is None:
        raise Invalid(f"Choose a member of {org.name}.", field="teacher_id")
    if coach_id == teacher_id:
        raise Invalid("A coach cannot mentor themselves.", field="teacher_id")
    mentorship = Mentorship(
        organization_id=org.id, coach_id=coach_id, teacher_id=teacher_id, assigned_by_id=actor.id
    )
    try:
        with db.begin_nested():
            if _active_pair(db, org, coach_id, teacher_id):
                raise Conflict(
                    f"{coach[0].display_name} already mentors {teacher[0].display_name}."
                )
            db.add(mentorship)
    except IntegrityError as exc:  # the same pair assigned at the same moment elsewhere
        raise Conflict(
            f"{coach[0].display_name} already mentors {teacher[0].display_name}."
        ) from exc
    audit.record(
        db,
        "mentorship.assigned",
        actor_id=actor.id,
        organization_id=org.id,
        target_type="mentorship",
        target_id=mentorship.id,
        coach_id=str(coach_id),
        teacher_id=str(teacher_id),
    )
    url = links.COACHING.path_for(mentorship_id=mentorship.id)
    notifications.notify(
        db,
        settings,
        teacher[0],
        KIND,
        f"{coach[0].display_name} is now your coach",
        url,
        actor=actor,
    )
    notifications.notify(
        db, settings, coach[0], KIND, f"You now coach {teacher[0].display_name}", url, actor=actor
    )
    return mentorship


def _active_pair(
    db: Session, org: Organization, coach_id: uuid.UUID, teacher_id: uuid.UUID
) -> bool:
    return (
        db.scalar(
            select(Mentorship.id).where(
                Mentorship.organization_id == org.id,
                Mentorship.coach_id == coach_id,
                Mentorship.teacher_id == teacher_id,
                Mentorship.ended_at.is_(None),
            )
        )
        is not None
    )


def end(db: Session, org: Organization, actor: User, mentorship_id: uuid.UUID) -> Mentorship:
    """End an active mentorship (its goals and conversation are kept)."""
    mentorship = db.get(Mentorship, mentorship_id)
    if mentorship is None or mentorship.organization_id != org.id:
        raise NotFound("There is no such mentorship in this organization.")
    if mentorship.ended_at is not None:
        raise Conflict("This mentorship has already ended.")
    mentorship.ended_at = utcnow()
    audit.record(
        db,
        "mentorship.ended",
        actor_id=actor.id,
        organization_id=org.id,
        target_type="mentorship",
        target_id=mentorship.id,
    )
    return mentorship


def for_organization(db: Session, org: Organization) -> list[Mentorship]:
    """The organization's mentorships, active ones first, newest first."""
    return list(
        db.scalars(
            select(Mentorship)
            .where(Mentorship.organization_id == org.id)
            .order_by(Mentorship.ended_at.is_not(None), Mentorship.created_at.desc())
        ).unique()
    )


def candidates(db: Session, org: Organization) -> tuple[list[User], list[User]]:
    """Who can be assigned: (coaches and admins, all members), alphabetically."""
    rows = db.execute(
        select(User, Membership.role)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.organization_id == org.id, User.is_active.is_(True))
        .order_by(func.lower(User.display_name))
    ).all()
    coaches = [user for user, role in rows if role in COACH_ROLES]
    return coaches, [user for user, _role in rows]


# Reading (the coach and the teacher only)


def get_for(db: Session, user: User, mentorship_id: uuid.UUID) -> Mentorship:
    """A mentorship the user is the coach or the teacher of; NotFound for anyone else."""
    mentorship = db.get(Mentorship, mentorship_id)
    if mentorship is None or user.id not in (mentorship.coach_id, mentorship.teacher_id):
        raise NotFound("There is no such coaching page.")
    return mentorship


def mine(db: Session, user: User, *, active_only: bool = False) -> list[Mentorship]:
    """Mentorships where the user is coach or teacher (active first, newest first)."""
    query = select(Mentorship).where(
        or_(Mentorship.coach_id == user.id, Mentorship.teacher_id == user.id)
    )
    if active_only:
        query = query.where(Mentorship.ended_at.is_(None))
    order = (Mentorship.ended_at.is_not(None), Mentorship.created_at.desc())
    return list(db.scalars(query.order_by(*order)).unique())


def mentees(db: Session, coach: User) -> list[Mentee]:
    """The coach's active mentees with their progress, in a fixed number of queries."""
    rows = [m for m in mine(db, coach, active_only=True) if m.coach_id == coach.id]
    rows.sort(key=lambda m: m.teacher.display_name.lower())
    progress = progress_of(db, [(m.organization_id, m.teacher_id) for m in rows])
    return [Mentee(m, progress.get((m.organization_id, m.teacher_id), Progress())) for m in rows]


def coaches(db: Session, teacher: User) -> list[Mentorship]:
    """The teacher's active mentorships (their coaches)."""
    return [m for m in mine(db, teacher, active_only=True) if m.teacher_id == teacher.id]


Pair = tuple[uuid.UUID, uuid.UUID]


def progress_of(db: Session, pairs: list[Pair]) -> dict[Pair, Progress]:
    """Progress per (organization, teacher): three grouped queries whatever the number."""
    if not pairs:
        return {}
    org_ids = {o for o, _ in pairs}
    user_ids = {u for _, u in pairs}
    wanted = set(pairs)
    modules: dict[Pair, tuple[int, int, Decimal]] = {}
    for org_id, user_id, enrolled, completed, hours in db.execute(
        select(
            Module.organization_id,
            Enrollment.user_id,
            func.count(),
            func.count().filter(Enrollment.status == EnrollmentStatus.COMPLETED),
            func.coalesce(func.sum(Enrollment.pd_hours_awarded), 0),
        )
        .join(Module, Module.id == Enrollment.module_id)
        .where(
            Module.organization_id.in_(org_ids),
            Enrollment.user_id.in_(user_ids),
            Enrollment.status != EnrollmentStatus.WITHDRAWN,
        )
        .group_by(Module.organization_id, Enrollment.user_id)
    ):
        modules[(org_id, user_id)] = (enrolled, completed, Decimal(str(hours)))
    submissions: dict[Pair, dict[str, int]] = defaultdict(dict)
    for org_id, user_id, status, count in db.execute(
        select(Submission.organization_id, Submission.user_id, Submission.status, func.count())
        .where(Submission.organization_id.in_(org_ids), Submission.user_id.in_(user_ids))
        .group_by(Submission.organization_id, Submission.user_id, Submission.status)
    ):
        submissions[(org_id, user_id)][str(status)] = count
    awards: dict[Pair, int] = {
        (org_id, user_id): count
        for org_id, user_id, count in db.execute(
            select(Award.organization_id, Award.user_id, func.count())
            .where(Award.organization_id.in_(org_ids), Award.user_id.in_(user_ids))
            .group_by(Award.organization_id, Award.user_id)
        )
    }
    return {
        pair: Progress(
            *modules.get(pair, (0, 0, Decimal("0"))),
            submissions=submissions.get(pair, {}),
            awards=awards.get(pair, 0),
        )
        for pair in wanted
    }


def progress_for(db: Session, mentorship: Mentorship) -> Progress:
    """The mentee's progress in the mentorship's organization."""
    pair = (mentorship.organization_id, mentorship.teacher_id)
    return progress_of(db, [pair])[pair]


# Goals and conversation (either party)


def _open(mentorship: Mentorship) -> None:
    if mentorship.ended_at is not None:
        raise Conflict("This mentorship has ended; its page is kept for reference.")


def _other_party(mentorship: Mentorship, user: User) -> User:
    return mentorship.teacher if user.id == mentorship.coach_id else mentorship.coach


def goals(db: Session, mentorship: Mentorship) -> list[CoachingGoal]:
    """The mentorship's goals: open ones first, then by when they were set."""
    return list(
        db.scalars(
            select(CoachingGoal)
            .where(CoachingGoal.mentorship_id == mentorship.id)
            .order_by(CoachingGoal.status != GoalStatus.OPEN, CoachingGoal.created_at)
        )
    )


def parse_due(value: str) -> date | None:
    """A due date from a form (YYYY-MM-DD), None when blank, else Invalid."""
    value = value.strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise Invalid("Give the due date as YYYY-MM-DD.", field="due_on") from exc


def add_goal(
    db: Session,
    settings: Settings,
    mentorship: Mentorship,
    user: User,
    *,
    title: str,
    description: str = "",
    due_on: date | None = None,
) -> CoachingGoal:
    """Set a goal (coach or teacher); the other party is notified."""
    _open(mentorship)
    title = " ".join(title.split())
    if not title or len(title) > GOAL_TITLE_MAX:
        raise Invalid(
            f"Give the goal a title of at most {GOAL_TITLE_MAX} characters.", field="title"
        )
    description = description.strip()
    if len(description) > GOAL_DESCRIPTION_MAX:
        raise Invalid(
            f"Keep the description under {GOAL_DESCRIPTION_MAX} characters.", field="description"
        )
    goal = CoachingGoal(
        mentorship_id=mentorship.id,
        title=title,
        description=description,
        due_on=due_on,
        created_by_id=user.id,
    )
    db.add(goal)
    notifications.notify(
        db,
        settings,
        _other_party(mentorship, user),
        KIND,
        f"{user.display_name} set a coaching goal: {title}",
        links.COACHING.path_for(mentorship_id=mentorship.id),
        body=description,
        actor=user,
    )
    return goal


def set_goal_status(
    db: Session, mentorship: Mentorship, goal_id: uuid.UUID, status: GoalStatus
) -> CoachingGoal:
    """Mark a goal achieved or dropped (or open again); either party may."""
    _open(mentorship)
    goal = db.get(CoachingGoal, goal_id)
    if goal is None or goal.mentorship_id != mentorship.id:
        raise NotFound("There is no such goal on this coaching page.")
    goal.status = status
    goal.closed_at = None if status == GoalStatus.OPEN else utcnow()
    return goal


def parse_status(value: str) -> GoalStatus:
    """A goal status from a form or JSON value, or Invalid."""
    try:
        return GoalStatus(value)
    except ValueError as exc:
        raise Invalid("Choose open, achieved or dropped.", field="status") from exc


def conversation(db: Session, mentorship: Mentorship, viewer: User) -> list[CoachingMessage]:
    """Messages oldest first; private notes only for the coach who wrote them."""
    visible: ColumnElement[bool] = CoachingMessage.private.is_(False)
    if viewer.id == mentorship.coach_id:
        visible = or_(visible, CoachingMessage.author_id == viewer.id)
    return list(
        db.scalars(
            select(CoachingMessage)
            .where(CoachingMessage.mentorship_id == mentorship.id, visible)
            .order_by(CoachingMessage.created_at, CoachingMessage.id)
        ).unique()
    )


def post_message(
    db: Session,
    settings: Settings,
    mentorship: Mentorship,
    user: User,
    body: str,
    *,
    private: bool = False,
) -> CoachingMessage:
    """Add a message (Markdown) to the conversation, or a coach's private note."""
    _open(mentorship)
    if private and user.id != mentorship.coach_id:
        raise Forbidden("Only the coach keeps private notes.")
    body = body.strip()
    if not body or len(body) > MESSAGE_MAX_CHARS:
        raise Invalid(f"Write between 1 and {MESSAGE_MAX_CHARS} characters.", field="body")
    message = CoachingMessage(
        mentorship_id=mentorship.id,
        author_id=user.id,
        body=body,
        body_html=render_markdown(body, "post"),
        private=private,
    )
    db.add(message)
    if not private:
        notifications.notify(
            db,
            settings,
            _other_party(mentorship, user),
            KIND,
            f"New coaching message from {user.display_name}",
            links.COACHING.path_for(mentorship_id=mentorship.id),
            body=body[:500],
            actor=user,
        )
    return message
