"""Enrolling in modules, moving through activities, quizzes, completion and PD hours."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.db import utcnow
from app.errors import Conflict, Forbidden, Invalid
from app.kit import audit, once
from app.models import (
    Activity,
    ActivityKind,
    ActivityProgress,
    Enrollment,
    EnrollmentStatus,
    Module,
    ModuleFeedback,
    ModuleFormat,
    ModuleStatus,
    QuizAttempt,
    User,
)
from app.services.credentials import completion_badges
from app.services.learning import learner, module_io, pathways
from app.settings import Settings

MAX_REFLECTION = 20_000
COUNTED = (EnrollmentStatus.ACTIVE, EnrollmentStatus.COMPLETED)


def enroll(db: Session, user: User, module_id: uuid.UUID, today: date | None = None) -> Enrollment:
    """Enroll in a published module: prerequisites done, cohort open and not full."""
    view = learner.learner_view(db, user, module_id)
    module = view.module
    if module.status != ModuleStatus.PUBLISHED or not module.is_current:
        raise Conflict("This module is not open for enrollment.")
    existing = learner.enrollment_of(db, user, module.family_id)
    if existing is not None and existing.status != EnrollmentStatus.WITHDRAWN:
        raise Conflict("You are already enrolled in this module.")
    _check_prerequisites(db, user, module)
    if module.format == ModuleFormat.COHORT:
        _check_cohort(db, module, today or utcnow().date())
    if existing is not None:
        existing.status = EnrollmentStatus.ACTIVE
        existing.module_id = module.id
        existing.enrolled_at = utcnow()
        enrollment = existing
    else:
        enrollment = Enrollment(
            user_id=user.id, module_id=module.id, family_id=module.family_id, enrolled_at=utcnow()
        )
        db.add(enrollment)
    db.flush()
    audit.record(db, "module.enrolled", module, actor=user)
    return enrollment


def _check_prerequisites(db: Session, user: User, module: Module) -> None:
    needed = {p.required_family_id for p in module.prerequisites}
    if not needed:
        return
    done = set(
        db.scalars(
            select(Enrollment.family_id).where(
                Enrollment.user_id == user.id,
                Enrollment.family_id.in_(needed),
                Enrollment.status == EnrollmentStatus.COMPLETED,
            )
        )
    )
    missing = needed - done
    if missing:
        titles = db.scalars(
            select(Module.title).where(Module.family_id.in_(missing), Module.is_current.is_(True))
        ).all()
        raise Conflict("Complete these modules first: " + ", ".join(sorted(titles)) + ".")


def _check_cohort(db: Session, module: Module, today: date) -> None:
    if module.ends_on is not None and today > module.ends_on:
        raise Conflict(f"This cohort closed on {module.ends_on.isoformat()}.")
    taken = (
        db.scalar(
            select(func.count()).where(
                Enrollment.module_id == module.id, Enrollment.status.in_(COUNTED)
            )
        )
        or 0
    )
    if module.capacity is not None and taken >= module.capacity:
        raise Conflict(f"This cohort is full ({module.capacity} places).")


def unenroll(db: Session, user: User, module_id: uuid.UUID) -> None:
    """Leave a module you have not completed (progress is kept if you come back)."""
    view = learner.learner_view(db, user, module_id)
    enrollment = view.enrollment
    if enrollment is None or enrollment.status == EnrollmentStatus.WITHDRAWN:
        raise Conflict("You are not enrolled in this module.")
    if enrollment.status == EnrollmentStatus.COMPLETED:
        raise Conflict("You completed this module; it stays on your transcript.")
    once.change_or_refuse(
        db,
        enrollment,
        "Your enrollment changed in another tab a moment ago. Reload the page.",
        Enrollment.status == EnrollmentStatus.ACTIVE,
        status=EnrollmentStatus.WITHDRAWN,
    )


def _active(view: learner.Learner) -> Enrollment:
    enrollment = view.enrollment
    if enrollment is None or enrollment.status == EnrollmentStatus.WITHDRAWN:
        raise Forbidden("Enroll in this module first.")
    return enrollment


def activity_of(view: learner.Learner, activity_id: uuid.UUID) -> Activity:
    """The activity with this id in the module, or NotFound (ids from elsewhere are refused)."""
    return module_io.find_activity(view.module, activity_id)


def open_activity(view: learner.Learner, activity_id: uuid.UUID) -> Activity:
    """Show an activity; remembers it as the place to continue from."""
    activity = activity_of(view, activity_id)
    if view.enrollment is not None and view.enrollment.status == EnrollmentStatus.ACTIVE:
        view.enrollment.last_activity_id = activity.id
    return activity


def _progress(db: Session, view: learner.Learner, activity: Activity) -> ActivityProgress:
    row = view.progress.get(activity.id)
    if row is None:
        row = _new_progress(db, _active(view).id, activity.id)
        view.progress[activity.id] = row
    return row


def _new_progress(
    db: Session, enrollment_id: uuid.UUID, activity_id: uuid.UUID
) -> ActivityProgress:
    """A new progress row, or the one a double click's other request inserted a moment ago."""
    row = ActivityProgress(enrollment_id=enrollment_id, activity_id=activity_id)
    try:
        with db.begin_nested():
            db.add(row)
    except IntegrityError:
        return db.scalars(
            select(ActivityProgress).where(
                ActivityProgress.enrollment_id == enrollment_id,
                ActivityProgress.activity_id == activity_id,
            )
        ).one()
    return row


