"""What a teacher's home page shows of their learning: where to continue, the PD hours of this
school year, and the end dates of the cohorts they are in. A fixed number of queries each."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload

from app.db import utcnow
from app.models import (
    Activity,
    ActivityProgress,
    Enrollment,
    EnrollmentStatus,
    Module,
    ModuleFormat,
    User,
)

SCHOOL_YEAR_STARTS = (7, 1)  # 1 July: the period PD hours are counted in on the home page


@dataclass(frozen=True)
class Resume:
    """The module the teacher worked in last, the activity they were at, and how far they are."""

    module: Module
    activity: Activity | None
    done: int
    total: int


def resume(db: Session, user: User) -> Resume | None:
    """The teacher's most recently active module in progress, or None (four queries)."""
    enrollment = db.scalar(
        select(Enrollment)
        .where(Enrollment.user_id == user.id, Enrollment.status == EnrollmentStatus.ACTIVE)
        .options(joinedload(Enrollment.module))
        .order_by(Enrollment.updated_at.desc(), Enrollment.enrolled_at.desc(), Enrollment.id)
        .limit(1)
    )
    if enrollment is None:
        return None
    total = (
        db.scalar(
            select(func.count())
            .select_from(Activity)
            .where(Activity.module_id == enrollment.module_id, Activity.required.is_(True))
        )
        or 0
    )
    done = db.scalar(
        select(func.count())
        .select_from(ActivityProgress)
        .join(Activity, Activity.id == ActivityProgress.activity_id)
        .where(
            ActivityProgress.enrollment_id == enrollment.id,
            ActivityProgress.completed_at.is_not(None),
            Activity.required.is_(True),
        )
    )
    last = enrollment.last_activity_id
    current = db.get(Activity, last) if last is not None else None
    return Resume(enrollment.module, current, done or 0, total)


def school_year_start(today: date | None = None) -> date:
    """The first day of the current school year (1 July)."""
    today = today or utcnow().date()
    month, day = SCHOOL_YEAR_STARTS
    year = today.year if (today.month, today.day) >= (month, day) else today.year - 1
    return date(year, month, day)


def pd_hours_since(db: Session, user: User, start: date) -> Decimal:
    """PD hours of the modules the teacher completed on or after ``start`` (one query)."""
    total = db.scalar(
        select(func.coalesce(func.sum(Enrollment.pd_hours_awarded), 0)).where(
            Enrollment.user_id == user.id,
            Enrollment.status == EnrollmentStatus.COMPLETED,
            Enrollment.completed_at >= datetime.combine(start, time.min, UTC),
        )
    )
    return Decimal(str(total or 0))


def cohort_deadlines(db: Session, user: User, limit: int = 5) -> list[Enrollment]:
    """The teacher's cohort modules in progress that end today or later, soonest first."""
    return list(
        db.scalars(
            select(Enrollment)
            .join(Module, Module.id == Enrollment.module_id)
            .where(
                Enrollment.user_id == user.id,
                Enrollment.status == EnrollmentStatus.ACTIVE,
                Module.format == ModuleFormat.COHORT,
                Module.ends_on >= utcnow().date(),
            )
            .options(joinedload(Enrollment.module))
            .order_by(Module.ends_on, Module.title)
            .limit(limit)
        )
    )
