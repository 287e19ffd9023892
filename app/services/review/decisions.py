"""The coaches' review queue: claiming and assigning, rubric reviews, decisions, calibration
and turnaround figures.

A decision moves the submission through a conditional UPDATE (status "submitted" and the
attempt number the coach saw), so of two coaches deciding at once exactly one wins; the other
gets a Conflict. "Earned" records the award (and its signed credential) in the same transaction.
"""

from __future__ import annotations

import math
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from statistics import median
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select, true, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.db import utcnow
from app.errors import Conflict, Forbidden, Invalid, NotFound
from app.kit import audit, links
from app.models import (
    Decision,
    EvidenceAttempt,
    MicroCredential,
    Organization,
    Review,
    ReviewKind,
    ReviewScore,
    Role,
    Submission,
    SubmissionStatus,
    User,
)
from app.services import policy
from app.services.credentials import awards
from app.services.microcredentials import rubrics
from app.services.notifications import delivery as notifications
from app.services.review import evidence
from app.settings import Settings

MAX_FEEDBACK_CHARS = 10_000
MAX_COMMENT_CHARS = 2_000
QUEUE_LIMIT = 200
STATUSES = ("submitted", "not_yet", "earned", "all")
SORTS = ("oldest", "newest")
ASSIGNED = notifications.register_kind(
    "review_assigned", "You are assigned a review, or asked for a second (calibration) review"
).key


@dataclass(frozen=True)
class QueueFilters:
    """What the queue shows: status, micro-credential, teacher, only mine, and the order."""

    status: str = "submitted"
    micro_credential_id: uuid.UUID | None = None
    teacher_id: uuid.UUID | None = None
    mine: bool = False
    sort: str = "oldest"


@dataclass(frozen=True)
class ReviewInput:
    """A coach's scoring of one attempt: a level (and comment) per criterion, and a decision."""

    attempt_no: int
    decision: Decision
    levels: dict[str, int]
    comments: dict[str, str] = field(default_factory=dict)
    feedback: str = ""


def coached_org_ids(user: User) -> list[uuid.UUID] | None:
    """Organizations where the person coaches or administers (None: every one, platform admin)."""
    if user.is_platform_admin:
        return None
    return [
        m.organization_id
        for m in user.memberships
        if policy.has_role(user, m.organization_id, Role.COACH)
    ]


def in_coached_orgs(orgs: list[uuid.UUID] | None) -> ColumnElement[bool]:
    """Submissions of these organizations (of every one when ``orgs`` is None)."""
    return true() if orgs is None else Submission.organization_id.in_(orgs)


def queue(db: Session, user: User, filters: QueueFilters) -> list[Submission]:
    """Submissions of the organizations where the person coaches (never their own)."""
    orgs = coached_org_ids(user)
    if orgs == []:
        raise Forbidden("The review queue is for coaches and administrators.")
    query = select(Submission).where(
        Submission.user_id != user.id, _status_filter(filters.status, user), in_coached_orgs(orgs)
    )
    if filters.micro_credential_id:
        query = query.where(Submission.micro_credential_id == filters.micro_credential_id)
    if filters.teacher_id:
        query = query.where(Submission.user_id == filters.teacher_id)
    if filters.mine:
        query = query.where(
            or_(Submission.reviewer_id == user.id, Submission.calibration_reviewer_id == user.id)
        )
    order = Submission.submitted_at.desc() if filters.sort == "newest" else Submission.submitted_at
    return list(db.scalars(query.order_by(order, Submission.id).limit(QUEUE_LIMIT)))


def _status_filter(status: str, user: User) -> ColumnElement[bool]:
    if status == "all":
        return or_(
            Submission.status.in_(
                [SubmissionStatus.SUBMITTED, SubmissionStatus.NOT_YET, SubmissionStatus.EARNED]
            ),
            and_(Submission.status == SubmissionStatus.DRAFT, Submission.attempt_no > 1),
        )
    chosen = status if status in STATUSES else "submitted"
    if chosen != "submitted":
        return Submission.status == SubmissionStatus(chosen)
    second_review_due = and_(
        Submission.calibration_reviewer_id == user.id,
        Submission.calibration_requested_at.is_not(None),
    )
    return or_(Submission.status == SubmissionStatus.SUBMITTED, second_review_due)


