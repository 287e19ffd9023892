"""Who reviews a waiting submission: a coach claims or releases it, an administrator assigns it."""

from __future__ import annotations

import uuid

from sqlalchemy import update
from sqlalchemy.orm import Session

from app.db import utcnow
from app.errors import Conflict, Forbidden, Invalid
from app.kit import audit, links
from app.models import Submission, SubmissionStatus, User
from app.services.notifications import delivery as notifications
from app.services.review import permissions
from app.services.review.notices import ASSIGNED
from app.services.review.queue import for_reviewer
from app.settings import Settings


def claim(db: Session, user: User, submission_id: uuid.UUID) -> Submission:
    """Take a waiting submission to review (Conflict when another coach has it)."""
    submission = for_reviewer(db, user, submission_id)
    permissions.forbid_self_review(user, submission)
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
    if not permissions.may_release(user, submission):
        raise Forbidden(
            "Only the coach reviewing this submission or an administrator can release it."
        )
    submission.reviewer_id = None
    submission.assigned_at = None
    submission.assigned_by_id = None
    return submission


def coach_for(db: Session, submission: Submission, coach_id: uuid.UUID) -> User:
    """The coach an administrator chose: a reviewer of the organization, not the teacher."""
    coach = db.get(User, coach_id)
    if coach is None or not permissions.can_review_evidence(coach, submission.organization_id):
        raise Invalid("Choose a coach of this organization.", field="coach_id")
    if not permissions.may_be_assigned(coach, submission):
        raise Invalid("Nobody reviews their own evidence; choose another coach.", field="coach_id")
    return coach


def admin_submission(db: Session, admin: User, submission_id: uuid.UUID) -> Submission:
    """A submission of an organization the person administers (Forbidden for coaches)."""
    submission = for_reviewer(db, admin, submission_id)
    if not permissions.can_manage_reviews(admin, submission.organization_id):
        raise Forbidden("Only administrators assign reviews.")
    return submission


def assign(
    db: Session, settings: Settings, admin: User, submission_id: uuid.UUID, coach_id: uuid.UUID
) -> Submission:
    """An administrator assigns a waiting submission to a coach, who is notified."""
    submission = admin_submission(db, admin, submission_id)
    if submission.status != SubmissionStatus.SUBMITTED:
        raise Conflict("Only submissions waiting for review can be assigned.")
    coach = coach_for(db, submission, coach_id)
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
    audit.record(db, "review.assigned", submission, actor=admin, coach_id=str(coach.id))
    return submission
