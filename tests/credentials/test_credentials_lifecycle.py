"""Renewal, re-issue after an e-mail change, and expiry reminders."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from app.db import utcnow
from app.models import IssuedCredential, Notification, OutboxMessage, Role
from app.services.credentials import lifecycle
from app.services.credentials.remote_documents import DocumentCache
from app.services.credentials.verification import verify_credential
from tests.credentials_support import issue_to
from tests.support import WebClient, make_org, make_user


@pytest.fixture
def world(db):
    org = make_org(db)
    make_user(db, "boss@riverbend.org", org=org, role=Role.ADMIN)
    teacher = make_user(db, "ada@riverbend.org", org=org)
    return org, teacher


def test_admin_renews_a_credential(web: WebClient, db, settings, world) -> None:
    org, teacher = world
    old = issue_to(db, settings, org, teacher, valid_until=utcnow() + timedelta(days=10))
    web.sign_in("boss@riverbend.org")
    bad = web.post(f"/orgs/riverbend/credentials/{old.id}/renew", {"months": "0"})
    assert bad.status_code == 422
    assert "1 to 120 months" in bad.text
    done = web.post(f"/orgs/riverbend/credentials/{old.id}/renew", {"months": "24"})
    assert done.status_code == 303
    db.expire_all()
    rows = db.scalars(select(IssuedCredential).order_by(IssuedCredential.issued_at)).all()
    assert len(rows) == 2
    renewed = next(r for r in rows if r.id != old.id)
    assert renewed.supersedes_id == old.id
    assert renewed.valid_until > utcnow() + timedelta(days=700)
    assert db.get(IssuedCredential, old.id).state == "superseded"
    report = verify_credential(db, settings, DocumentCache(0), renewed.credential_json)
    assert report.valid
    again = web.post(f"/orgs/riverbend/credentials/{old.id}/renew", {"months": "24"})
    assert again.status_code == 409


def test_reissue_after_email_change(web: WebClient, db, settings, world) -> None:
    org, teacher = world
    old = issue_to(db, settings, org, teacher)
    teacher.email = "ada.lovelace@riverbend.org"
    db.commit()
    web.sign_in("ada.lovelace@riverbend.org")
    page = web.get("/wallet")
    assert "Some credentials name your old e-mail address" in page.text
    assert web.post("/wallet/reissue").status_code == 303
    db.expire_all()
    fresh = db.scalar(select(IssuedCredential).where(IssuedCredential.supersedes_id == old.id))
    assert fresh.recipient_email == "ada.lovelace@riverbend.org"
    report = verify_credential(
        db, settings, DocumentCache(0), fresh.credential_jwt, "ada.lovelace@riverbend.org"
    )
    assert report.valid
    assert db.get(IssuedCredential, old.id).state == "superseded"
    assert "Some credentials name" not in web.page("/wallet")
    web.post("/wallet/reissue")  # nothing left to re-issue; no duplicates
    db.expire_all()
    assert len(db.scalars(select(IssuedCredential)).all()) == 2


def test_expiry_reminders_are_sent_once(db, settings, world) -> None:
    org, teacher = world
    soon = issue_to(
        db, settings, org, teacher, name="Soon", valid_until=utcnow() + timedelta(days=20)
    )
    issue_to(db, settings, org, teacher, name="Later", valid_until=utcnow() + timedelta(days=90))
    issue_to(db, settings, org, teacher, name="Never")
    assert lifecycle.send_expiry_reminders(db, settings) == 1
    db.commit()
    assert lifecycle.send_expiry_reminders(db, settings) == 0
    reminders = db.scalars(
        select(OutboxMessage).where(OutboxMessage.subject.contains("expires on"))
    ).all()
    assert len(reminders) == 1
    assert reminders[0].to_address == teacher.email
    assert '"Soon"' in reminders[0].subject
    assert soon.valid_until.strftime("%B") in reminders[0].body_text
    bell = db.scalars(select(Notification).where(Notification.user_id == teacher.id)).all()
    assert sorted(n.title.split(",")[0] for n in bell if n.title.startswith("You earned")) == [
        "You earned Later",
        "You earned Never",
        "You earned Soon",
    ]
    assert any("expires on" in n.title for n in bell)


def test_holder_is_notified_of_revocation(web: WebClient, db, settings, world) -> None:
    org, teacher = world
    row = issue_to(db, settings, org, teacher)
    web.sign_in("boss@riverbend.org")
    web.post(f"/orgs/riverbend/credentials/{row.id}/revoke", {"reason": "Issued in error"})
    db.expire_all()
    note = db.scalars(
        select(Notification).where(
            Notification.user_id == teacher.id, Notification.title.contains("revoked")
        )
    ).one()
    assert "Issued in error" in note.body
    mail = db.scalars(select(OutboxMessage).where(OutboxMessage.subject.contains("revoked"))).one()
    assert mail.to_address == teacher.email