def queue_choices(db: Session, user: User) -> tuple[list[MicroCredential], list[User]]:
    """The micro-credentials and teachers the queue can be filtered by."""
    scope = and_(
        Submission.status != SubmissionStatus.DRAFT, in_coached_orgs(coached_org_ids(user))
    )
    definitions = db.scalars(
        select(MicroCredential).where(
            MicroCredential.id.in_(select(Submission.micro_credential_id).where(scope))
        )
    )
    teachers = db.scalars(
        select(User).where(User.id.in_(select(Submission.user_id).where(scope)), User.id != user.id)
    )
    return (
        sorted(definitions, key=lambda d: (d.name.lower(), d.version)),
        sorted(teachers, key=lambda u: u.display_name.lower()),
    )


def for_reviewer(db: Session, user: User, submission_id: uuid.UUID) -> Submission:
    """A submission a coach or administrator of its organization may look at."""
    submission = db.get(Submission, submission_id)
    if (
        submission is None
        or not policy.can_review_evidence(user, submission.organization_id)
        or not any(a.submitted_at is not None for a in submission.attempts)
    ):
        raise NotFound("There is no such submission in your review queue.")
    return submission


def latest_submitted(submission: Submission) -> EvidenceAttempt:
    """The newest attempt that was submitted."""
    return [a for a in submission.attempts if a.submitted_at is not None][-1]


def is_blind(user: User, submission: Submission) -> bool:
    """Whether the person is the second reviewer who has not yet recorded their review."""
    if submission.calibration_reviewer_id != user.id:
        return False
    return latest_submitted(submission).review_of(ReviewKind.CALIBRATION) is None


def claim(db: Session, user: User, submission_id: uuid.UUID) -> Submission:
    """Take a waiting submission to review (Conflict when another coach has it)."""
    submission = for_reviewer(db, user, submission_id)
    evidence.forbid_self_review(user, submission)
    if submission.status != SubmissionStatus.SUBMITTED:
        raise Conflict("Only submissions waiting for review can be claimed.")
    if submission.reviewer_id == user.id:
        return submission
    taken = db.execute(
        update(Submission)
        .where(Submission.id == submission.id, Submission.reviewer_id.is_(None))
        .values(reviewer_id=user.id, assigned_at=utcnow(), assigned_by_id=None)
    )
    if getattr(taken, "rowcount", 0) != 1:
        db.refresh(submission)
        name = submission.reviewer.display_name if submission.reviewer else "Another coach"
        raise Conflict(f"{name} is already reviewing this submission.")
    return submission


def release(db: Session, user: User, submission_id: uuid.UUID) -> Submission:
    """Give a claimed submission back to the queue (its reviewer, or an administrator)."""
    submission = for_reviewer(db, user, submission_id)
    if submission.reviewer_id != user.id and not policy.can_manage_reviews(
        user, submission.organization_id
    ):
        raise Forbidden(
            "Only the coach reviewing this submission or an administrator can release it."
        )
    submission.reviewer_id = None
    submission.assigned_at = None
    submission.assigned_by_id = None
    return submission


def _coach(db: Session, submission: Submission, coach_id: uuid.UUID) -> User:
    coach = db.get(User, coach_id)
    if coach is None or not policy.can_review_evidence(coach, submission.organization_id):
        raise Invalid("Choose a coach of this organization.", field="coach_id")
    if coach.id == submission.user_id:
        raise Invalid("Nobody reviews their own evidence; choose another coach.", field="coach_id")
    return coach


def _admin_submission(db: Session, admin: User, submission_id: uuid.UUID) -> Submission:
    submission = for_reviewer(db, admin, submission_id)
    if not policy.can_manage_reviews(admin, submission.organization_id):
        raise Forbidden("Only administrators assign reviews.")
    return submission


def assign(
    db: Session, settings: Settings, admin: User, submission_id: uuid.UUID, coach_id: uuid.UUID
) -> Submission:
    """An administrator assigns a waiting submission to a coach, who is notified."""
    submission = _admin_submission(db, admin, submission_id)
    if submission.status != SubmissionStatus.SUBMITTED:
        raise Conflict("Only submissions waiting for review can be assigned.")
    coach = _coach(db, submission, coach_id)
    submission.reviewer_id = coach.id
    submission.assigned_by_id = admin.id
    submission.assigned_at = utcnow()
    notifications.notify(
        db,
        settings,
        coach,
        ASSIGNED,
        f"Review assigned: {submission.user.display_name}, {submission.micro_credential.name}",
        links.REVIEW.path_for(submission_id=submission.id),
        actor=admin,
    )
    audit.record(
        db,
        "review.assigned",
        actor_id=admin.id,
        organization_id=submission.organization_id,
        target_type="submission",
        target_id=submission.id,
        coach=coach.email,
    )
    return submission


