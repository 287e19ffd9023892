"""A credential after issuing: revoked, renewed, reissued to a new address, reminded of expiry."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import utcnow
from app.errors import Forbidden, Invalid
from app.kit import audit, links, once
from app.models import IssuedCredential, User
from app.services.credentials import status_lists
from app.services.credentials.holdings import get, wallet
from app.services.credentials.issuing import (
    IssueRequest,
    issue_credential,
    months_after,
    spec_from_credential,
)
from app.services.microcredentials import badge_images
from app.services.notifications import delivery as notifications
from app.services.orgs.permissions import can_manage_members
from app.settings import Settings


def revoke(
    db: Session, settings: Settings, actor: User, credential_id: uuid.UUID, reason: str
) -> IssuedCredential:
    """Revoke (administrators of the issuing organization): flip the status bit, re-sign."""
    row = get(db, credential_id)
    if not can_manage_members(actor, row.organization_id):
        raise Forbidden("Only administrators of the issuing organization revoke credentials.")
    reason = reason.strip()
    if not reason:
        raise Invalid(
            "Say why the credential is revoked; it is kept in the audit trail.", field="reason"
        )
    once.change_or_refuse(
        db,
        row,
        "This credential is already revoked.",
        IssuedCredential.revoked_at.is_(None),
        revoked_at=utcnow(),
        revocation_reason=reason[:500],
    )
    status_lists.set_bit(db, settings, row.status_list, row.status_index, revoked=True)
    if row.recipient is not None:
        notifications.notify(
            db,
            settings,
            row.recipient,
            "credential",
            f"Your credential {row.achievement_name} was revoked",
            links.WALLET.path,
            body=f"Reason given by {row.organization.name}: {row.revocation_reason}",
            actor=actor,
        )
    audit.record(db, "credential.revoked", row, actor=actor, reason=row.revocation_reason)
    return row


def _reissue(
    db: Session,
    settings: Settings,
    old: IssuedCredential,
    *,
    email: str,
    key: str,
    valid_until: datetime | None,
) -> IssuedCredential:
    return issue_credential(
        db,
        settings,
        IssueRequest(
            organization=old.organization,
            recipient_email=email,
            recipient_user=old.recipient,
            achievement=spec_from_credential(old.credential_json),
            idempotency_key=key,
            valid_until=valid_until,
            supersedes=old,
            image_png=badge_images.embedded_png(old.image_svg),
        ),
    )


def renew(
    db: Session, settings: Settings, actor: User, credential_id: uuid.UUID, months: int
) -> IssuedCredential:
    """Issue a new credential for another ``months`` that supersedes (links to) the old one."""
    old = get(db, credential_id)
    if not can_manage_members(actor, old.organization_id):
        raise Forbidden("Only administrators of the issuing organization renew credentials.")
    if not 1 <= months <= 120:
        raise Invalid("Renew for 1 to 120 months.", field="months")
    once.change_or_refuse(
        db,
        old,
        "Only a credential in force (not revoked or already renewed) is renewed.",
        IssuedCredential.revoked_at.is_(None),
        IssuedCredential.superseded_at.is_(None),
        superseded_at=utcnow(),
    )
    new = _reissue(
        db,
        settings,
        old,
        email=old.recipient_email,
        key=f"renew:{old.id}",
        valid_until=months_after(utcnow(), months),
    )
    audit.record(db, "credential.renewed", old, actor=actor, new=str(new.id))
    return new


def outdated_recipients(db: Session, user: User) -> list[IssuedCredential]:
    """The user's credentials in force that name an e-mail address they no longer use."""
    return [c for c in wallet(db, user) if c.state == "active" and c.recipient_email != user.email]


def reissue_to_current_email(db: Session, settings: Settings, user: User) -> list[IssuedCredential]:
    """After an e-mail change: new credentials naming the new address; the old are superseded."""
    fresh = [
        _reissue(
            db,
            settings,
            old,
            email=user.email,
            key=f"reissue:{old.id}:{user.email}",
            valid_until=old.valid_until,
        )
        for old in outdated_recipients(db, user)
    ]
    if fresh:
        audit.record(db, "credential.reissued", user, actor=user, count=len(fresh))
    return fresh


REMINDER_WINDOW = timedelta(days=30)


def send_expiry_reminders(db: Session, settings: Settings) -> int:
    """E-mail holders whose credentials expire within 30 days (once per credential)."""
    now = utcnow()
    due = db.scalars(
        select(IssuedCredential).where(
            IssuedCredential.valid_until.is_not(None),
            IssuedCredential.valid_until > now,
            IssuedCredential.valid_until <= now + REMINDER_WINDOW,
            IssuedCredential.expiry_reminder_sent_at.is_(None),
            IssuedCredential.revoked_at.is_(None),
            IssuedCredential.superseded_at.is_(None),
            IssuedCredential.recipient_user_id.is_not(None),
        )
    ).all()
    for row in due:
        assert row.recipient is not None
        assert row.valid_until is not None
        expires = row.valid_until.strftime("%B %-d, %Y")
        notifications.notify(
            db,
            settings,
            row.recipient,
            "credential",
            f'Your credential "{row.achievement_name}" expires on {expires}',
            links.WALLET.path,
            body=f"Ask {row.organization.name} about renewal to keep it current. After it "
            "expires, verifiers will see it as expired.",
        )
        row.expiry_reminder_sent_at = now
    return len(due)