def mark_done(
    db: Session, settings: Settings, view: learner.Learner, activity_id: uuid.UUID
) -> Activity:
    """Complete a reading, video, resource or evidence placeholder."""
    _active(view)
    activity = activity_of(view, activity_id)
    if activity.kind in (ActivityKind.QUIZ, ActivityKind.REFLECTION):
        raise Invalid("Quizzes are completed by passing them and reflections by saving them.")
    row = _progress(db, view, activity)
    row.completed_at = row.completed_at or utcnow()
    _maybe_complete(db, settings, view)
    return activity


def save_reflection(
    db: Session, settings: Settings, view: learner.Learner, activity_id: uuid.UUID, text: str
) -> Activity:
    """Save a reflection as the teacher writes; a non-empty one counts as done."""
    _active(view)
    activity = activity_of(view, activity_id)
    if activity.kind != ActivityKind.REFLECTION:
        raise Invalid("This activity is not a reflection.")
    if len(text) > MAX_REFLECTION:
        raise Invalid(f"Keep the reflection under {MAX_REFLECTION:,} characters.", field="response")
    row = _progress(db, view, activity)
    row.response_text = text
    row.completed_at = (row.completed_at or utcnow()) if text.strip() else None
    _maybe_complete(db, settings, view)
    return activity


def submit_quiz(
    db: Session,
    settings: Settings,
    view: learner.Learner,
    activity_id: uuid.UUID,
    attempt_no: int,
    answers: dict[str, list[str]],
) -> QuizAttempt:
    """Grade one attempt; a second submission of the same attempt is refused."""
    enrollment = _active(view)
    activity = activity_of(view, activity_id)
    if activity.kind != ActivityKind.QUIZ:
        raise Invalid("This activity is not a quiz.")
    if view.passed(activity):
        raise Conflict("You already passed this quiz.")
    previous = len(view.attempts.get(activity.id, []))
    if attempt_no != previous + 1:
        raise Conflict("This attempt was already submitted. Reload the quiz to try again.")
    score = grade(activity, answers)
    attempt = QuizAttempt(
        enrollment_id=enrollment.id,
        activity_id=activity.id,
        attempt_no=attempt_no,
        answers=answers,
        score=score,
        passed=score >= (activity.pass_mark or 100),
        submitted_at=utcnow(),
    )
    try:
        with db.begin_nested():
            db.add(attempt)
    except IntegrityError as exc:
        raise Conflict("This attempt was already submitted. Reload the quiz to try again.") from exc
    view.attempts.setdefault(activity.id, []).append(attempt)
    if attempt.passed:
        row = _progress(db, view, activity)
        row.completed_at = utcnow()
        _maybe_complete(db, settings, view)
    return attempt


