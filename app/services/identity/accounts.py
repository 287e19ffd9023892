"""Accounts: sign-up, e-mail verification, sign-in, password reset and e-mail change."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.db import utcnow
from app.errors import Conflict, Invalid, Unauthorized
from app.kit import audit, links, mail
from app.kit.i18n import lazy_gettext as _l
from app.kit.tokens import new_token, token_hash
from app.models import EmailToken, TokenPurpose, User
from app.services.identity import passwords, throttle
from app.services.identity.sessions import end_all_sessions, end_other_sessions
from app.settings import Settings

MAX_NAME_LENGTH = 120
USED_LINK = _l("This link has already been used. Ask for a new one if you still need it.")


def normalize_email(raw: str, *, field: str = "email") -> str:
    """Check an e-mail address's syntax and return it lower-cased; Invalid if it is not one."""
    candidate = raw.strip()
    if not candidate:
        raise Invalid(_l("Enter your e-mail address."), field=field)
    if len(candidate) > 320:
        raise Invalid(_l("That e-mail address is too long."), field=field)
    try:
        checked = validate_email(candidate, check_deliverability=False)
    except EmailNotValidError as exc:
        raise Invalid(
            _l("That is not a valid e-mail address: %(reason)s", reason=exc), field=field
        ) from exc
    return checked.normalized.lower()


def clean_display_name(raw: str) -> str:
    """A trimmed, non-empty display name of sensible length."""
    name = " ".join(raw.split())
    if not name:
        raise Invalid(_l("Enter your name."), field="display_name")
    if len(name) > MAX_NAME_LENGTH:
        raise Invalid(
            _l("Use at most %(count)s characters.", count=MAX_NAME_LENGTH), field="display_name"
        )
    return name


def find_by_email(db: Session, email: str) -> User | None:
    """The account with this (normalized) e-mail, if any."""
    return db.scalar(select(User).where(User.email == email))


def sign_up(
    db: Session, settings: Settings, *, email: str, display_name: str, password: str, ip: str
) -> str:
    """Create an unverified account and e-mail a verification link; when the address already has
    an account, e-mail its owner instead. Returns the address: the answer is the same either way."""
    address = normalize_email(email)
    name = clean_display_name(display_name)
    passwords.check_password_rules(password, email=address)
    password_hash = passwords.hash_password(password)  # the same work whether or not it is taken
    existing = find_by_email(db, address)
    if existing is not None:
        _queue_account_mail(db, settings, address, ip, "account_exists", user=existing)
        return address
    user = User(email=address, display_name=name, password_hash=password_hash)
    db.add(user)
    db.flush()
    send_verification(db, settings, user, ip)
    audit.record(db, "account.created", user, actor=user)
    return address


def _queue_account_mail(
    db: Session, settings: Settings, to: str, ip: str, template: str, **context: Any
) -> None:
    """Queue mail that anyone may trigger, within the hourly limits per recipient and client."""
    mail.queue_limited(
        db,
        settings,
        to,
        template,
        client=f"account:{ip}",
        client_limit=settings.mail_max_per_client_per_hour,
        **context,
    )


def _issue_token(
    db: Session, user: User, purpose: TokenPurpose, max_age: int, new_email: str | None = None
) -> str:
    raw = new_token()
    db.add(
        EmailToken(
            token_hash=token_hash(raw),
            user_id=user.id,
            purpose=purpose,
            new_email=new_email,
            expires_at=utcnow() + timedelta(seconds=max_age),
        )
    )
    return raw


def _live_token(db: Session, raw: str, purpose: TokenPurpose) -> EmailToken:
    """The unused, unexpired one-time token for this purpose, or Invalid saying what is wrong."""
    found = db.scalar(
        select(EmailToken).where(
            EmailToken.token_hash == token_hash(raw), EmailToken.purpose == purpose
        )
    )
    if found is None:
        raise Invalid(_l("This link is not valid. Check that you copied all of it, or ask again."))
    if found.used_at is not None:
        raise Invalid(USED_LINK)
    if found.expires_at <= utcnow():
        raise Invalid(_l("This link has expired. Ask for a new one."))
    return found


def _use_token(db: Session, raw: str, purpose: TokenPurpose) -> EmailToken:
    """Consume a one-time token exactly once (an atomic update guards against double use)."""
    return _consume(db, _live_token(db, raw, purpose))


def _consume(db: Session, found: EmailToken) -> EmailToken:
    used = db.execute(
        update(EmailToken)
        .where(EmailToken.id == found.id, EmailToken.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session="fetch")
    ).rowcount  # type: ignore[attr-defined]
    if not used:
        raise Invalid(USED_LINK)
    return found


def _expire_other_links(db: Session, user: User, purpose: TokenPurpose) -> None:
    """Mark every still-unused link of this purpose for the account as used."""
    db.execute(
        update(EmailToken)
        .where(
            EmailToken.user_id == user.id,
            EmailToken.purpose == purpose,
            EmailToken.used_at.is_(None),
        )
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )


def send_verification(db: Session, settings: Settings, user: User, ip: str) -> None:
    """E-mail a link that proves the person owns the address."""
    raw = _issue_token(db, user, TokenPurpose.VERIFY_EMAIL, settings.email_token_max_age_seconds)
    link = f"{links.VERIFY_EMAIL.absolute(settings.base_url)}?token={raw}"
    _queue_account_mail(db, settings, user.email, ip, "verify_email", user=user, link=link)


def resend_verification(db: Session, settings: Settings, email: str, ip: str) -> None:
    """Send a new verification link if an unverified account has this address (silently not)."""
    user = find_by_email(db, normalize_email(email))
    if user is not None and not user.is_verified:
        send_verification(db, settings, user, ip)