def request_calibration(
    db: Session, settings: Settings, admin: User, submission_id: uuid.UUID, coach_id: uuid.UUID
) -> Submission:
    """An administrator asks another coach for a blind second review of the latest attempt."""
    submission = _admin_submission(db, admin, submission_id)
    coach = _coach(db, submission, coach_id)
    attempt = latest_submitted(submission)
    primary = attempt.review_of(ReviewKind.PRIMARY)
    if coach.id == submission.reviewer_id or (primary and primary.reviewer_id == coach.id):
        raise Invalid("Choose a coach other than the first reviewer.", field="coach_id")
    if attempt.review_of(ReviewKind.CALIBRATION) is not None:
        raise Conflict("The second review of this attempt is already recorded.")
    submission.calibration_reviewer_id = coach.id
    submission.calibration_requested_at = utcnow()
    notifications.notify(
        db,
        settings,
        coach,
        ASSIGNED,
        f"Second review requested: {submission.user.display_name}, "
        f"{submission.micro_credential.name}",
        links.REVIEW.path_for(submission_id=submission.id),
        actor=admin,
    )
    return submission


def _scored(submission: Submission, data: ReviewInput) -> tuple[rubrics.Scored, str]:
    definition = submission.micro_credential
    scored = rubrics.score(
        definition.rubric, definition.pass_rule, definition.pass_value, data.levels
    )
    feedback = data.feedback.replace("\r\n", "\n").strip()
    if len(feedback) > MAX_FEEDBACK_CHARS:
        raise Invalid(f"Keep the feedback under {MAX_FEEDBACK_CHARS} characters.", field="feedback")
    for key, comment in data.comments.items():
        if len(comment) > MAX_COMMENT_CHARS:
            raise Invalid(
                f"Keep each comment under {MAX_COMMENT_CHARS} characters.", field=f"comment_{key}"
            )
    if data.decision == Decision.NOT_YET and not feedback:
        raise Invalid(
            "Write feedback: the teacher needs it to revise for 'Not yet'.", field="feedback"
        )
    if data.decision == Decision.EARNED and not scored.passes:
        rule = rubrics.describe_rule(definition.rubric, definition.pass_rule, definition.pass_value)
        raise Invalid(
            f"These levels do not meet the pass rule ({rule}). Raise the levels the evidence "
            "supports, or decide 'Not yet'.",
            field="decision",
        )
    return scored, feedback


def _new_review(
    submission: Submission,
    attempt: EvidenceAttempt,
    reviewer: User,
    kind: ReviewKind,
    data: ReviewInput,
) -> Review:
    scored, feedback = _scored(submission, data)
    now = utcnow()
    submitted = attempt.submitted_at or now
    review = Review(
        organization_id=submission.organization_id,
        reviewer_id=reviewer.id,
        kind=kind,
        decision=data.decision,
        feedback=feedback,
        total_points=scored.points,
        decided_at=now,
        turnaround_seconds=max(0, int((now - submitted).total_seconds())),
    )
    rubric = submission.micro_credential.rubric
    for item in rubric:
        level = rubrics.level_of(item, scored.levels[item["key"]])
        review.scores.append(
            ReviewScore(
                criterion=item["key"],
                level=level["level"],
                points=int(level.get("points", 0)),
                comment=data.comments.get(item["key"], "").strip(),
            )
        )
    return review


def decide(
    db: Session, settings: Settings, coach: User, submission_id: uuid.UUID, data: ReviewInput
) -> Review:
    """Record the decisive review: Earned (the award is recorded) or Not yet (back to them)."""
    submission = for_reviewer(db, coach, submission_id)
    evidence.forbid_self_review(coach, submission)
    if submission.reviewer_id not in (None, coach.id) and not policy.can_manage_reviews(
        coach, submission.organization_id
    ):
        name = submission.reviewer.display_name if submission.reviewer else "Another coach"
        raise Forbidden(
            f"{name} is reviewing this submission; ask an administrator to reassign it."
        )
    if submission.status != SubmissionStatus.SUBMITTED or submission.attempt_no != data.attempt_no:
        raise Conflict(_stale(submission, data.attempt_no))
    attempt = submission.attempts[-1]
    review = _new_review(submission, attempt, coach, ReviewKind.PRIMARY, data)
    status = (
        SubmissionStatus.EARNED if data.decision == Decision.EARNED else SubmissionStatus.NOT_YET
    )
    evidence.move_status(
        db,
        submission,
        expected=SubmissionStatus.SUBMITTED,
        at_attempt=data.attempt_no,
        conflict="Another coach decided this attempt a moment ago; reload to see the decision.",
        status=status,
        decided_at=review.decided_at,
        reviewer_id=coach.id,
    )
    _save(db, review, attempt)
    calibration = attempt.review_of(ReviewKind.CALIBRATION)
    if calibration is not None:
        record_agreement(review, calibration)
    if data.decision == Decision.EARNED:
        awards.record_award(
            db,
            settings,
            user=submission.user,
            definition=submission.micro_credential,
            submission=submission,
            awarded_by=coach,
        )
    _tell_teacher(db, settings, submission, review, coach)
    audit.record(
        db,
        "review.decided",
        actor_id=coach.id,
        organization_id=submission.organization_id,
        target_type="submission",
        target_id=submission.id,
        decision=data.decision.value,
        attempt=attempt.number,
    )
    return review


