"""Sign-in throttling per account and per client address, shared by all processes."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from app.db import utcnow
from app.errors import TooManyRequests
from app.models import LoginFailure
from app.settings import Settings

#: Set on the session when a write must be kept although the request ends in an error.
PERSIST_ON_ERROR = "persist_on_error"


def check_allowed(db: Session, settings: Settings, email: str, ip: str) -> None:
    """Raise TooManyRequests when this account or address failed too often recently."""
    since = utcnow() - timedelta(seconds=settings.login_failure_window_seconds)
    by_account = db.scalar(
        select(func.count()).where(LoginFailure.email == email, LoginFailure.at > since)
    )
    by_ip = db.scalar(
        select(func.count()).where(LoginFailure.ip_address == ip, LoginFailure.at > since)
    )
    minutes = max(1, settings.login_failure_window_seconds // 60)
    if (by_account or 0) >= settings.login_max_failures_per_account or (
        by_ip or 0
    ) >= settings.login_max_failures_per_ip:
        raise TooManyRequests(
            f"Too many failed sign-in attempts. Wait {minutes} minutes or reset your password.",
            retry_after=settings.login_failure_window_seconds,
        )


def record_failure(db: Session, email: str, ip: str) -> None:
    """Count a failed attempt; kept even though the request answers with an error."""
    db.add(LoginFailure(email=email, ip_address=ip))
    db.info[PERSIST_ON_ERROR] = True


def clear_failures(db: Session, email: str) -> None:
    """Forget an account's failures after a successful sign-in."""
    db.execute(delete(LoginFailure).where(LoginFailure.email == email))
