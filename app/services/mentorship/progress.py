"""A mentee's progress in the mentorship's organization: modules, PD hours, evidence, awards."""

from __future__ import annotations

import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import Award, Enrollment, EnrollmentStatus, Mentorship, Module, Submission


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