def _save(db: Session, review: Review, attempt: EvidenceAttempt) -> None:
    try:
        with db.begin_nested():
            db.add(review)
            review.attempt = attempt
    except IntegrityError as exc:
        raise Conflict("This attempt was already reviewed; reload to see the review.") from exc


def _stale(submission: Submission, attempt_no: int) -> str:
    if submission.attempt_no != attempt_no:
        return (
            "The teacher revised this evidence since you opened it; reload to see the new attempt."
        )
    return {
        SubmissionStatus.EARNED: "This submission is already decided: Earned.",
        SubmissionStatus.NOT_YET: "This submission is already decided: Not yet.",
        SubmissionStatus.WITHDRAWN: "The teacher withdrew this submission.",
        SubmissionStatus.DRAFT: "The teacher is revising this evidence; it is not waiting yet.",
    }.get(submission.status, "This submission is not waiting for review.")


def _tell_teacher(
    db: Session, settings: Settings, submission: Submission, review: Review, coach: User
) -> None:
    name = submission.micro_credential.name
    title = (
        f"You earned {name}"
        if review.decision == Decision.EARNED
        else f"Not yet: feedback on your evidence for {name}"
    )
    notifications.notify(
        db,
        settings,
        submission.user,
        evidence.DECIDED,
        title,
        links.EVIDENCE.path_for(submission_id=submission.id),
        body=review.feedback,
        actor=coach,
    )


def calibrate(db: Session, coach: User, submission_id: uuid.UUID, data: ReviewInput) -> Review:
    """Record the blind second review; agreement with the primary review is recorded."""
    submission = for_reviewer(db, coach, submission_id)
    if submission.calibration_reviewer_id != coach.id:
        raise Forbidden("Only the coach asked for the second review can record it.")
    attempt = latest_submitted(submission)
    if attempt.number != data.attempt_no:
        raise Conflict(
            "The teacher has revised this evidence since you opened it; reload the page."
        )
    if attempt.review_of(ReviewKind.CALIBRATION) is not None:
        raise Conflict("The second review of this attempt is already recorded.")
    review = _new_review(submission, attempt, coach, ReviewKind.CALIBRATION, data)
    _save(db, review, attempt)
    submission.calibration_requested_at = None  # done: it leaves the coach's waiting list
    primary = attempt.review_of(ReviewKind.PRIMARY)
    if primary is not None:
        record_agreement(primary, review)
    audit.record(
        db,
        "review.calibrated",
        actor_id=coach.id,
        organization_id=submission.organization_id,
        target_type="submission",
        target_id=submission.id,
        attempt=attempt.number,
    )
    return review


def record_agreement(primary: Review, calibration: Review) -> None:
    """Store on the calibration review whether the decisions match and the share of equal levels."""
    first = {s.criterion: s.level for s in primary.scores}
    second = {s.criterion: s.level for s in calibration.scores}
    calibration.agrees_with_primary = primary.decision == calibration.decision
    calibration.criteria_agreement = (
        sum(1 for key, level in first.items() if second.get(key) == level) / len(first)
        if first
        else None
    )


@dataclass(frozen=True)
class Turnaround:
    """Turnaround of decided reviews (seconds from submission to decision)."""

    label: str
    count: int
    median_seconds: float | None
    p90_seconds: float | None


@dataclass(frozen=True)
class Figures:
    """The administrator's figures for one organization."""

    overall: Turnaround
    by_definition: list[Turnaround]
    by_coach: list[Turnaround]
    waiting: int
    oldest_waiting_seconds: int | None
    calibrations: int
    decision_agreement: float | None
    criteria_agreement: float | None


