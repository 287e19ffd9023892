"""Credentials held: by id, in a holder's wallet (and the ones they share), and an organization's
list of what it issued."""

from __future__ import annotations

import uuid

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from app.errors import Forbidden, NotFound
from app.kit import audit
from app.models import IssuedCredential, Organization, User
from app.services.orgs.permissions import can_manage_members


def get(db: Session, credential_id: uuid.UUID) -> IssuedCredential:
    """A credential by id, or NotFound."""
    row = db.get(IssuedCredential, credential_id)
    if row is None:
        raise NotFound("There is no such credential.")
    return row


def in_organization(
    db: Session, actor: User, org: Organization, credential_id: uuid.UUID
) -> IssuedCredential:
    """One of the organization's issued credentials, for its administrators; NotFound for
    another organization's."""
    if not can_manage_members(actor, org.id):
        raise Forbidden("Only administrators of the issuing organization manage credentials.")
    row = db.get(IssuedCredential, credential_id)
    if row is None or row.organization_id != org.id:
        raise NotFound("There is no such credential in this organization.")
    return row


def view_in_organization(
    db: Session, actor: User, org: Organization, credential_id: uuid.UUID
) -> IssuedCredential:
    """``in_organization``, shown to the administrator: when the credential is someone else's,
    the view goes in the audit trail (``credential.viewed``, its recipient as subject)."""
    row = in_organization(db, actor, org, credential_id)
    if row.recipient_user_id != actor.id:
        audit.record(db, "credential.viewed", row, actor=actor)
    return row


def get_public(db: Session, credential_id: uuid.UUID) -> IssuedCredential:
    """A credential its holder chose to publish; NotFound otherwise (private ones stay hidden)."""
    row = db.get(IssuedCredential, credential_id)
    if row is None or not row.is_public:
        raise NotFound("This credential does not exist or its holder keeps it private.")
    return row


def holder_name(row: IssuedCredential) -> str | None:
    """The name a published credential's page shows for its holder: the name they chose for
    their profile; None once the account is gone or erased (the page then names nobody)."""
    person = row.recipient
    if person is None or person.deleted_at is not None or not person.is_active:
        return None
    return person.display_name


def wallet(db: Session, user: User) -> list[IssuedCredential]:
    """The user's credentials, newest first."""
    return list(
        db.scalars(
            select(IssuedCredential)
            .where(IssuedCredential.recipient_user_id == user.id)
            .order_by(IssuedCredential.issued_at.desc())
        )
    )


def owned(db: Session, user: User, credential_id: uuid.UUID) -> IssuedCredential:
    """One of the user's own credentials; NotFound for anyone else's."""
    row = db.get(IssuedCredential, credential_id)
    if row is None or row.recipient_user_id != user.id:
        raise NotFound("There is no such credential in your wallet.")
    return row


def set_public(db: Session, user: User, credential_id: uuid.UUID, public: bool) -> IssuedCredential:
    """Publish or hide a credential (its holder only)."""
    row = owned(db, user, credential_id)
    row.is_public = public
    audit.record(db, "credential.published" if public else "credential.hidden", row, actor=user)
    return row


def for_organization(db: Session, org: Organization, limit: int = 200) -> list[IssuedCredential]:
    """The organization's issued credentials, newest first."""
    return list(
        db.scalars(
            select(IssuedCredential)
            .where(IssuedCredential.organization_id == org.id)
            .order_by(IssuedCredential.issued_at.desc())
            .limit(limit)
        )
    )


def recent(db: Session, user: User, limit: int = 3) -> list[IssuedCredential]:
    """The user's newest credentials in force, with their issuers (one query)."""
    return list(
        db.scalars(
            select(IssuedCredential)
            .where(
                IssuedCredential.recipient_user_id == user.id,
                IssuedCredential.revoked_at.is_(None),
                IssuedCredential.superseded_at.is_(None),
            )
            .options(joinedload(IssuedCredential.organization))
            .order_by(IssuedCredential.issued_at.desc(), IssuedCredential.id)
            .limit(limit)
        )
    )
