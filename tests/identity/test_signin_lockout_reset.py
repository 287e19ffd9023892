"""The sign-in lockout says what lifts it, and that is true: a password reset lifts the account's
wait (from every address), not the wait of an address that guessed at many accounts."""

from __future__ import annotations

import html

from sqlalchemy import select

from app.models import RateCounter
from app.services.identity import throttle
from tests.support import PASSWORD, WebClient, make_user

NEW_PASSWORD = "a-brand-new-passphrase"


def _attempt(web: WebClient, password: str, email: str = "ada@school.org"):
    return web.post("/signin", {"email": email, "password": password})


def _reset(web: WebClient, email: str = "ada@school.org") -> None:
    assert web.post("/password/forgot", {"email": email}).status_code == 200
    token = web.link_in_mail(email).split("token=")[1]
    done = web.post("/password/reset", {"token": token, "password": NEW_PASSWORD})
    assert done.status_code == 303


def _account_failures(web: WebClient) -> int | None:
    web.db.expire_all()
    key = throttle.account_key("ada@school.org", "testclient")
    return web.db.scalar(select(RateCounter.count).where(RateCounter.key == key))


def test_five_wrong_then_a_reset_lets_the_new_password_in(web: WebClient, db, settings) -> None:
    make_user(db, "ada@school.org")
    limit = settings.login_max_failures_per_account
    assert limit == 5
    assert [_attempt(web, "wrong-password").status_code for _ in range(limit)] == [401] * 5
    blocked = _attempt(web, PASSWORD)
    assert blocked.status_code == 429
    shown = html.unescape(blocked.text)
    assert "Too many failed sign-in attempts for this account" in shown
    assert "reset your password (Forgot your password?): a reset lifts this wait at once" in shown

    _reset(web)
    assert _account_failures(web) is None  # the account's wait is gone
    assert _attempt(web, NEW_PASSWORD).status_code == 303


def test_a_wrong_password_after_the_reset_still_counts(web: WebClient, db, settings) -> None:
    make_user(db, "ada@school.org")
    for _ in range(settings.login_max_failures_per_account):
        _attempt(web, "wrong-password")
    _reset(web)
    assert _attempt(web, "wrong-password").status_code == 401
    assert _account_failures(web) == 1
    statuses = [_attempt(web, "wrong-password").status_code for _ in range(4)]
    assert statuses == [401, 401, 401, 401]
    assert _attempt(web, NEW_PASSWORD).status_code == 429  # five new failures: waiting again


def test_a_reset_does_not_lift_an_addresss_wait_and_the_message_says_so(
    web: WebClient, db, settings
) -> None:
    settings.login_max_failures_per_ip = 3
    make_user(db, "ada@school.org")
    for n in range(3):
        assert _attempt(web, "wrong-password", f"guess{n}@school.org").status_code == 401
    blocked = _attempt(web, PASSWORD)
    assert blocked.status_code == 429
    shown = html.unescape(blocked.text)
    assert "Too many failed sign-in attempts from your network" in shown
    assert "resetting a password does not shorten this wait" in shown
    assert "reset your password (" not in shown

    _reset(web)
    still = _attempt(web, NEW_PASSWORD)
    assert still.status_code == 429
    assert "from your network" in html.unescape(still.text)