def verify_email(db: Session, raw: str) -> User:
    """Mark the address verified by a one-time link."""
    token = _use_token(db, raw, TokenPurpose.VERIFY_EMAIL)
    user = token.user
    if user.email_verified_at is None:
        user.email_verified_at = utcnow()
    audit.record(db, "account.email_verified", user, actor=user)
    return user


def authenticate(db: Session, settings: Settings, *, email: str, password: str, ip: str) -> User:
    """Check e-mail and password, with throttling; raise with a clear reason on failure."""
    address = email.strip().lower()
    if not address or not password:
        raise Invalid(_l("Enter your e-mail address and password."))
    throttle.begin_attempt(db, address, ip)
    user = find_by_email(db, address)
    stored_hash = user.password_hash if user is not None else None
    # Unknown accounts verify against a dummy hash: the same work, so timing reveals nothing.
    if not passwords.verify_password(stored_hash, password) or user is None:
        throttle.record_failure(db, settings, address, ip)
        raise Unauthorized(_l("That e-mail and password do not match an account."))
    if not user.is_active:
        raise Unauthorized(_l("This account has been deactivated. Contact your administrator."))
    if not user.is_verified:
        raise Unauthorized(
            _l(
                "Confirm your e-mail address first: open the link we sent you, or ask for a "
                "new one."
            ),
            code="email_unverified",
        )
    throttle.clear_failures(db, address, ip)
    if user.password_hash and passwords.needs_rehash(user.password_hash):
        user.password_hash = passwords.hash_password(password)
    return user


def request_password_reset(db: Session, settings: Settings, email: str, ip: str) -> None:
    """E-mail a reset link when the account exists; the answer is the same either way."""
    user = find_by_email(db, normalize_email(email))
    if user is None or not user.is_active:
        return
    raw = _issue_token(
        db, user, TokenPurpose.RESET_PASSWORD, settings.password_reset_max_age_seconds
    )
    link = f"{links.PASSWORD_RESET.absolute(settings.base_url)}?token={raw}"
    _queue_account_mail(db, settings, user.email, ip, "reset_password", user=user, link=link)


def check_reset_token(db: Session, raw: str) -> None:
    """Raise Invalid when a reset link cannot be used (without consuming it)."""
    _live_token(db, raw, TokenPurpose.RESET_PASSWORD)


def reset_password(db: Session, raw: str, new_password: str) -> User:
    """Set a new password by a one-time link, verify the address, and sign out everywhere."""
    token = _live_token(db, raw, TokenPurpose.RESET_PASSWORD)
    user = token.user
    passwords.check_password_rules(new_password, email=user.email)
    _consume(db, token)
    _expire_other_links(db, user, TokenPurpose.RESET_PASSWORD)
    user.password_hash = passwords.hash_password(new_password)
    user.email_verified_at = user.email_verified_at or utcnow()
    end_all_sessions(db, user.id)
    throttle.lift_lockout(db, user.email)
    audit.record(db, "account.password_reset", user, actor=user)
    return user


DID_PATTERN = re.compile(r"^did:[a-z0-9]+:[A-Za-z0-9._:%-]+$")


def set_did(db: Session, user: User, value: str) -> None:
    """Set (or clear) the DID the person wants named in the credentials they earn."""
    did = value.strip()
    if did and (len(did) > 500 or not DID_PATTERN.match(did)):
        raise Invalid("Enter a DID such as did:key:z6Mk… or did:web:example.org.", field="did")
    user.did = did or None
    audit.record(db, "account.did_changed", user, actor=user)


def change_password(
    db: Session, user: User, *, current: str, new: str, session_raw: str | None
) -> None:
    """Change the password after checking the current one; every other session ends (the one
    holding ``session_raw`` stays signed in)."""
    if user.password_hash and not passwords.verify_password(user.password_hash, current):
        raise Invalid("Your current password is not correct.", field="current_password")
    passwords.check_password_rules(new, email=user.email)
    user.password_hash = passwords.hash_password(new)
    end_other_sessions(db, user.id, session_raw)
    audit.record(db, "account.password_changed", user, actor=user)


def request_email_change(
    db: Session, settings: Settings, user: User, *, new_email: str, password: str
) -> str:
    """Send a confirmation link to the new address; the change happens when it is opened."""
    address = normalize_email(new_email, field="new_email")
    if user.password_hash and not passwords.verify_password(user.password_hash, password):
        raise Invalid("Your password is not correct.", field="password")
    if address == user.email:
        raise Invalid("That is already your e-mail address.", field="new_email")
    if find_by_email(db, address) is not None:
        raise Conflict("Another account already uses that e-mail address.", field="new_email")
    raw = _issue_token(
        db, user, TokenPurpose.CHANGE_EMAIL, settings.email_token_max_age_seconds, address
    )
    link = f"{links.EMAIL_CHANGE_CONFIRM.absolute(settings.base_url)}?token={raw}"
    mail.queue_email(db, settings, address, "change_email", user=user, link=link)
    return address


def confirm_email_change(db: Session, settings: Settings, raw: str) -> User:
    """Switch to the new, now verified, address and tell the old one."""
    token = _use_token(db, raw, TokenPurpose.CHANGE_EMAIL)
    user, address = token.user, token.new_email
    assert address is not None
    if find_by_email(db, address) is not None:
        raise Conflict("Another account already uses that e-mail address.")
    old = user.email
    user.email = address
    user.email_verified_at = utcnow()
    mail.queue_email(db, settings, old, "email_changed", user=user, new_email=address)
    audit.record(db, "account.email_changed", user, actor=user)  # no addresses: erasable
    return user
