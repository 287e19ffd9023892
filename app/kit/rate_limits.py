"""Fixed-window rate limits kept in the database, so every process shares them."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import update
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
    window_start = datetime.fromtimestamp(
        int(now.timestamp()) // window_seconds * window_seconds, UTC
    )
    with sessions() as db:
        count = _count(db, key, window_start)
        db.commit()
    if count > limit:
        retry = int((window_start - now).total_seconds()) + window_seconds + 1
        raise TooManyRequests(
            f"Too many verification requests: {limit} per minute. Try again in {retry} seconds, "
            "or use an API key for a higher limit.",
            retry_after=retry,
        )
    return count


def _count(db: Session, key: str, window_start: datetime) -> int:
    insert = pg_insert if db.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = (
        insert(RateCounter)
        .values(key=key, window_start=window_start, count=1)
        .on_conflict_do_update(
            index_elements=[RateCounter.key],
            set_={"count": RateCounter.count + 1},
            where=RateCounter.window_start == window_start,
        )
        .returning(RateCounter.count)
    )
    count = db.execute(statement).scalar_one_or_none()
    if count is None:  # the stored window is over: start a new one
        db.execute(
            update(RateCounter)
            .where(RateCounter.key == key)
            .values(window_start=window_start, count=1)
        )
        count = 1
    return int(count)


def count_in_window(db: Session, key: str, window_seconds: int) -> int:
    """Count one event for ``key`` in the caller's transaction; the window's total so far."""
    now = utcnow()
    window_start = datetime.fromtimestamp(
        int(now.timestamp()) // window_seconds * window_seconds, UTC
    )
    return _count(db, key, window_start)