def grade(activity: Activity, answers: dict[str, list[str]]) -> int:
    """Percentage of questions answered exactly right; answers must belong to this quiz."""
    questions = {q["id"]: q for q in activity.questions}
    unknown = set(answers) - set(questions)
    if unknown:
        raise Invalid("These answers are not for this quiz. Reload the quiz and try again.")
    right = 0
    for qid, question in questions.items():
        chosen = set(answers.get(qid, []))
        valid = {c["id"] for c in question["choices"]}
        if not chosen <= valid:
            raise Invalid("These answers are not for this quiz. Reload the quiz and try again.")
        if not question.get("multiple") and len(chosen) > 1:
            raise Invalid(f"Choose one answer for “{question['text']}”.", field=f"q-{qid}")
        correct = {c["id"] for c in question["choices"] if c.get("correct")}
        right += chosen == correct
    return round(100 * right / len(questions)) if questions else 0


def _maybe_complete(db: Session, settings: Settings, view: learner.Learner) -> None:
    enrollment = view.enrollment
    if enrollment is None or enrollment.status != EnrollmentStatus.ACTIVE:
        return
    done, passed = _locked_progress(db, enrollment)
    if enrollment.status != EnrollmentStatus.ACTIVE:
        return  # another tab completed it a moment ago
    for activity in view.required:
        if activity.id not in done or (
            activity.kind == ActivityKind.QUIZ and activity.id not in passed
        ):
            return
    enrollment.status = EnrollmentStatus.COMPLETED
    enrollment.completed_at = utcnow()
    enrollment.pd_hours_awarded = view.module.pd_hours
    db.flush()
    audit.record(
        db,
        "module.completed",
        view.module,
        actor=enrollment.user,
        pd_hours=str(view.module.pd_hours),
    )
    completed_paths = pathways.record_completions(db, enrollment.user, view.module.family_id)
    completion_badges.award_completions(
        db, settings, enrollment.user, view.module.family_id, completed_paths
    )


def _locked_progress(db: Session, enrollment: Enrollment) -> tuple[set[uuid.UUID], set[uuid.UUID]]:
    """Completed activities and passed quizzes, read after locking the enrollment row: two tabs
    finishing the last two activities at once are checked one after the other, so the second
    sees the first's progress and the module is completed (never left active with all done)."""
    db.flush()
    db.execute(
        select(Enrollment.id).where(Enrollment.id == enrollment.id).with_for_update(key_share=True)
    )
    db.refresh(enrollment, ["status"])
    done = db.scalars(
        select(ActivityProgress.activity_id).where(
            ActivityProgress.enrollment_id == enrollment.id,
            ActivityProgress.completed_at.is_not(None),
        )
    )
    passed = db.scalars(
        select(QuizAttempt.activity_id).where(
            QuizAttempt.enrollment_id == enrollment.id, QuizAttempt.passed.is_(True)
        )
    )
    return set(done), set(passed)


def move_to_latest(db: Session, view: learner.Learner) -> Module:
    """Switch an active enrollment to the newest published version, keeping matching progress."""
    enrollment = _active(view)
    if enrollment.status != EnrollmentStatus.ACTIVE or view.newer is None:
        raise Conflict("You are already on the newest version.")
    newer = learner.load_module(db, view.newer.id)
    assert newer is not None
    by_key = {a.key: a for a in newer.activities}
    for old in view.module.activities:
        row = view.progress.get(old.id)
        target = by_key.get(old.key)
        if row is not None and target is not None:
            row.activity_id = target.id
        elif row is not None:
            db.delete(row)
    enrollment.module_id = newer.id
    enrollment.last_activity_id = None
    db.flush()
    return newer


def save_feedback(
    db: Session, view: learner.Learner, rating: int | None, comment: str
) -> ModuleFeedback:
    """The optional end-of-module survey (one per enrollment; saving again replaces it)."""
    enrollment = view.enrollment
    if enrollment is None or enrollment.status != EnrollmentStatus.COMPLETED:
        raise Conflict("The survey opens when you complete the module.")
    if rating is not None and not 1 <= rating <= 5:
        raise Invalid("Choose a rating from 1 to 5.", field="rating")
    if len(comment) > 2000:
        raise Invalid("Keep the comment under 2,000 characters.", field="comment")
    feedback = db.scalar(
        select(ModuleFeedback).where(ModuleFeedback.enrollment_id == enrollment.id)
    )
    if feedback is None:
        feedback = ModuleFeedback(enrollment_id=enrollment.id, module_id=view.module.id)
        db.add(feedback)
    feedback.rating = rating
    feedback.comment = comment.strip() or None
    return feedback
