"""A coach's own figures in one organization: what waits for them, how fast they decide, and how
often a second reviewer agreed with their decisions (their own work, so nothing is suppressed)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, case, func, select
from sqlalchemy.orm import Session, aliased

from app.db import utcnow
from app.models import Organization, Review, ReviewKind, Submission, SubmissionStatus, User
from app.services.impact.period import Period
from app.services.review.figures import Turnaround, turnaround


@dataclass(frozen=True)
class CoachFigures:
    """What the coach sees about their own reviewing."""

    period: Period
    mine_waiting: int
    mine_oldest_hours: float | None
    unclaimed_waiting: int
    unclaimed_oldest_hours: float | None
    turnaround: Turnaround
    second_reviews: int
    agreed: int
    reviewed_as_second: int
    agreed_as_second: int

    @property
    def agreement(self) -> float | None:
        """Share of their decisions a second reviewer agreed with."""
        return self.agreed / self.second_reviews if self.second_reviews else None

    @property
    def agreement_as_second(self) -> float | None:
        """Share of their second reviews that agreed with the first coach."""
        return self.agreed_as_second / self.reviewed_as_second if self.reviewed_as_second else None


def _hours_since(moment: datetime | None, now: datetime) -> float | None:
    return (now - moment).total_seconds() / 3600 if moment else None


def coach_figures(db: Session, org: Organization, coach: User, period: Period) -> CoachFigures:
    """The coach's queue, turnaround and agreement (five small queries)."""
    now = utcnow()
    waiting = and_(
        Submission.organization_id == org.id, Submission.status == SubmissionStatus.SUBMITTED
    )
    mine, mine_oldest = db.execute(
        select(func.count(), func.min(Submission.submitted_at)).where(
            waiting, Submission.reviewer_id == coach.id
        )
    ).one()
    unclaimed, unclaimed_oldest = db.execute(
        select(func.count(), func.min(Submission.submitted_at)).where(
            waiting, Submission.reviewer_id.is_(None), Submission.user_id != coach.id
        )
    ).one()
    seconds = list(
        db.scalars(
            select(Review.turnaround_seconds).where(
                Review.organization_id == org.id,
                Review.kind == ReviewKind.PRIMARY,
                Review.reviewer_id == coach.id,
                period.holds(Review.decided_at),
            )
        )
    )
    primary = aliased(Review)
    second = aliased(Review)
    pair = (
        select(func.count(), func.sum(case((second.agrees_with_primary.is_(True), 1), else_=0)))
        .select_from(second)
        .join(
            primary,
            and_(primary.attempt_id == second.attempt_id, primary.kind == ReviewKind.PRIMARY),
        )
        .where(
            second.organization_id == org.id,
            second.kind == ReviewKind.CALIBRATION,
            second.agrees_with_primary.is_not(None),
            period.holds(second.decided_at),
        )
    )
    checked, agreed = db.execute(pair.where(primary.reviewer_id == coach.id)).one()
    as_second, agreed_second = db.execute(pair.where(second.reviewer_id == coach.id)).one()
    return CoachFigures(
        period=period,
        mine_waiting=int(mine or 0),
        mine_oldest_hours=_hours_since(mine_oldest, now),
        unclaimed_waiting=int(unclaimed or 0),
        unclaimed_oldest_hours=_hours_since(unclaimed_oldest, now),
        turnaround=turnaround("Your decisions", seconds),
        second_reviews=int(checked or 0),
        agreed=int(agreed or 0),
        reviewed_as_second=int(as_second or 0),
        agreed_as_second=int(agreed_second or 0),
    )
