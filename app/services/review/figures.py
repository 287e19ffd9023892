"""The administrator's figures: review turnaround, the queue's waiting time and agreement."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime
from statistics import median

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import utcnow
from app.models import (
    EvidenceAttempt,
    MicroCredential,
    Organization,
    Review,
    ReviewKind,
    Submission,
    SubmissionStatus,
    User,
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
