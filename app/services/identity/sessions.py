"""Server-side browser sessions."""

from __future__ import annotations

import uuid
from datetime import timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from app.db import utcnow
from app.kit.tokens import new_token, token_hash
from app.models import User, UserSession
from app.services.identity import usage
from app.settings import Settings


def start_session(
    db: Session, settings: Settings, user: User, *, ip: str | None, user_agent: str | None
) -> str:
    """Create a session and return the raw token for the cookie."""
    raw = new_token()
    db.add(
        UserSession(
            token_hash=token_hash(raw),
            user_id=user.id,
            expires_at=utcnow() + timedelta(seconds=settings.session_max_age_seconds),
            ip_address=(ip or "")[:64] or None,
            user_agent=(user_agent or "")[:300] or None,
        )
    )
    return raw


def load_session(db: Session, raw: str) -> UserSession | None:
    """The live session for a cookie value, or None (unknown, expired, or inactive user)."""
    found = db.scalar(select(UserSession).where(UserSession.token_hash == token_hash(raw)))
    now = utcnow()
    if found is None or found.expires_at <= now or not found.user.is_active:
        return None
    if now - found.last_seen_at > usage.TOUCH_INTERVAL:
        touch = update(UserSession).where(UserSession.id == found.id).values(last_seen_at=now)
        usage.record_later(db, touch)
    return found


def end_session(db: Session, raw: str) -> None:
    """Sign out this browser."""
    db.execute(delete(UserSession).where(UserSession.token_hash == token_hash(raw)))


def end_all_sessions(db: Session, user_id: uuid.UUID) -> None:
    """Sign out everywhere."""
    db.execute(delete(UserSession).where(UserSession.user_id == user_id))


def end_other_sessions(db: Session, user_id: uuid.UUID, keep_raw: str | None) -> None:
    """Sign out every browser of this account except the one holding ``keep_raw``."""
    others = delete(UserSession).where(UserSession.user_id == user_id)
    if keep_raw:
        others = others.where(UserSession.token_hash != token_hash(keep_raw))
    db.execute(others)


def count_sessions(db: Session, user_id: uuid.UUID) -> int:
    """How many browsers are signed in to this account."""
    return db.scalar(select(func.count()).where(UserSession.user_id == user_id)) or 0
