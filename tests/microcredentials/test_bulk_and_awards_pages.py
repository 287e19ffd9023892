"""Admins issue a micro-credential to a CSV list, and retry credentials left unsigned."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.models import Award, AwardStatus, IssuedCredential, Role, User
from app.services.credentials import awards, issuer
from tests.microcredentials.support import admin_of, make_definition
from tests.support import WebClient, make_org, make_user


@pytest.fixture
def org(db):
    riverbend = make_org(db)
    admin_of(db, riverbend)
    make_user(db, "ada@riverbend.org", org=riverbend)
    make_user(db, "ben@riverbend.org", org=riverbend)
    make_user(db, "coach@riverbend.org", org=riverbend, role=Role.COACH)
    return riverbend


def credentials_count(db) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(IssuedCredential))


GOOD = (
    "email,narrative,evidence_url\n"
    "ada@riverbend.org,Led the assessment study group,https://example.org/ada\n"
    "ben@riverbend.org,,\n"
    "visitor@elsewhere.org,Guest presenter,\n"
)


def test_bulk_issue_validates_everything_first(web: WebClient, db, settings, org) -> None:
    definition = make_definition(db, org, settings)
    web.sign_in("mc-admin@riverbend.org")
    url = f"/orgs/riverbend/micro-credentials/{definition.id}/issue"
    assert web.get(url).status_code == 200
    bad = (
        "email,narrative,evidence_url\n"
        "ada@riverbend.org,,\n"
        "not-an-email,,\n"
        "ada@riverbend.org,,\n"
        "ben@riverbend.org,,http://insecure.example\n"
    )
    response = web.post(url, {"csv_text": bad})
    assert response.status_code == 422
    assert "line 3" in response.text
    assert "line 4: ada@riverbend.org already appears on line 2" in response.text
    assert "line 5: evidence_url must be an https:// address" in response.text
    assert credentials_count(db) == 0


def test_bulk_issue_records_awards_and_is_idempotent(web: WebClient, db, settings, org) -> None:
    definition = make_definition(db, org, settings)
    web.sign_in("mc-admin@riverbend.org")
    url = f"/orgs/riverbend/micro-credentials/{definition.id}/issue"
    response = web.client.post(
        url,
        data={"csrf_token": web.csrf_token()},
        files={"csv_file": ("people.csv", GOOD.encode(), "text/csv")},
    )
    assert response.status_code == 200, response.text
    assert "<strong>3</strong> credential(s) issued now" in response.text
    assert '<progress id="bulk-progress" max="3" value="3">' in response.text
    assert credentials_count(db) == 3
    ada_award = db.scalar(select(Award).join(Award.user).where(User.email == "ada@riverbend.org"))
    assert ada_award.status == AwardStatus.ISSUED
    evidence = ada_award.credential.credential_json["evidence"][0]
    assert evidence["id"] == "https://example.org/ada"
    assert evidence["narrative"] == "Led the assessment study group"

    again = web.post(url, {"csv_text": GOOD})
    assert "<strong>0</strong> credential(s) issued now" in again.text
    assert "<strong>3</strong> already held it" in again.text
    assert credentials_count(db) == 3

    web.post("/signout")
    web.sign_in("ada@riverbend.org")
    assert "Formative Assessment in Practice" in web.get("/wallet").text


def test_bulk_issue_refuses_drafts_and_non_admins(web: WebClient, db, settings, org) -> None:
    draft = make_definition(db, org, settings, publish=False)
    web.sign_in("mc-admin@riverbend.org")
    url = f"/orgs/riverbend/micro-credentials/{draft.id}/issue"
    response = web.post(url, {"csv_text": GOOD})
    assert response.status_code == 422
    assert "Publish the micro-credential before issuing it" in response.text
    web.post("/signout")
    web.sign_in("coach@riverbend.org")
    assert web.post(url, {"csv_text": GOOD}).status_code == 403
    assert credentials_count(db) == 0


def test_pending_awards_show_in_wallet_and_admins_retry(
    web: WebClient, db, settings, org, monkeypatch
) -> None:
    definition = make_definition(db, org, settings, name="Digital Citizenship Instruction")
    teacher = db.scalar(select(User).filter_by(email="ada@riverbend.org"))

    def offline(*_args: object, **_kwargs: object) -> None:
        raise OSError("HSM offline")

    monkeypatch.setattr(issuer, "current_keys", offline)
    awards.record_award(db, settings, user=teacher, definition=definition)
    db.commit()
    monkeypatch.undo()

    web.sign_in("ada@riverbend.org")
    wallet = web.get("/wallet").text
    assert "Pending" in wallet
    assert "Digital Citizenship Instruction" in wallet
    assert "not ready yet" in wallet
    assert web.get("/orgs/riverbend/awards").status_code == 403
    web.post("/signout")

    web.sign_in("mc-admin@riverbend.org")
    page = web.get("/orgs/riverbend/awards").text
    assert "OSError: HSM offline" in page
    response = web.post("/orgs/riverbend/awards/retry")
    assert response.status_code == 303
    assert "Nothing is waiting" in web.get("/orgs/riverbend/awards").text
    web.post("/signout")
    web.sign_in("ada@riverbend.org")
    wallet = web.get("/wallet").text
    assert "not ready yet" not in wallet
    assert "/download/png" in wallet
