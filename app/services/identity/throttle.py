"""Sign-in throttling per (account, client address) and per client address, shared by all
processes.

Each attempt first locks its two counters (one upsert each, always the address's first, so
concurrent attempts queue instead of deadlocking) and is refused while either is in its waiting
time. A failure is then counted in SQL under that lock; from the limit on, every further failure
doubles the wait. Failures are forgotten after a quiet window that starts when the last wait
ends. The counters are keyed by client address, so guesses from elsewhere never lock the owner
out of their account.
"""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy import ColumnElement, and_, case, delete, update
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from app.db import utcnow
from app.errors import TooManyRequests
from app.models import LoginThrottle
from app.settings import Settings

#: Set on the session when a write must be kept although the request ends in an error.
PERSIST_ON_ERROR = "persist_on_error"
ANY_ACCOUNT = ""  # the ``email`` of a client address's own counter


def begin_attempt(db: Session, email: str, ip: str) -> None:
    """Lock this attempt's counters until the transaction ends; TooManyRequests while waiting."""
    now = utcnow()
    for key in _keys(email, ip):
        blocked_until = _lock(db, key)
        if blocked_until is not None and blocked_until > now:
            wait = math.ceil((blocked_until - now).total_seconds())
            raise TooManyRequests(
                "Too many failed sign-in attempts. "
                f"Wait {_duration(wait)} before trying again, or reset your password.",
                retry_after=wait,
            )


def record_failure(db: Session, settings: Settings, email: str, ip: str) -> None:
    """Count a failed attempt (kept although the request answers with an error); at the limit
    and beyond, make the next attempt wait, twice as long for every further failure."""
    now = utcnow()
    forgotten = now - timedelta(seconds=settings.login_failure_window_seconds)
    limits = (settings.login_max_failures_per_ip, settings.login_max_failures_per_account)
    for key, limit in zip(_keys(email, ip), limits, strict=True):
        failures = db.execute(
            update(LoginThrottle)
            .where(_is(key))
            .values(
                failures=case((_quiet_since(forgotten), 1), else_=LoginThrottle.failures + 1),
                last_failure_at=now,
            )
            .returning(LoginThrottle.failures)
        ).scalar_one()
        if failures >= limit:
            wait = _backoff(settings, failures - limit)
            db.execute(update(LoginThrottle).where(_is(key)).values(blocked_until=now + wait))
    db.info[PERSIST_ON_ERROR] = True


def clear_failures(db: Session, email: str, ip: str) -> None:
    """Forget this account's failures from this address after a successful sign-in. The
    address's own failures stay (a valid account must not wipe its guesses at others); its
    counter goes only when it holds none."""
    address_key, account_key = _keys(email, ip)
    db.execute(delete(LoginThrottle).where(_is(account_key)))
    db.execute(delete(LoginThrottle).where(_is(address_key), LoginThrottle.failures == 0))


def lift_lockout(db: Session, email: str) -> None:
    """Forget an account's failures from every address (after a password reset)."""
    db.execute(delete(LoginThrottle).where(LoginThrottle.email == email))


def _keys(email: str, ip: str) -> tuple[tuple[str, str], tuple[str, str]]:
    address = ip[:64]
    return (ANY_ACCOUNT, address), (email, address)


def _is(key: tuple[str, str]) -> ColumnElement[bool]:
    return and_(LoginThrottle.email == key[0], LoginThrottle.ip_address == key[1])


def _quiet_since(moment: datetime) -> ColumnElement[bool]:
    """No failure and no wait since ``moment`` (a full window after the last wait ended)."""
    last = case(
        (LoginThrottle.blocked_until > LoginThrottle.last_failure_at, LoginThrottle.blocked_until),
        else_=LoginThrottle.last_failure_at,
    )
    return last < moment


def _lock(db: Session, key: tuple[str, str]) -> datetime | None:
    """Create or lock one counter (a no-op update takes the row lock) and return its wait."""
    insert = pg_insert if db.get_bind().dialect.name == "postgresql" else sqlite_insert
    statement = (
        insert(LoginThrottle)
        .values(email=key[0], ip_address=key[1], failures=0)
        .on_conflict_do_update(
            index_elements=[LoginThrottle.email, LoginThrottle.ip_address],
            set_={"failures": LoginThrottle.failures},
        )
        .returning(LoginThrottle.blocked_until)
    )
    return db.execute(statement).scalar_one()


def _backoff(settings: Settings, beyond_limit: int) -> timedelta:
    base, cap = settings.login_backoff_base_seconds, settings.login_backoff_max_seconds
    return timedelta(seconds=min(cap, base * 2 ** min(beyond_limit, 32)))


def _duration(seconds: int) -> str:
    if seconds < 120:
        return f"{seconds} seconds"
    return f"{math.ceil(seconds / 60)} minutes"
