"""Sign-in throttling per (account, client address) and per client address, shared by all
processes: this module's policy, counted by the kit's database counters (app.kit.rate_limits).

Each attempt first holds its two counters (one upsert each, always the address's first, so
concurrent attempts queue instead of deadlocking) and is refused while either is in its waiting
time. A failure is then counted in SQL under that lock; from the limit on, every further failure
doubles the wait. Failures are forgotten after a quiet window that starts when the last wait
ends. The counters are keyed by client address, so guesses from elsewhere never lock the owner
out of their account; the account appears in the key only as a hash.
"""

from __future__ import annotations

import math
from datetime import timedelta

from sqlalchemy.orm import Session

from app.db import utcnow
from app.errors import TooManyRequests
from app.kit import rate_limits
from app.kit.i18n import LazyText, gettext_noop, lazy_ngettext
from app.kit.i18n import lazy_gettext as _l
from app.kit.tokens import token_hash
from app.settings import Settings

#: Set on the session when a write must be kept although the request ends in an error.
PERSIST_ON_ERROR = "persist_on_error"
PREFIX = "signin:"
#: What a refused attempt is told, by which counter refused it. Only the account's wait is
#: lifted by a password reset (lift_lockout), so only that message offers one.
FOR_ACCOUNT = gettext_noop(
    "Too many failed sign-in attempts for this account. Wait %(wait)s before trying again, or "
    "reset your password (Forgot your password?): a reset lifts this wait at once."
)
FROM_ADDRESS = gettext_noop(
    "Too many failed sign-in attempts from your network. Wait %(wait)s before trying again "
    "(resetting a password does not shorten this wait)."
)


def begin_attempt(db: Session, email: str, ip: str) -> None:
    """Lock this attempt's counters until the transaction ends; TooManyRequests while waiting."""
    now = utcnow()
    for key, advice in zip(_keys(email, ip), (FROM_ADDRESS, FOR_ACCOUNT), strict=True):
        blocked_until = rate_limits.hold(db, key)
        if blocked_until is not None and blocked_until > now:
            wait = math.ceil((blocked_until - now).total_seconds())
            raise TooManyRequests(_l(advice, wait=_duration(wait)), retry_after=wait)


def record_failure(db: Session, settings: Settings, email: str, ip: str) -> None:
    """Count a failed attempt (kept although the request answers with an error); at the limit
    and beyond, make the next attempt wait, twice as long for every further failure."""
    now = utcnow()
    quiet = timedelta(seconds=settings.login_failure_window_seconds)
    limits = (settings.login_max_failures_per_ip, settings.login_max_failures_per_account)
    for key, limit in zip(_keys(email, ip), limits, strict=True):
        failures = rate_limits.count(db, key, resets_at=now + quiet)
        if failures >= limit:
            until = now + _backoff(settings, failures - limit)
            rate_limits.block(db, key, until, resets_at=until + quiet)
    db.info[PERSIST_ON_ERROR] = True


def clear_failures(db: Session, email: str, ip: str) -> None:
    """Forget this account's failures from this address after a successful sign-in. The
    address's own failures stay (a valid account must not wipe its guesses at others); its
    counter goes only when it holds none."""
    rate_limits.forget(db, account_key(email, ip))
    rate_limits.forget(db, address_key(ip), only_if_unused=True)


def lift_lockout(db: Session, email: str) -> None:
    """Forget an account's failures from every address (after a password reset)."""
    rate_limits.forget_prefix(db, _account_prefix(email))


def address_key(ip: str) -> str:
    """The counter of every failure from one client address."""
    return f"{PREFIX}address:{ip[:64]}"


def account_key(email: str, ip: str) -> str:
    """The counter of one account's failures from one client address."""
    return f"{_account_prefix(email)}{ip[:64]}"


def _account_prefix(email: str) -> str:
    return f"{PREFIX}account:{token_hash(email)[:40]}:"


def _keys(email: str, ip: str) -> tuple[str, str]:
    return address_key(ip), account_key(email, ip)


def _backoff(settings: Settings, beyond_limit: int) -> timedelta:
    base, cap = settings.login_backoff_base_seconds, settings.login_backoff_max_seconds
    return timedelta(seconds=min(cap, base * 2 ** min(beyond_limit, 32)))


def _duration(seconds: int) -> LazyText:
    if seconds < 120:
        return lazy_ngettext("%(num)s second", "%(num)s seconds", seconds)
    return lazy_ngettext("%(num)s minute", "%(num)s minutes", math.ceil(seconds / 60))
