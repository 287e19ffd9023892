"""The coaches' review queue: which submissions a coach or administrator finds, and filters."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import ColumnElement, Select, and_, func, or_, select, true
from sqlalchemy.orm import Session, selectinload

from app.errors import Forbidden, NotFound
from app.kit import audit
from app.kit.keyset import Order, PageRequest, Slice, sort_key
from app.models import (
    EvidenceAttempt,
    MicroCredential,
    Organization,
    Submission,
    SubmissionStatus,
    User,
)
from app.services.review import permissions

QUEUE_LIMIT = 200
SUBMITTED_AT = func.coalesce(Submission.submitted_at, Submission.created_at)
STATUSES = ("submitted", "not_yet", "earned", "all")
SORTS = ("oldest", "newest")


@dataclass(frozen=True)
class QueueFilters:
    """What the queue shows: status, micro-credential, teacher, only mine, and the order."""

    status: str = "submitted"
    micro_credential_id: uuid.UUID | None = None
    teacher_id: uuid.UUID | None = None
    mine: bool = False
    sort: str = "oldest"


def coached_org_ids(user: User) -> list[uuid.UUID] | None:
    """Organizations where the person coaches or administers (None: every one, platform admin)."""
    if user.is_platform_admin:
        return None
    return [
        m.organization_id
        for m in user.memberships
        if permissions.can_review_evidence(user, m.organization_id)
    ]


def in_coached_orgs(orgs: list[uuid.UUID] | None) -> ColumnElement[bool]:
    """Submissions of these organizations (of every one when ``orgs`` is None)."""
    return true() if orgs is None else Submission.organization_id.in_(orgs)


def _queue_query(user: User, filters: QueueFilters) -> Select[Submission]:
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
    return query


def _queue_order(filters: QueueFilters) -> Order:
    newest = filters.sort == "newest"
    return Order(sort_key(SUBMITTED_AT, descending=newest), sort_key(Submission.id))


def queue(db: Session, user: User, filters: QueueFilters) -> list[Submission]:
    """The first ``QUEUE_LIMIT`` submissions of the queue, oldest (or newest) first."""
    query = _queue_query(user, filters).order_by(*_queue_order(filters).clauses())
    return list(db.scalars(query.limit(QUEUE_LIMIT)))


def queue_page(
    db: Session, user: User, filters: QueueFilters, page: PageRequest
) -> Slice[Submission]:
    """A page of the queue after a cursor, in the order of ``queue``."""
    return _queue_order(filters).scalars(db, _queue_query(user, filters), page)


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
        or not permissions.can_review_evidence(user, submission.organization_id)
        or not any(a.submitted_at is not None for a in submission.attempts)
    ):
        raise NotFound("There is no such submission in your review queue.")
    return submission


def view_for_reviewer(db: Session, user: User, submission_id: uuid.UUID) -> Submission:
    """``for_reviewer`` to show the submission to a coach or administrator: the view goes in
    the audit trail (``submission.viewed``, the teacher as subject)."""
    submission = for_reviewer(db, user, submission_id)
    if submission.user_id != user.id:
        audit.record(db, "submission.viewed", submission, actor=user, page="review")
    return submission


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
            .options(selectinload(Submission.attempts).selectinload(EvidenceAttempt.reviews))
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


def reviewing_organizations(user: User) -> list[Organization]:
    """The organizations whose evidence the person reviews (for links to her own figures)."""
    return sorted(
        (
            m.organization
            for m in user.memberships
            if permissions.can_review_evidence(user, m.organization_id)
        ),
        key=lambda org: org.name.lower(),
    )
