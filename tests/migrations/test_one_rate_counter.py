"""Upgrading to the one rate counter keeps every sign-in lockout in force."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import create_engine, delete, text
from sqlalchemy.orm import Session

from app import migrate
from app.db import utcnow
from app.errors import TooManyRequests
from app.models import RateCounter
from app.services.identity import throttle


def test_a_locked_out_account_stays_locked_out_after_the_upgrade(database_url: str) -> None:
    migrate.downgrade(database_url, "20261202_form_nonces")
    engine = create_engine(database_url)
    now = utcnow()
    with engine.begin() as conn:
        conn.execute(
            text(
                "INSERT INTO login_throttles (email, ip_address, failures, last_failure_at, "
                "blocked_until) VALUES ('ada@school.org', '203.0.113.9', 6, :now, :until), "
                "('', '203.0.113.9', 6, :now, NULL)"
            ),
            {"now": now.isoformat(" "), "until": (now + timedelta(minutes=10)).isoformat(" ")},
        )
    engine.dispose()
    migrate.upgrade(database_url)
    engine = create_engine(database_url)
    try:
        with Session(engine) as db:
            account = db.get_one(RateCounter, throttle.account_key("ada@school.org", "203.0.113.9"))
            address = db.get_one(RateCounter, throttle.address_key("203.0.113.9"))
            assert (account.count, address.count) == (6, 6)
            with pytest.raises(TooManyRequests, match="Wait 10 minutes"):
                throttle.begin_attempt(db, "ada@school.org", "203.0.113.9")
            db.rollback()
            db.execute(delete(RateCounter))
            db.commit()
    finally:
        engine.dispose()
