"""Calibration: an administrator asks another coach for a blind second review of the latest
attempt; agreement with the first review is stored on it."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import utcnow
from app.errors import Conflict, Forbidden, Invalid
from app.kit import audit, links
from app.models import Organization, Review, ReviewKind, Submission, User
from app.services.notifications import delivery as notifications
from app.services.review import scoring
from app.services.review.assignments import admin_submission, coach_for
from app.services.review.notices import ASSIGNED
from app.services.review.permissions import latest_submitted, may_give_second_review
from app.services.review.queue import for_reviewer
from app.settings import Settings


def request_calibration(
    db: Session, settings: Settings, admin: User, submission_id: uuid.UUID, coach_id: uuid.UUID
) -> Submission:
    """An administrator asks another coach for a blind second review of the latest attempt."""
    submission = admin_submission(db, admin, submission_id)
    coach = coach_for(db, submission, coach_id)
    attempt = latest_submitted(submission)
    if not may_give_second_review(coach, submission):
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


def calibrate(
    db: Session, coach: User, submission_id: uuid.UUID, data: scoring.ReviewInput
) -> Review:
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
    review = scoring.new_review(submission, attempt, coach, ReviewKind.CALIBRATION, data)
    scoring.save(db, review, attempt)
    submission.calibration_requested_at = None  # done: it leaves the coach's waiting list
    primary = attempt.review_of(ReviewKind.PRIMARY)
    if primary is not None:
        scoring.record_agreement(primary, review)
    audit.record(db, "review.calibrated", submission, actor=coach, attempt=attempt.number)
    return review


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
