"""Invitations to join an organization: sending one, and following its link."""

from __future__ import annotations

import uuid
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, select
from sqlalchemy.orm import Session

from app.db import utcnow
from app.errors import Conflict, Forbidden, Invalid, NotFound
from app.kit import audit, links, mail, once
from app.kit.tokens import new_token, token_hash
from app.models import Invitation, Membership, Organization, Role, User
from app.services.identity.accounts import find_by_email, normalize_email
from app.services.orgs.organizations import add_member
from app.services.orgs.permissions import can_manage_members, role_in
from app.settings import Settings


def pending_invitations(db: Session, org: Organization) -> list[Invitation]:
    """Invitations not yet accepted, revoked or expired."""
    return list(
        db.scalars(
            select(Invitation)
            .where(
                Invitation.organization_id == org.id,
                Invitation.accepted_at.is_(None),
                Invitation.revoked_at.is_(None),
                Invitation.expires_at > utcnow(),
            )
            .order_by(Invitation.created_at.desc())
        )
    )


def invite(
    db: Session,
    settings: Settings,
    org: Organization,
    actor: User,
    *,
    email: str,
    role: Role,
    ip: str | None = None,
) -> Invitation:
    """E-mail an invitation link; the person joins with the role when they accept it. The mail
    is not sent again past the hourly limits per recipient and per client address ``ip``."""
    if not can_manage_members(actor, org.id):
        raise Forbidden("Only administrators invite people.")
    address = normalize_email(email)
    invited = find_by_email(db, address)
    if invited is not None and role_in(invited, org.id) and not invited.is_platform_admin:
        raise Conflict(f"{address} is already a member.", field="email")
    raw = new_token()
    invitation = Invitation(
        organization_id=org.id,
        email=address,
        role=role,
        token_hash=token_hash(raw),
        invited_by_id=actor.id,
        expires_at=utcnow() + timedelta(seconds=settings.invitation_max_age_seconds),
    )
    db.add(invitation)
    db.flush()
    _send(db, settings, invitation, raw, actor, ip)
    audit.record(
        db,
        "member.invited",
        invitation,
        actor=actor,
        email=address,
        role=role.value,
    )
    return invitation


def _send(
    db: Session, settings: Settings, invitation: Invitation, raw: str, actor: User, ip: str | None
) -> None:
    """Queue the invitation e-mail with link ``raw``, within the hourly limits."""
    mail.queue_limited(
        db,
        settings,
        invitation.email,
        "invitation",
        client=f"invitation:{ip}" if ip else None,
        client_limit=settings.invitations_max_per_client_per_hour,
        org=invitation.organization,
        inviter=actor,
        role=invitation.role,
        link=links.INVITATION.absolute(settings.base_url, token=raw),
    )


def _pending(db: Session, org: Organization, actor: User, invitation_id: uuid.UUID) -> Invitation:
    """One of the organization's pending invitations, for its administrators."""
    if not can_manage_members(actor, org.id):
        raise Forbidden("Only administrators manage invitations.")
    invitation = db.get(Invitation, invitation_id)
    if (
        invitation is None
        or invitation.organization_id != org.id
        or invitation.accepted_at is not None
        or invitation.revoked_at is not None
    ):
        raise NotFound("There is no such pending invitation.")
    return invitation


def resend(
    db: Session,
    settings: Settings,
    org: Organization,
    actor: User,
    invitation_id: uuid.UUID,
    *,
    ip: str | None = None,
    expiry_seen: datetime | None = None,
) -> Invitation:
    """Send the invitation again with a new link and a new expiry; the old link stops
    working. The mail obeys the same hourly limits as a first invitation. ``expiry_seen`` is
    the expiry the administrator's page showed: when the invitation was sent again since (a
    double click), nothing is sent and Conflict says so."""
    invitation = _pending(db, org, actor, invitation_id)
    raw = new_token()
    still: list[ColumnElement[bool]] = [
        Invitation.revoked_at.is_(None),
        Invitation.accepted_at.is_(None),
    ]
    if expiry_seen is not None:
        still.append(Invitation.expires_at == expiry_seen)
    once.change_or_refuse(
        db,
        invitation,
        "This invitation was just sent again: the latest e-mail holds the working link.",
        *still,
        token_hash=token_hash(raw),
        expires_at=utcnow() + timedelta(seconds=settings.invitation_max_age_seconds),
    )
    _send(db, settings, invitation, raw, actor, ip)
    audit.record(db, "member.invitation_resent", invitation, actor=actor)
    return invitation


def revoke(db: Session, org: Organization, actor: User, invitation_id: uuid.UUID) -> Invitation:
    """Withdraw a pending invitation: its link no longer works."""
    invitation = _pending(db, org, actor, invitation_id)
    once.change_or_refuse(
        db,
        invitation,
        "This invitation was already answered or withdrawn.",
        Invitation.revoked_at.is_(None),
        Invitation.accepted_at.is_(None),
        revoked_at=utcnow(),
    )
    audit.record(db, "member.invitation_revoked", invitation, actor=actor)
    return invitation


def find_invitation(db: Session, raw: str) -> Invitation:
    """A usable invitation for a link, or Invalid with the reason."""
    invitation = db.scalar(select(Invitation).where(Invitation.token_hash == token_hash(raw)))
    if invitation is not None and invitation.revoked_at is not None:
        raise NotFound("This invitation was withdrawn. Ask your administrator for a new one.")
    if invitation is None:
        raise Invalid("This invitation link is not valid. Ask your administrator for a new one.")
    if invitation.accepted_at is not None:
        raise Invalid("This invitation has already been accepted.")
    if invitation.expires_at <= utcnow():
        raise Invalid("This invitation has expired. Ask your administrator for a new one.")
    return invitation


def accept_invitation(db: Session, raw: str, user: User) -> Membership:
    """Join the organization; the invitation must be for the signed-in account's address."""
    invitation = find_invitation(db, raw)
    if invitation.email != user.email:
        raise Forbidden(
            f"This invitation was sent to {invitation.email}. Sign in with that account to accept."
        )
    invitation.accepted_at = utcnow()
    membership = add_member(db, invitation.organization, user, invitation.role)
    audit.record(
        db,
        "member.joined",
        membership,
        actor=user,
    )
    return membership
