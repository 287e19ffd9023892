"""Linking a single sign-on identity to a Laurel account: by a subject already linked, by a
verified e-mail when the organization may take the account over, or (otherwise) held until the
account's owner confirms it by signing in with their password."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.db import utcnow
from app.errors import Conflict, Forbidden, Invalid
from app.kit import audit, mail
from app.models import OidcIdentity, OidcProvider, Role, User
from app.services.identity.accounts import find_by_email, normalize_email
from app.services.orgs import domains, organizations
from app.services.orgs.permissions import sso_may_link_by_email
from app.settings import Settings

LINK_MAX_AGE = 600


@dataclass(frozen=True)
class PendingLink:
    """A provider identity whose e-mail matches an account that SSO may not take over unasked:
    the account's owner confirms the link by signing in with their password."""

    provider_id: uuid.UUID
    subject: str
    user_id: uuid.UUID
    email: str
    organization_name: str


def link_account(
    db: Session, settings: Settings, provider: OidcProvider, claims: dict[str, Any]
) -> User | PendingLink:
    """The account the verified claims sign in (linked, created or joined as needed), or the
    link its owner must confirm first."""
    subject = str(claims["sub"])
    identity = _identity(db, provider.id, subject)
    if identity is not None:
        user = db.get_one(User, identity.user_id)
    else:
        linked = _link_by_email(db, settings, provider, subject, claims)
        if isinstance(linked, PendingLink):
            return linked
        user = linked
    _check_may_use_sso(user)
    _join(db, provider, user)
    audit.record(
        db,
        "account.sso_sign_in",
        user,
        actor=user,
        organization_id=provider.organization_id,
    )
    return user


def _link_by_email(
    db: Session, settings: Settings, provider: OidcProvider, subject: str, claims: dict[str, Any]
) -> User | PendingLink:
    """Link a first sign-in by its verified e-mail (creating the account if there is none), or
    hold the link for the account's owner to confirm."""
    email = _verified_email(claims)
    existing = find_by_email(db, email)
    if existing is not None and not sso_may_link_by_email(
        existing,
        provider.organization_id,
        owns_domain=domains.owns_email_domain(db, provider.organization, email),
    ):
        return _pending_link(db, provider, subject, existing)
    try:
        with db.begin_nested():
            user = existing or _new_account(db, email, claims)
            if user.email_verified_at is None:
                user.email_verified_at = utcnow()
            _create_identity(db, settings, provider, subject, user, method="email", notify=existing)
    except IntegrityError:  # the same first sign-in, in another tab, was a moment ahead
        return _linked_meanwhile(db, provider, subject)
    return user


def _linked_meanwhile(db: Session, provider: OidcProvider, subject: str) -> User:
    identity = _identity(db, provider.id, subject)
    if identity is None:
        raise Conflict("Another sign-in with this e-mail is under way. Try again in a moment.")
    user = db.get_one(User, identity.user_id)
    db.refresh(user)  # as the other sign-in left it (its membership included)
    return user


def _identity(db: Session, provider_id: uuid.UUID, subject: str) -> OidcIdentity | None:
    return db.scalar(
        select(OidcIdentity).where(
            OidcIdentity.provider_id == provider_id, OidcIdentity.subject == subject
        )
    )


def _verified_email(claims: dict[str, Any]) -> str:
    if not claims.get("email"):
        raise Invalid("The provider did not share your e-mail address, so we cannot sign you in.")
    if claims.get("email_verified") is not True:
        raise Invalid(
            "Your provider has not verified your e-mail address, so Laurel cannot link it to "
            "an account. Verify it with your provider, or sign in with a password."
        )
    return normalize_email(str(claims["email"]))


def _new_account(db: Session, email: str, claims: dict[str, Any]) -> User:
    name = str(claims.get("name") or email.split("@")[0])[:120]
    user = User(email=email, display_name=name, password_hash=None)
    db.add(user)
    db.flush()
    return user


