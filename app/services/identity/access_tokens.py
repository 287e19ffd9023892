"""Personal access tokens for the JSON API."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.db import utcnow
from app.errors import Invalid, NotFound
from app.kit import audit, once
from app.kit.tokens import new_token, token_hash
from app.models import AccessToken, User
from app.services.identity import usage
from app.services.identity.scopes import SCOPES

TOKEN_PREFIX = "lrl_"  # noqa: S105 - a visible marker, not a secret
MAX_TOKEN_DAYS = 366


def create_token(
    db: Session, user: User, *, name: str, scopes: list[str], expires_in_days: int | None
) -> tuple[AccessToken, str]:
    """Create a token; the raw value is returned once and never stored."""
    label = name.strip()
    if not label or len(label) > 100:
        raise Invalid("Give the token a name of 1 to 100 characters.", field="name")
    unknown = sorted(set(scopes) - set(SCOPES))
    if unknown:
        raise Invalid(f"Unknown scope: {', '.join(unknown)}.", field="scopes")
    if not scopes:
        raise Invalid("Choose at least one scope.", field="scopes")
    if expires_in_days is not None and not 1 <= expires_in_days <= MAX_TOKEN_DAYS:
        raise Invalid(f"Choose 1 to {MAX_TOKEN_DAYS} days.", field="expires_in_days")
    raw = TOKEN_PREFIX + new_token(30)
    token = AccessToken(
        user_id=user.id,
        name=label,
        token_hash=token_hash(raw),
        prefix=raw[:10],
        scopes=sorted(set(scopes)),
        expires_at=utcnow() + timedelta(days=expires_in_days) if expires_in_days else None,
    )
    db.add(token)
    db.flush()
    audit.record(db, "token.created", token, actor=user, scopes=token.scopes)
    return token, raw


def list_tokens(db: Session, user: User) -> list[AccessToken]:
    """The user's tokens, newest first, including revoked ones."""
    return list(
        db.scalars(
            select(AccessToken)
            .where(AccessToken.user_id == user.id)
            .order_by(AccessToken.created_at.desc())
        )
    )


def revoke_token(db: Session, user: User, token_id: uuid.UUID) -> None:
    """Revoke one of the user's own tokens."""
    token = db.get(AccessToken, token_id)
    if token is None or token.user_id != user.id:
        raise NotFound("No such token.")
    now = utcnow()
    if once.change(db, token, AccessToken.revoked_at.is_(None), revoked_at=now):
        audit.record(db, "token.revoked", token, actor=user)


def authenticate_token(db: Session, raw: str) -> AccessToken | None:
    """The live token for a bearer value (not revoked, not expired, active user), or None."""
    if not raw.startswith(TOKEN_PREFIX):
        return None
    token = db.scalar(select(AccessToken).where(AccessToken.token_hash == token_hash(raw)))
    now = utcnow()
    if token is None or token.revoked_at is not None or not token.user.is_active:
        return None
    if token.expires_at is not None and token.expires_at <= now:
        return None
    if token.last_used_at is None or now - token.last_used_at > usage.TOUCH_INTERVAL:
        touch = update(AccessToken).where(AccessToken.id == token.id).values(last_used_at=now)
        usage.record_later(db, touch)
    return token
