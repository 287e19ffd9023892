"""Thirty wrong passwords at once, on real separate connections through a real server: no more
than the limit are checked against the password hash; the rest wait their turn and are refused."""

from __future__ import annotations

import threading
from collections import Counter

import httpx
import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from app.main import create_app
from app.settings import Settings
from app.web import csrf
from tests.fake_oidc import ServerThread, free_port
from tests.support import make_user

ATTEMPTS = 30


def test_concurrent_wrong_passwords_are_checked_at_most_limit_times(
    fresh_engine: Engine, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    verified: list[str] = []
    real_verify = PasswordHasher.verify

    def counting_verify(self: PasswordHasher, hash: str, password: str) -> bool:
        verified.append(hash)
        return real_verify(self, hash, password)

    monkeypatch.setattr(PasswordHasher, "verify", counting_verify)
    with Session(fresh_engine) as db:
        make_user(db, "ada@school.org")
    port = free_port()
    settings.base_url = f"http://127.0.0.1:{port}"
    # Every guess gets into the worker (the saturation guard would refuse some with an early 503,
    # which proves nothing about the throttle): this test is about the throttle's counting.
    settings.max_concurrent_requests = ATTEMPTS + 5
    settings.saturation_wait_seconds = 60
    cookie = csrf.new_cookie_value()
    form = {
        "email": "ada@school.org",
        "password": "wrong-password",
        csrf.CSRF_FIELD: csrf.form_token(settings.secret, cookie),
    }
    statuses: list[int] = []
    barrier = threading.Barrier(ATTEMPTS)

    def guess() -> None:
        with httpx.Client(base_url=settings.base_url, cookies={csrf.CSRF_COOKIE: cookie}) as web:
            barrier.wait()
            statuses.append(web.post("/signin", data=form, timeout=60).status_code)

    with ServerThread(create_app(settings, engine=fresh_engine), port):
        threads = [threading.Thread(target=guess) for _ in range(ATTEMPTS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
    limit = settings.login_max_failures_per_account
    assert Counter(statuses) == {401: limit, 429: ATTEMPTS - limit}
    assert len(verified) == limit
