"""The raw figures of an organization's impact report, read in a fixed number of grouped queries
(whatever the number of teachers, enrollments or reviews). Nothing here is shown as it is:
``report.py`` turns these numbers into suppressed tables.

Who is counted: learning (enrollments, completions, PD hours, active learners, breakdowns) is the
organization's *members'* learning, in any module; credentials, reviews, micro-credentials,
surveys, pathways and communities are the organization's own.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import ColumnElement, and_, case, distinct, func, literal, or_, select, union
from sqlalchemy.orm import Session

from app.db import utcnow
from app.models import (
    ActivityProgress,
    Award,
    AwardStatus,
    Community,
    Decision,
    Enrollment,
    EnrollmentStatus,
    EvidenceAttempt,
    IssuedCredential,
    LearnerProfile,
    Membership,
    MicroCredential,
    Module,
    ModuleFeedback,
    Organization,
    Pathway,
    PathwayCompletion,
    PathwayStep,
    Post,
    Review,
    ReviewKind,
    Submission,
)
from app.services.impact.period import Period

NOT_GIVEN = "Not given"
NOT_SHARED = "Not shared"
COMPLETED, ACTIVE, INACTIVE = "completed", "active", "inactive"
DIMENSIONS = ("school", "subject", "grade_band", "gender", "race_ethnicity", "years_experience")
DEMOGRAPHIC = frozenset({"gender", "race_ethnicity", "years_experience"})
COMMENTS_KEPT = 20
"""At most this many comments per module, newest first."""
COMMENTS_READ = 2000


@dataclass(frozen=True)
class MemberGroup:
    """Members sharing the same attributes and status in the period, with their PD hours."""

    attributes: dict[str, str]
    status: str
    people: int
    hours: Decimal


@dataclass
class Figures:
    """Everything the report needs, unsuppressed (never sent anywhere as it is)."""

    period: Period
    threshold: int
    members: list[MemberGroup] = field(default_factory=list)
    monthly: dict[str, dict[str, int]] = field(default_factory=dict)
    """Series name -> month (YYYY-MM) -> count."""
    revoked: int = 0
    expired: int = 0
    credential_hours: Decimal = Decimal(0)
    credential_people: int = 0
    first_try: list[tuple[str, int, int]] = field(default_factory=list)
    """(micro-credential, earned on the first attempt, not yet on the first attempt)."""
    turnaround_seconds: list[int] = field(default_factory=list)
    ratings: list[tuple[str, dict[int, int]]] = field(default_factory=list)
    """(module, rating 1-5 -> responses)."""
    responses: dict[str, int] = field(default_factory=dict)
    comments: dict[str, list[str]] = field(default_factory=dict)
    pathways: list[tuple[str, int, int]] = field(default_factory=list)
    """(pathway, completed in the period, in progress at its end)."""
    communities: list[tuple[str, int, int]] = field(default_factory=list)
    """(community, threads started, replies)."""
    posters: int = 0


SERIES = ("enrollments", "completions", "credentials", "posts")


def month_of(db: Session, column: Any) -> ColumnElement[str]:
    """SQL: the UTC calendar month (YYYY-MM) of a timestamp column."""
    if db.get_bind().dialect.name == "postgresql":
        return func.to_char(func.timezone("UTC", column), "YYYY-MM")
    return func.strftime("%Y-%m", column)


def _label(value: str | None) -> str:
    value = (value or "").strip()
    return value or NOT_GIVEN


def gather(db: Session, org: Organization, period: Period) -> Figures:
    """Read every figure of the report (about fifteen grouped queries)."""
    figures = Figures(period=period, threshold=org.min_cell_size)
    figures.members = _members(db, org, period)
    figures.monthly = _monthly(db, org, period)
    _credentials(db, org, period, figures)
    _reviews(db, org, period, figures)
    _surveys(db, org, period, figures)
    figures.pathways = _pathways(db, org, period)
    _communities(db, org, period, figures)
    return figures


def _members(db: Session, org: Organization, period: Period) -> list[MemberGroup]:
    """Members grouped by school, subject, grade band and shared demographics, and by whether
    they completed a module in the period, were active without completing, or neither."""
    active_ids = union(
        select(Enrollment.user_id).where(
            or_(period.holds(Enrollment.enrolled_at), period.holds(Enrollment.completed_at))
        ),
        select(Enrollment.user_id)
        .join(ActivityProgress, ActivityProgress.enrollment_id == Enrollment.id)
        .where(period.holds(ActivityProgress.completed_at)),
    )
    completed = (
        select(
            Enrollment.user_id.label("user_id"),
            func.sum(func.coalesce(Enrollment.pd_hours_awarded, 0)).label("hours"),
        )
        .where(
            Enrollment.status == EnrollmentStatus.COMPLETED,
            period.holds(Enrollment.completed_at),
        )
        .group_by(Enrollment.user_id)
        .subquery()
    )
    status = case(
        (completed.c.user_id.is_not(None), literal(COMPLETED)),
        (Membership.user_id.in_(select(active_ids.subquery())), literal(ACTIVE)),
        else_=literal(INACTIVE),
    ).label("status")
    shared = LearnerProfile.share_demographics.is_(True)

    def demographic(column: Any, name: str) -> Any:
        return case((shared, column), else_=literal(NOT_SHARED)).label(name)

    keys = [
        Membership.school.label("school"),
        LearnerProfile.subject.label("subject"),
        LearnerProfile.grade_band.label("grade_band"),
        demographic(LearnerProfile.gender, "gender"),
        demographic(LearnerProfile.race_ethnicity, "race_ethnicity"),
        demographic(LearnerProfile.years_experience, "years_experience"),
        status,
    ]
    rows = db.execute(
        select(*keys, func.count(), func.sum(func.coalesce(completed.c.hours, 0)))
        .select_from(Membership)
        .outerjoin(LearnerProfile, LearnerProfile.user_id == Membership.user_id)
        .outerjoin(completed, completed.c.user_id == Membership.user_id)
        .where(Membership.organization_id == org.id)
        .group_by(*keys)
    ).all()
    return [
        MemberGroup(
            attributes={
                name: _label(value) for name, value in zip(DIMENSIONS, row[:6], strict=True)
            },
            status=row[6],
            people=row[7],
            hours=Decimal(row[8] or 0),
        )
        for row in rows
    ]


def _by_month(db: Session, query: Any, column: Any) -> dict[str, int]:
    month = month_of(db, column)
    rows = db.execute(query.add_columns(month, func.count()).group_by(month)).all()
    return {str(m): int(n) for m, n in rows}


def _monthly(db: Session, org: Organization, period: Period) -> dict[str, dict[str, int]]:
    member = and_(Membership.user_id == Enrollment.user_id, Membership.organization_id == org.id)
    return {
        "enrollments": _by_month(
            db,
            select().select_from(Enrollment).join(Membership, member)
            .where(period.holds(Enrollment.enrolled_at)),
            Enrollment.enrolled_at,
        ),
        "completions": _by_month(
            db,
            select().select_from(Enrollment).join(Membership, member)
            .where(
                Enrollment.status == EnrollmentStatus.COMPLETED,
                period.holds(Enrollment.completed_at),
            ),
            Enrollment.completed_at,
        ),
        "credentials": _by_month(
            db,
            select().select_from(IssuedCredential).where(
                IssuedCredential.organization_id == org.id,
                period.holds(IssuedCredential.issued_at),
            ),
            IssuedCredential.issued_at,
        ),
        "posts": _by_month(
            db,
            select().select_from(Post).join(Community, Post.community_id == Community.id)
            .where(Community.organization_id == org.id, period.holds(Post.created_at)),
            Post.created_at,
        ),
    }  # fmt: skip


def _credentials(db: Session, org: Organization, period: Period, figures: Figures) -> None:
    now = utcnow()
    revoked, expired = db.execute(
        select(
            func.sum(case((period.holds(IssuedCredential.revoked_at), 1), else_=0)),
            func.sum(
                case(
                    (
                        and_(
                            period.holds(IssuedCredential.valid_until),
                            IssuedCredential.valid_until <= now,
                            IssuedCredential.revoked_at.is_(None),
                        ),
                        1,
                    ),
                    else_=0,
                )
            ),
        ).where(IssuedCredential.organization_id == org.id)
    ).one()
    figures.revoked, figures.expired = int(revoked or 0), int(expired or 0)
    hours, people = db.execute(
        select(func.sum(MicroCredential.pd_hours), func.count(distinct(Award.user_id)))
        .join(MicroCredential, Award.micro_credential_id == MicroCredential.id)
        .where(
            Award.organization_id == org.id,
            Award.status == AwardStatus.ISSUED,
            period.holds(Award.awarded_at),
        )
    ).one()
    figures.credential_hours, figures.credential_people = Decimal(hours or 0), int(people or 0)


def _reviews(db: Session, org: Organization, period: Period, figures: Figures) -> None:
    primary = and_(
        Review.organization_id == org.id,
        Review.kind == ReviewKind.PRIMARY,
        period.holds(Review.decided_at),
    )
    rows = db.execute(
        select(
            MicroCredential.family_id,
            func.max(MicroCredential.name),
            func.sum(case((Review.decision == Decision.EARNED, 1), else_=0)),
            func.sum(case((Review.decision == Decision.NOT_YET, 1), else_=0)),
        )
        .select_from(Review)
        .join(EvidenceAttempt, Review.attempt_id == EvidenceAttempt.id)
        .join(Submission, EvidenceAttempt.submission_id == Submission.id)
        .join(MicroCredential, Submission.micro_credential_id == MicroCredential.id)
        .where(primary, EvidenceAttempt.number == 1)
        .group_by(MicroCredential.family_id)
    ).all()
    figures.first_try = sorted(
        ((name, int(e or 0), int(n or 0)) for _, name, e, n in rows), key=lambda r: r[0].lower()
    )
    figures.turnaround_seconds = list(db.scalars(select(Review.turnaround_seconds).where(primary)))


def _surveys(db: Session, org: Organization, period: Period, figures: Figures) -> None:
    scope = and_(Module.organization_id == org.id, period.holds(ModuleFeedback.created_at))
    rows = db.execute(
        select(
            Module.family_id,
            func.max(Module.title),
            ModuleFeedback.rating,
            func.count(),
        )
        .join(Module, ModuleFeedback.module_id == Module.id)
        .where(scope)
        .group_by(Module.family_id, ModuleFeedback.rating)
    ).all()
    titles: dict[Any, str] = {}
    ratings: dict[Any, dict[int, int]] = {}
    responses: dict[Any, int] = {}
    for family, title, rating, count in rows:
        titles[family] = max(titles.get(family, ""), title)
        responses[family] = responses.get(family, 0) + count
        if rating is not None and 1 <= rating <= 5:
            ratings.setdefault(family, {})[rating] = count
    merged: dict[str, dict[int, int]] = {}  # modules of the same title make one row
    for family, counts in ratings.items():
        row = merged.setdefault(titles[family], {})
        for rating, count in counts.items():
            row[rating] = row.get(rating, 0) + count
    figures.ratings = sorted(merged.items(), key=lambda item: item[0].lower())
    for family, count in responses.items():
        figures.responses[titles[family]] = figures.responses.get(titles[family], 0) + count
    enough = [f for f, n in responses.items() if n >= figures.threshold]  # may be empty
    comments = db.execute(
        select(Module.family_id, ModuleFeedback.comment)
        .join(Module, ModuleFeedback.module_id == Module.id)
        .where(
            scope,
            Module.family_id.in_(enough),
            ModuleFeedback.comment.is_not(None),
            ModuleFeedback.comment != "",
        )
        .order_by(ModuleFeedback.created_at.desc(), ModuleFeedback.id)
        .limit(COMMENTS_READ)
    ).all()
    for family, comment in comments:
        kept = figures.comments.setdefault(titles[family], [])
        text = (comment or "").strip()
        if len(kept) < COMMENTS_KEPT and text:
            kept.append(text)


def _pathways(db: Session, org: Organization, period: Period) -> list[tuple[str, int, int]]:
    titles = dict(
        db.execute(select(Pathway.id, Pathway.title).where(Pathway.organization_id == org.id)).all()
    )
    completed = dict(
        db.execute(
            select(PathwayCompletion.pathway_id, func.count())
            .where(
                PathwayCompletion.pathway_id.in_(titles),
                period.holds(PathwayCompletion.completed_at),
            )
            .group_by(PathwayCompletion.pathway_id)
        ).all()
    )
    finished_before_end = (
        select(PathwayCompletion.id)
        .where(
            PathwayCompletion.user_id == Enrollment.user_id,
            PathwayCompletion.pathway_id == PathwayStep.pathway_id,
            PathwayCompletion.completed_at < period.end_at,
        )
        .exists()
    )
    in_progress = dict(
        db.execute(
            select(PathwayStep.pathway_id, func.count(distinct(Enrollment.user_id)))
            .join(Enrollment, Enrollment.family_id == PathwayStep.family_id)
            .where(
                PathwayStep.pathway_id.in_(titles),
                Enrollment.enrolled_at < period.end_at,
                Enrollment.status != EnrollmentStatus.WITHDRAWN,
                ~finished_before_end,
            )
            .group_by(PathwayStep.pathway_id)
        ).all()
    )
    return sorted(
        (
            (title, int(completed.get(pid, 0)), int(in_progress.get(pid, 0)))
            for pid, title in titles.items()
        ),
        key=lambda r: r[0].lower(),
    )


def _communities(db: Session, org: Organization, period: Period, figures: Figures) -> None:
    scope = and_(Community.organization_id == org.id, period.holds(Post.created_at))
    rows = db.execute(
        select(
            Community.id,
            Community.name,
            func.sum(case((Post.is_opening.is_(True), 1), else_=0)),
            func.sum(case((Post.is_opening.is_(True), 0), else_=1)),
        )
        .join(Community, Post.community_id == Community.id)
        .where(scope)
        .group_by(Community.id, Community.name)
    ).all()
    figures.communities = sorted(
        ((name, int(t or 0), int(r or 0)) for _, name, t, r in rows), key=lambda r: r[0].lower()
    )
    figures.posters = int(
        db.scalar(
            select(func.count(distinct(Post.author_id)))
            .join(Community, Post.community_id == Community.id)
            .where(scope)
        )
        or 0
    )
