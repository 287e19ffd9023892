"""Evidence retention per organization: evidence files deleted N months after the decision.

Admins set ``Organization.evidence_retention_months`` (None keeps files). ``apply_retention``
(``laurel privacy run``) deletes the stored files and file rows of decided submissions whose
decision is older than that; the submission, its texts, the decision and the reviews stay. Each
submission's removal is an audit event (``evidence.retention_removed``) naming how many files
went, which is how the pages can say they were removed under the retention policy.
"""

from __future__ import annotations

import calendar
from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.orm import Session, selectinload

from app.db import utcnow
from app.errors import Forbidden, Invalid
from app.kit import audit
from app.kit.storage import storage_for
from app.kit.storage.transactions import delete_after_commit
from app.models import (
    EvidenceAttempt,
    EvidenceFile,
    Organization,
    Submission,
    SubmissionStatus,
    User,
)
from app.services.privacy import permissions
from app.settings import Settings

MAX_MONTHS = 120
RETENTION_ACTION = "evidence.retention_removed"


def months_before(moment: datetime, months: int) -> datetime:
    """The same day and time ``months`` calendar months earlier (clamped to the month's end)."""
    total = moment.year * 12 + (moment.month - 1) - months
    year, month = divmod(total, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def parse_months(text: str) -> int | None:
    """The form's value: blank keeps files for ever, else a whole number of months 1-120."""
    value = text.strip()
    if not value:
        return None
    if not value.isdigit() or not 1 <= int(value) <= MAX_MONTHS:
        raise Invalid(
            f"Enter a whole number of months from 1 to {MAX_MONTHS}, or leave it empty to keep "
            "evidence files.",
            field="evidence_retention_months",
        )
    return int(value)


def set_retention(db: Session, actor: User, org: Organization, text: str) -> Organization:
    """An administrator sets how long evidence files are kept."""
    if not permissions.may_manage_privacy(actor, org.id):
        raise Forbidden("Only the organization's administrators set its retention.")
    months = parse_months(text)
    if months != org.evidence_retention_months:
        before = org.evidence_retention_months
        org.evidence_retention_months = months
        audit.record(
            db, "organization.retention_changed", org, actor=actor, before=before, after=months
        )
    return org


def expired_submissions(db: Session, org: Organization, now: datetime) -> list[Submission]:
    """The organization's decided submissions past its retention that still have files."""
    months = org.evidence_retention_months
    if months is None:
        return []
    cutoff = months_before(now, months)
    with_files = (
        select(EvidenceAttempt.submission_id)
        .join(EvidenceFile, EvidenceFile.attempt_id == EvidenceAttempt.id)
        .distinct()
    )
    query = (
        select(Submission)
        .where(
            Submission.organization_id == org.id,
            Submission.status.in_([SubmissionStatus.EARNED, SubmissionStatus.NOT_YET]),
            Submission.decided_at.is_not(None),
            Submission.decided_at < cutoff,
            Submission.id.in_(with_files),
        )
        .options(selectinload(Submission.attempts).selectinload(EvidenceAttempt.files))
    )
    return list(db.scalars(query).unique())


def apply_retention(db: Session, settings: Settings, now: datetime | None = None) -> int:
    """Delete evidence files past each organization's retention; returns how many file rows
    went. In the caller's transaction; stored bytes are removed once it commits."""
    moment = now or utcnow()
    storage = storage_for(settings)
    removed = 0
    orgs = db.scalars(
        select(Organization).where(Organization.evidence_retention_months.is_not(None))
    )
    for org in list(orgs):
        for submission in expired_submissions(db, org, moment):
            files = [f for a in submission.attempts for f in a.files]
            keys = {f.storage_key for f in files}
            db.execute(delete(EvidenceFile).where(EvidenceFile.id.in_([f.id for f in files])))
            for attempt in submission.attempts:
                db.expire(attempt, ["files"])
            still_used = set(
                db.scalars(
                    select(EvidenceFile.storage_key).where(EvidenceFile.storage_key.in_(keys))
                )
            )
            for key in keys - still_used:
                delete_after_commit(db, storage, key)
            audit.record(
                db,
                RETENTION_ACTION,
                submission,
                actor=None,
                files=len(files),
                months=org.evidence_retention_months,
                decided_at=submission.decided_at.isoformat() if submission.decided_at else None,
            )
            removed += len(files)
    return removed


def removed_under_retention(db: Session, submission: Submission) -> bool:
    """Whether the submission's files were removed under the retention policy (for pages)."""
    from app.models import AuditEvent

    return (
        db.scalar(
            select(AuditEvent.id)
            .where(
                AuditEvent.action == RETENTION_ACTION,
                AuditEvent.target_type == "submission",
                AuditEvent.target_id == str(submission.id),
            )
            .limit(1)
        )
        is not None
    )
