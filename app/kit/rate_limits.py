"""Counters kept in the database, so every process shares them: one row per key, counted
atomically in SQL (one upsert). Each row knows when its count starts over (``resets_at``) and
may hold a wait (``blocked_until``). Fixed windows (requests a minute, mail an hour) and the
sign-in throttle's failure counts with their growing waits are all kept this way."""

from __future__ import annotations

import math
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import case, delete, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session, sessionmaker

from app.db import utcnow
from app.errors import TooManyRequests
from app.models import RateCounter


def hit(sessions: sessionmaker[Session], key: str, limit: int, window_seconds: int = 60) -> int:
    """Count one request for ``key`` in its own short transaction (so no lock outlives it);
    raise TooManyRequests past ``limit`` in the window."""
    now = utcnow()
    window_end = _window_end(now, window_seconds)
    with sessions() as db:
        total = count(db, key, window_end)
        db.commit()
    if total > limit:
        retry = math.ceil((window_end - now).total_seconds()) + 1
        raise TooManyRequests(
            f"Too many verification requests: {limit} per minute. Try again in {retry} seconds, "
            "or use an API key for a higher limit.",
            retry_after=retry,
        )
    return total


def count_in_window(db: Session, key: str, window_seconds: int) -> int:
    """Count one event for ``key`` in the caller's transaction; the window's total so far."""
    return count(db, key, _window_end(utcnow(), window_seconds))


def count(db: Session, key: str, resets_at: datetime) -> int:
    """Count one event for ``key`` in the caller's transaction and return the count so far.

    A count whose ``resets_at`` has passed starts again at one. The row's ``resets_at`` becomes
    the given one: the same moment for a fixed window, a later one for a window that slides."""
    restarted = case((RateCounter.resets_at <= utcnow(), 1), else_=RateCounter.count + 1)
    values = {"key": key, "count": 1, "resets_at": resets_at}
    set_ = {"count": restarted, "resets_at": resets_at}
    return int(_upsert(db, values, set_, RateCounter.count))


def hold(db: Session, key: str) -> datetime | None:
    """Create or lock ``key``'s row until the transaction ends (a no-op update takes the row
    lock, so concurrent holders queue) and return until when it is blocked, if ever."""
    values = {"key": key, "count": 0, "resets_at": utcnow()}
    blocked_until: datetime | None = _upsert(
        db, values, {"count": RateCounter.count}, RateCounter.blocked_until
    )
    return blocked_until


def block(db: Session, key: str, until: datetime, resets_at: datetime) -> None:
    """Make ``key`` wait until ``until``; its count starts over at ``resets_at``."""
    db.execute(
        update(RateCounter)
        .where(RateCounter.key == key)
        .values(blocked_until=until, resets_at=resets_at)
    )


def forget(db: Session, key: str, *, only_if_unused: bool = False) -> None:
    """Delete ``key``'s row (with ``only_if_unused``, only while it has counted nothing)."""
    statement = delete(RateCounter).where(RateCounter.key == key)
    if only_if_unused:
        statement = statement.where(RateCounter.count == 0)
    db.execute(statement)


def forget_prefix(db: Session, prefix: str) -> None:
    """Delete every row whose key starts with ``prefix``."""
    db.execute(delete(RateCounter).where(RateCounter.key.startswith(prefix, autoescape=True)))


def _upsert(db: Session, values: dict[str, Any], set_: dict[str, Any], returning: Any) -> Any:
    """Insert ``values``, or on the key's existing row apply ``set_``; the row's ``returning``."""
    insert = pg_insert if db.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = (
        insert(RateCounter)
        .values(**values)
        .on_conflict_do_update(index_elements=[RateCounter.key], set_=set_)
        .returning(returning)
    )
    return db.execute(statement).scalar_one()


def _window_end(now: datetime, window_seconds: int) -> datetime:
    start = datetime.fromtimestamp(int(now.timestamp()) // window_seconds * window_seconds, UTC)
    return start + timedelta(seconds=window_seconds)