def _check_may_use_sso(user: User) -> None:
    if user.is_platform_admin:
        raise Forbidden(
            "This e-mail belongs to a Laurel platform administrator. Platform administrators "
            "sign in with their password, never through an organization's single sign-on."
        )
    if not user.is_active:
        raise Invalid("This account has been deactivated. Contact your administrator.")


def _pending_link(db: Session, provider: OidcProvider, subject: str, user: User) -> PendingLink:
    """The link to confirm with the account's password, or a refusal saying what to do."""
    _check_may_use_sso(user)
    org_name = provider.organization.name
    if not user.password_hash:
        raise Conflict(
            f"This e-mail already has a Laurel account, which signs in another way (such as "
            f"another organization's single sign-on). Keep signing in that way, ask {org_name}'s "
            f"administrator to invite that account, or set a password with 'Forgot your "
            f"password?' and then use {org_name} single sign-on again to link it."
        )
    audit.record(db, "sso.link_held", user, actor=None, organization_id=provider.organization_id)
    return PendingLink(
        provider_id=provider.id,
        subject=subject,
        user_id=user.id,
        email=user.email,
        organization_name=org_name,
    )


def _create_identity(
    db: Session,
    settings: Settings,
    provider: OidcProvider,
    subject: str,
    user: User,
    *,
    method: str,
    notify: User | None,
) -> None:
    """Link the provider's subject to the account, audited; tell an existing account's owner."""
    db.add(OidcIdentity(provider_id=provider.id, subject=subject, user_id=user.id))
    db.flush()
    audit.record(
        db,
        "sso.linked",
        user,
        actor=user,
        organization_id=provider.organization_id,
        method=method,
    )
    if notify is not None:
        mail.queue_email(
            db, settings, user.email, "sso_linked", user=user, org=provider.organization
        )


def _join(db: Session, provider: OidcProvider, user: User) -> None:
    if not any(m.organization_id == provider.organization_id for m in user.memberships):
        organizations.add_member(db, provider.organization, user, Role.TEACHER)


def _link_serializer(settings: Settings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.secret, salt="laurel-sso-pending-link")


def pending_link_cookie(settings: Settings, pending: PendingLink) -> str:
    """The signed value of the short-lived cookie that carries a link to confirm."""
    return _link_serializer(settings).dumps(
        {"p": str(pending.provider_id), "s": pending.subject, "u": str(pending.user_id)}
    )


def read_pending_link(db: Session, settings: Settings, cookie: str | None) -> PendingLink | None:
    """The link waiting in this browser, if its cookie is genuine, fresh and still applies."""
    if not cookie:
        return None
    try:
        data = _link_serializer(settings).loads(cookie, max_age=LINK_MAX_AGE)
        provider = db.get(OidcProvider, uuid.UUID(data["p"]))
        user = db.get(User, uuid.UUID(data["u"]))
        subject = str(data["s"])
    except (BadSignature, KeyError, TypeError, ValueError):
        return None
    if provider is None or not provider.enabled or user is None:
        return None
    if _identity(db, provider.id, subject) is not None:
        return None
    return PendingLink(
        provider_id=provider.id,
        subject=subject,
        user_id=user.id,
        email=user.email,
        organization_name=provider.organization.name,
    )


def confirm_pending_link(db: Session, settings: Settings, pending: PendingLink, user: User) -> bool:
    """After ``user`` signed in with a password: link the identity if it was waiting for them.
    True when it is now linked to them (by this sign-in, or by one a moment ahead of it)."""
    if user.id != pending.user_id or user.is_platform_admin:
        return False
    provider = db.get_one(OidcProvider, pending.provider_id)
    try:
        with db.begin_nested():
            _create_identity(
                db, settings, provider, pending.subject, user, method="password", notify=user
            )
    except IntegrityError:  # confirmed a moment ago, in another tab
        identity = _identity(db, provider.id, pending.subject)
        return identity is not None and identity.user_id == user.id
    _join(db, provider, user)
    return True
