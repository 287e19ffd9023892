"""Accounts through the pages: sign-up, verification, sign-in, reset, e-mail and password change."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.db import utcnow
from app.models import EmailToken, OutboxMessage, RateCounter, User, UserSession
from app.services.identity import throttle
from app.services.identity.passwords import verify_password
from app.web.access import SESSION_COOKIE
from tests.support import PASSWORD, WebClient, make_user


def count(db, model, *where) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(model).where(*where)) or 0


def sign_up(web: WebClient, email: str = "nia@school.org", password: str = PASSWORD):
    return web.post("/signup", {"email": email, "display_name": "Nia Brooks", "password": password})


def test_sign_up_verify_and_sign_in(web: WebClient, db) -> None:
    response = sign_up(web, "Nia@School.org")
    assert response.status_code == 201
    assert "Check your e-mail" in response.text
    user = db.scalar(select(User).where(User.email == "nia@school.org"))
    assert user is not None
    assert not user.is_verified
    assert verify_password(user.password_hash, PASSWORD)

    refused = web.post("/signin", {"email": "nia@school.org", "password": PASSWORD})
    assert refused.status_code == 401
    assert "Confirm your e-mail address first" in refused.text

    link = web.link_in_mail("nia@school.org")
    assert link.startswith("/verify-email?token=")
    verified = web.get(link)
    assert verified.status_code == 303
    assert verified.headers["location"] == "/signin"

    web.sign_in("nia@school.org")
    dashboard = web.get("/")
    assert "Hello, Nia Brooks" in dashboard.text
    assert "You are not part of an organization yet" in dashboard.text


def test_verification_link_works_once(web: WebClient) -> None:
    sign_up(web)
    link = web.link_in_mail("nia@school.org")
    assert web.get(link).status_code == 303
    again = web.get(link)
    assert again.status_code == 422
    assert "already been used" in again.text


@pytest.mark.parametrize(
    ("email", "password", "message"),
    [
        ("not-an-email", PASSWORD, "not a valid e-mail address"),
        ("a@@b.org", PASSWORD, "not a valid e-mail address"),
        ("nia@school.org", "short", "at least 10 characters"),
        ("nia@school.org", "password123", "too easy to guess"),
        ("nia@school.org", "aaaaaaaaaaaa", "too easy to guess"),
    ],
)
def test_sign_up_rejects_bad_input_without_writing(web: WebClient, db, email, password, message):
    response = sign_up(web, email, password)
    assert response.status_code == 422
    assert message in response.text
    assert 'aria-invalid="true"' in response.text
    assert count(db, User) == 0
    assert count(db, OutboxMessage) == 0


def test_sign_up_with_a_taken_address_answers_the_same_and_tells_its_owner(web: WebClient, db):
    owner = make_user(db, "nia@school.org")
    fresh = sign_up(web, "new@school.org")
    taken = sign_up(web, "NIA@school.org", "another-long-passphrase")
    assert taken.status_code == 201
    assert taken.text == fresh.text.replace("new@school.org", "nia@school.org")
    assert count(db, User) == 2
    assert count(db, EmailToken, EmailToken.user_id == owner.id) == 0
    told = web.last_mail("nia@school.org")
    assert told.subject == "Someone tried to sign up for Laurel with your address"
    assert "http://testserver/password/forgot" in told.body_text
    db.refresh(owner)
    assert verify_password(owner.password_hash, PASSWORD)


def test_wrong_password_and_unknown_account_give_the_same_message(web: WebClient, db) -> None:
    make_user(db, "ada@school.org")
    wrong = web.post("/signin", {"email": "ada@school.org", "password": "not-the-password"})
    unknown = web.post("/signin", {"email": "who@school.org", "password": "not-the-password"})
    for response in (wrong, unknown):
        assert response.status_code == 401
        assert "do not match an account" in response.text
    failures = {row.key: row.count for row in db.scalars(select(RateCounter))}
    assert failures == {
        throttle.account_key("ada@school.org", "testclient"): 1,
        throttle.account_key("who@school.org", "testclient"): 1,
        throttle.address_key("testclient"): 2,
    }
    assert SESSION_COOKIE not in web.client.cookies


def test_sign_in_is_throttled_per_account(web: WebClient, db, settings) -> None:
    make_user(db, "ada@school.org")
    for _ in range(settings.login_max_failures_per_account):
        web.post("/signin", {"email": "ada@school.org", "password": "wrong-password"})
    blocked = web.post("/signin", {"email": "ada@school.org", "password": PASSWORD})
    assert blocked.status_code == 429
    assert "Too many failed sign-in attempts" in blocked.text
    assert int(blocked.headers["retry-after"]) > 0
    assert SESSION_COOKIE not in web.client.cookies


def test_sign_in_is_throttled_per_address(web: WebClient, db, settings) -> None:
    settings.login_max_failures_per_ip = 3
    make_user(db, "ada@school.org")
    for n in range(3):
        web.post("/signin", {"email": f"guess{n}@school.org", "password": "wrong-password"})
    blocked = web.post("/signin", {"email": "ada@school.org", "password": PASSWORD})
    assert blocked.status_code == 429


def test_successful_sign_in_clears_failures(web: WebClient, db) -> None:
    make_user(db, "ada@school.org")
    web.post("/signin", {"email": "ada@school.org", "password": "wrong-password"})
    web.sign_in("ada@school.org")
    assert db.get(RateCounter, throttle.account_key("ada@school.org", "testclient")) is None


def test_sign_out_ends_the_session(web: WebClient, db) -> None:
    make_user(db, "ada@school.org")
    web.sign_in("ada@school.org")
    raw = web.client.cookies.get(SESSION_COOKIE)
    assert web.post("/signout").status_code == 303
    assert count(db, UserSession) == 0
    web.client.cookies.set(SESSION_COOKIE, raw)
    assert web.get("/account").headers["location"] == "/signin?next=/account"


def test_tampered_session_cookie_is_treated_as_signed_out(web: WebClient, db) -> None:
    make_user(db, "ada@school.org")
    web.sign_in("ada@school.org")
    raw = web.client.cookies.get(SESSION_COOKIE)
    web.client.cookies.set(SESSION_COOKIE, raw[:-2] + ("A" if raw[-2] != "A" else "B") + raw[-1])
    response = web.get("/account")
    assert response.status_code == 303
    assert response.headers["location"].startswith("/signin")


def test_sign_out_everywhere(web: WebClient, web2: WebClient, db) -> None:
    make_user(db, "ada@school.org")
    web.sign_in("ada@school.org")
    web2.sign_in("ada@school.org")
    assert count(db, UserSession) == 2
    web.post("/signout/everywhere")
    assert count(db, UserSession) == 0
    assert web2.get("/account").status_code == 303


def test_password_reset_by_one_time_link(web: WebClient, web2: WebClient, db) -> None:
    make_user(db, "ada@school.org")
    web2.sign_in("ada@school.org")
    sent = web.post("/password/forgot", {"email": "ada@school.org"})
    assert sent.status_code == 200
    assert "reset link is on its way" in sent.text
    link = web.link_in_mail("ada@school.org")
    assert web.get(link).status_code == 200
    token = link.split("token=")[1]

    weak = web.post("/password/reset", {"token": token, "password": "short"})
    assert weak.status_code == 422
    assert "at least 10 characters" in weak.text

    done = web.post("/password/reset", {"token": token, "password": "a-brand-new-passphrase"})
    assert done.status_code == 303
    assert count(db, UserSession) == 0  # every device was signed out
    web.sign_in("ada@school.org", "a-brand-new-passphrase")

    reused = web.post("/password/reset", {"token": token, "password": "another-new-passphrase"})
    assert reused.status_code == 422
    assert "already been used" in reused.text
    assert web.get(link).status_code == 422


def test_expired_reset_link_is_refused(web: WebClient, db) -> None:
    make_user(db, "ada@school.org")
    web.post("/password/forgot", {"email": "ada@school.org"})
    link = web.link_in_mail("ada@school.org")
    db.expire_all()
    token_row = db.scalars(select(EmailToken)).one()
    token_row.expires_at = utcnow() - timedelta(minutes=1)
    db.commit()
    token = link.split("token=")[1]
    response = web.post("/password/reset", {"token": token, "password": "a-brand-new-passphrase"})
    assert response.status_code == 422
    assert "expired" in response.text
    user = db.scalar(select(User))
    db.refresh(user)
    assert verify_password(user.password_hash, PASSWORD)


def test_reset_for_unknown_address_says_the_same_and_sends_nothing(web: WebClient, db) -> None:
    response = web.post("/password/forgot", {"email": "nobody@school.org"})
    assert response.status_code == 200
    assert "reset link is on its way" in response.text
    assert count(db, OutboxMessage) == 0


def test_change_password_needs_the_current_one(web: WebClient, db) -> None:
    make_user(db, "ada@school.org")
    web.sign_in("ada@school.org")
    wrong = web.post(
        "/account/password",
        {"current_password": "not-my-password", "new_password": "a-brand-new-passphrase"},
    )
    assert wrong.status_code == 422
    assert "current password is not correct" in wrong.text
    ok = web.post(
        "/account/password",
        {"current_password": PASSWORD, "new_password": "a-brand-new-passphrase"},
    )
    assert ok.status_code == 303
    user = db.scalar(select(User))
    db.refresh(user)
    assert verify_password(user.password_hash, "a-brand-new-passphrase")


def test_change_email_requires_confirming_the_new_address(web: WebClient, db) -> None:
    make_user(db, "ada@school.org")
    make_user(db, "taken@school.org")
    web.sign_in("ada@school.org")
    taken = web.post("/account/email", {"new_email": "taken@school.org", "password": PASSWORD})
    assert taken.status_code == 409
    assert "already uses" in taken.text

    asked = web.post("/account/email", {"new_email": "ada@district.org", "password": PASSWORD})
    assert asked.status_code == 303
    user = db.scalar(select(User).where(User.email == "ada@school.org"))
    assert user is not None  # unchanged until confirmed

    link = web.link_in_mail("ada@district.org")
    assert web.get(link).status_code == 303
    db.expire_all()
    assert db.scalar(select(User).where(User.email == "ada@district.org")) is not None
    assert "ada@district.org" in web.last_mail("ada@school.org").body_text
    web.post("/signout")
    web.sign_in("ada@district.org")


def test_next_parameter_cannot_redirect_off_site(web: WebClient, db) -> None:
    make_user(db, "ada@school.org")
    response = web.post(
        "/signin",
        {"email": "ada@school.org", "password": PASSWORD, "next": "https://evil.example/"},
    )
    assert response.headers["location"] == "/"


def wrong_guesses(web: WebClient, email: str, times: int) -> list[int]:
    return [
        web.post("/signin", {"email": email, "password": "wrong-password"}).status_code
        for _ in range(times)
    ]


def test_guesses_from_another_address_do_not_lock_the_owner_out(
    web: WebClient, elsewhere: WebClient, db, settings
) -> None:
    make_user(db, "ada@school.org")
    limit = settings.login_max_failures_per_account
    assert wrong_guesses(elsewhere, "ada@school.org", limit + 1) == [401] * limit + [429]
    web.sign_in("ada@school.org")
    assert web.get("/account").status_code == 200


def test_each_further_failure_waits_twice_as_long(web: WebClient, db, settings) -> None:
    make_user(db, "ada@school.org")
    base = settings.login_backoff_base_seconds
    wrong_guesses(web, "ada@school.org", settings.login_max_failures_per_account)
    waits = [int(_blocked(web).headers["retry-after"])]
    for _ in range(2):
        db.expire_all()
        row = db.get_one(RateCounter, throttle.account_key("ada@school.org", "testclient"))
        row.blocked_until = utcnow() - timedelta(seconds=1)  # as if the wait were over
        db.commit()
        assert wrong_guesses(web, "ada@school.org", 1) == [401]
        waits.append(int(_blocked(web).headers["retry-after"]))
    expected = [base, 2 * base, 4 * base]
    assert all(want - 2 <= got <= want for got, want in zip(waits, expected, strict=True)), waits


def _blocked(web: WebClient):
    response = web.post("/signin", {"email": "ada@school.org", "password": PASSWORD})
    assert response.status_code == 429
    assert "Too many failed sign-in attempts" in response.text
    return response


def test_unknown_account_costs_one_argon2_verification(web: WebClient, db, monkeypatch) -> None:
    from argon2 import PasswordHasher

    verified: list[str] = []
    real_verify = PasswordHasher.verify

    def counting_verify(self, hash, password):
        verified.append(hash)
        return real_verify(self, hash, password)

    monkeypatch.setattr(PasswordHasher, "verify", counting_verify)
    make_user(db, "ada@school.org")
    for email in ("ada@school.org", "who@school.org"):
        response = web.post("/signin", {"email": email, "password": "wrong-password"})
        assert response.status_code == 401
    assert len(verified) == 2
    assert all(h.startswith("$argon2id$") for h in verified)


def test_changing_the_password_ends_the_other_sessions(web: WebClient, web2: WebClient, db):
    make_user(db, "ada@school.org")
    web.sign_in("ada@school.org")
    web2.sign_in("ada@school.org")
    changed = web.post(
        "/account/password",
        {"current_password": PASSWORD, "new_password": "a-brand-new-passphrase"},
    )
    assert changed.status_code == 303
    assert count(db, UserSession) == 1
    assert web.get("/account").status_code == 200
    assert web2.get("/account").headers["location"] == "/signin?next=/account"


def test_a_reset_expires_the_other_links_and_lifts_the_lockout(web: WebClient, db, settings):
    make_user(db, "ada@school.org")
    web.post("/password/forgot", {"email": "ada@school.org"})
    first = web.link_in_mail("ada@school.org")
    web.post("/password/forgot", {"email": "ada@school.org"})
    second = web.link_in_mail("ada@school.org")
    assert first != second
    wrong_guesses(web, "ada@school.org", settings.login_max_failures_per_account)
    _blocked(web)

    token = second.split("token=")[1]
    done = web.post("/password/reset", {"token": token, "password": "a-brand-new-passphrase"})
    assert done.status_code == 303
    stale = web.get(first)
    assert stale.status_code == 422
    assert "already been used" in stale.text
    web.sign_in("ada@school.org", "a-brand-new-passphrase")