def turnaround(label: str, seconds: list[int]) -> Turnaround:
    """Count, median and 90th percentile (nearest rank) of some turnarounds."""
    if not seconds:
        return Turnaround(label, 0, None, None)
    ordered = sorted(seconds)
    rank = max(1, math.ceil(0.9 * len(ordered)))
    return Turnaround(label, len(ordered), float(median(ordered)), float(ordered[rank - 1]))


def figures(db: Session, org: Organization, now: datetime | None = None) -> Figures:
    """Turnaround per review (overall, per micro-credential, per coach), queue and agreement."""
    now = now or utcnow()
    rows = db.execute(
        select(Review.turnaround_seconds, MicroCredential.name, User.display_name)
        .join(EvidenceAttempt, Review.attempt_id == EvidenceAttempt.id)
        .join(Submission, EvidenceAttempt.submission_id == Submission.id)
        .join(MicroCredential, Submission.micro_credential_id == MicroCredential.id)
        .outerjoin(User, Review.reviewer_id == User.id)
        .where(Review.organization_id == org.id, Review.kind == ReviewKind.PRIMARY)
    ).all()
    by_definition: dict[str, list[int]] = {}
    by_coach: dict[str, list[int]] = {}
    for seconds, name, coach in rows:
        by_definition.setdefault(name, []).append(seconds)
        by_coach.setdefault(coach or "A former coach", []).append(seconds)
    waiting = list(
        db.scalars(
            select(Submission.submitted_at).where(
                Submission.organization_id == org.id,
                Submission.status == SubmissionStatus.SUBMITTED,
            )
        )
    )
    oldest = min((w for w in waiting if w is not None), default=None)
    calibrations = list(
        db.scalars(
            select(Review).where(
                Review.organization_id == org.id,
                Review.kind == ReviewKind.CALIBRATION,
                Review.agrees_with_primary.is_not(None),
            )
        )
    )
    return Figures(
        overall=turnaround("All reviews", [r[0] for r in rows]),
        by_definition=[turnaround(k, v) for k, v in sorted(by_definition.items())],
        by_coach=[turnaround(k, v) for k, v in sorted(by_coach.items())],
        waiting=len(waiting),
        oldest_waiting_seconds=int((now - oldest).total_seconds()) if oldest else None,
        calibrations=len(calibrations),
        decision_agreement=(
            sum(1 for r in calibrations if r.agrees_with_primary) / len(calibrations)
            if calibrations
            else None
        ),
        criteria_agreement=(
            sum(r.criteria_agreement or 0.0 for r in calibrations) / len(calibrations)
            if calibrations
            else None
        ),
    )


def calibration_pairs(db: Session, org: Organization) -> list[tuple[Review, Review | None]]:
    """Every calibration review of the organization with its primary review (newest first)."""
    seconds = list(
        db.scalars(
            select(Review)
            .where(Review.organization_id == org.id, Review.kind == ReviewKind.CALIBRATION)
            .order_by(Review.decided_at.desc())
            .limit(100)
        )
    )
    return [(r, r.attempt.review_of(ReviewKind.PRIMARY)) for r in seconds]


def open_for_admin(db: Session, org: Organization) -> list[Submission]:
    """Submissions an administrator can assign or calibrate: waiting, or decided recently."""
    return list(
        db.scalars(
            select(Submission)
            .where(
                Submission.organization_id == org.id,
                Submission.status.in_(
                    [SubmissionStatus.SUBMITTED, SubmissionStatus.NOT_YET, SubmissionStatus.EARNED]
                ),
            )
            .order_by(Submission.status.desc(), Submission.submitted_at)
            .limit(QUEUE_LIMIT)
        )
    )


def get_in_org(db: Session, org: Organization, submission_id: uuid.UUID) -> Submission:
    """A submission of this organization (NotFound otherwise)."""
    submission = db.get(Submission, submission_id)
    if submission is None or submission.organization_id != org.id:
        raise NotFound("There is no such submission in this organization.")
    return submission


def score_rows(definition: MicroCredential, review: Review | None) -> list[dict[str, Any]]:
    """A review's level and comment per rubric criterion, in rubric order, for display."""
    if review is None:
        return []
    scores = {s.criterion: s for s in review.scores}
    rows = []
    for item in definition.rubric:
        score = scores.get(item["key"])
        if score is not None:
            level = rubrics.level_of(item, score.level)
            rows.append({"criterion": item, "level": level, "comment": score.comment})
    return rows
