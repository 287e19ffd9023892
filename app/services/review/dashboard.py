"""What a signed-in person's dashboard shows of their micro-credential work and review duties."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import (
    Award,
    AwardStatus,
    EvidenceAttempt,
    Review,
    ReviewKind,
    Submission,
    SubmissionStatus,
    User,
)
from app.services.review import queue

RETURNED_SHOWN = 5


@dataclass(frozen=True)
class WorkSummary:
    """Counts of the person's evidence by status, what came back "Not yet", and the queue."""

    by_status: dict[SubmissionStatus, int]
    returned: list[Submission]
    pending_awards: int
    to_review: int | None  # None: the person reviews nowhere
    feedback: dict[uuid.UUID, str] = field(default_factory=dict)
    """The coach's written feedback on each returned submission's latest attempt."""

    @property
    def has_evidence(self) -> bool:
        """Whether the person ever started evidence."""
        return any(self.by_status.values())


def work_summary(db: Session, user: User) -> WorkSummary:
    """The person's evidence and review figures, in five small queries."""
    counts = dict(
        db.execute(
            select(Submission.status, func.count())
            .where(Submission.user_id == user.id)
            .group_by(Submission.status)
        ).all()
    )
    returned = list(
        db.scalars(
            select(Submission)
            .where(Submission.user_id == user.id, Submission.status == SubmissionStatus.NOT_YET)
            .order_by(Submission.updated_at.desc(), Submission.id)
            .limit(RETURNED_SHOWN)
        )
    )
    pending = db.scalar(
        select(func.count()).where(Award.user_id == user.id, Award.status != AwardStatus.ISSUED)
    )
    return WorkSummary(
        by_status={status: counts.get(status, 0) for status in SubmissionStatus},
        returned=returned,
        feedback=_feedback(db, returned),
        pending_awards=pending or 0,
        to_review=_waiting_for_review(db, user),
    )


def _feedback(db: Session, returned: list[Submission]) -> dict[uuid.UUID, str]:
    if not returned:
        return {}
    rows = db.execute(
        select(EvidenceAttempt.submission_id, Review.feedback)
        .join(Review, Review.attempt_id == EvidenceAttempt.id)
        .where(
            EvidenceAttempt.submission_id.in_([s.id for s in returned]),
            Review.kind == ReviewKind.PRIMARY,
        )
        .order_by(EvidenceAttempt.number)
    ).all()
    return {row[0]: row[1] for row in rows}  # the latest attempt wins


def _waiting_for_review(db: Session, user: User) -> int | None:
    orgs = queue.coached_org_ids(user)
    if orgs == []:
        return None
    return (
        db.scalar(
            select(func.count()).where(
                Submission.status == SubmissionStatus.SUBMITTED,
                Submission.user_id != user.id,
                queue.in_coached_orgs(orgs),
            )
        )
        or 0
    )
