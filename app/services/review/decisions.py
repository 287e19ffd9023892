"""The decision on a waiting submission: Earned or Not yet.

A decision moves the submission through a conditional UPDATE (status "submitted" and the
attempt number the coach saw), so of two coaches deciding at once exactly one wins; the other
gets a Conflict. "Earned" records the award (and its signed credential) in the same transaction.
"""

from __future__ import annotations

import uuid

from sqlalchemy.orm import Session

from app.errors import Conflict, Forbidden
from app.kit import audit, links
from app.models import Decision, Review, ReviewKind, Submission, SubmissionStatus, User
from app.services.credentials import awards
from app.services.notifications import delivery as notifications
from app.services.review import evidence, permissions, scoring
from app.services.review.notices import DECIDED
from app.services.review.queue import for_reviewer
from app.settings import Settings


def decide(
    db: Session,
    settings: Settings,
    coach: User,
    submission_id: uuid.UUID,
    data: scoring.ReviewInput,
) -> Review:
    """Record the decisive review: Earned (the award is recorded) or Not yet (back to them)."""
    submission = for_reviewer(db, coach, submission_id)
    _check_may_decide(coach, submission, data.attempt_no)
    attempt = submission.attempts[-1]
    review = scoring.new_review(submission, attempt, coach, ReviewKind.PRIMARY, data)
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
    scoring.save(db, review, attempt)
    calibration = attempt.review_of(ReviewKind.CALIBRATION)
    if calibration is not None:
        scoring.record_agreement(review, calibration)
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
        submission,
        actor=coach,
        decision=data.decision.value,
        attempt=attempt.number,
    )
    return review


def _check_may_decide(coach: User, submission: Submission, attempt_no: int) -> None:
    """Refuse with the reason when ``permissions.can_decide`` does not hold (or the coach saw an
    older attempt)."""
    permissions.forbid_self_review(coach, submission)
    if not permissions.holds_or_free(coach, submission):
        name = submission.reviewer.display_name if submission.reviewer else "Another coach"
        raise Forbidden(
            f"{name} is reviewing this submission; ask an administrator to reassign it."
        )
    if submission.status != SubmissionStatus.SUBMITTED or submission.attempt_no != attempt_no:
        raise Conflict(_stale(submission, attempt_no))
    if permissions.is_blind(coach, submission):
        raise Forbidden(
            "You are asked for the blind second review of this attempt: record it as the second "
            "review; the decision is another coach's."
        )


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
        DECIDED,
        title,
        links.EVIDENCE.path_for(submission_id=submission.id),
        body=review.feedback,
        actor=coach,
    )
