"""The admin area's credential pages: revoking through a confirmation page with a reason, and
the issuer identity page whose keys rotate only after the confirmation is posted."""

from __future__ import annotations

import json
import re

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.models import AuditEvent, IssuedCredential, Organization, Role, SigningKey, User
from app.services.credentials import issuer
from app.services.credentials.remote_documents import DocumentCache
from app.services.credentials.verification import verify_credential
from tests.credentials_support import issue_to
from tests.race_support import all_at_once
from tests.support import WebClient, make_org, make_user


@pytest.fixture
def world(db):
    org = make_org(db)
    lakeside = make_org(db, "lakeside")
    admin = make_user(db, "boss@riverbend.org", org=org, role=Role.ADMIN)
    teacher = make_user(db, "ada@riverbend.org", org=org)
    make_user(db, "coach@riverbend.org", org=org, role=Role.COACH)
    make_user(db, "boss@lakeside.org", org=lakeside, role=Role.ADMIN)
    make_user(db, "root@laurel.org", platform_admin=True)
    return org, admin, teacher


def _events(db, action: str) -> list[AuditEvent]:
    return list(db.scalars(select(AuditEvent).where(AuditEvent.action == action)))


def test_the_list_leads_to_a_confirmation_page(web: WebClient, db, settings, world) -> None:
    org, admin, teacher = world
    row = issue_to(db, settings, org, teacher, name="Formative Assessment")
    web.sign_in("boss@riverbend.org")
    listing = web.page("/orgs/riverbend/credentials")
    assert f'href="/orgs/riverbend/credentials/{row.id}/revoke"' in listing
    page = web.page(f"/orgs/riverbend/credentials/{row.id}/revoke")
    assert "Revoke Formative Assessment?" in page
    assert "ada@riverbend.org" in page
    assert "anyone who verifies this credential" in page
    assert '<label for="reason">Reason for revoking</label>' in page
    db.expire_all()
    assert db.get(IssuedCredential, row.id).revoked_at is None  # looking changes nothing
    (viewed,) = _events(db, "credential.viewed")
    assert (viewed.actor_id, viewed.subject_id) == (admin.id, teacher.id)
    assert (viewed.target_type, viewed.target_id) == ("credential", str(row.id))
    assert viewed.client_address == "testclient"


def test_revoking_needs_a_reason(web: WebClient, db, settings, world) -> None:
    org, _, teacher = world
    row = issue_to(db, settings, org, teacher)
    web.sign_in("boss@riverbend.org")
    missing = web.post(f"/orgs/riverbend/credentials/{row.id}/revoke", {"reason": "  "})
    assert missing.status_code == 422
    assert "Say why the credential is revoked" in missing.text
    assert 'aria-invalid="true"' in missing.text  # beside the reason field
    db.expire_all()
    assert db.get(IssuedCredential, row.id).revoked_at is None
    assert _events(db, "credential.revoked") == []

    done = web.post(f"/orgs/riverbend/credentials/{row.id}/revoke", {"reason": "Issued in error"})
    assert done.status_code == 303
    db.expire_all()
    revoked = db.get(IssuedCredential, row.id)
    assert revoked.revocation_reason == "Issued in error"
    assert not verify_credential(db, settings, DocumentCache(0), row.credential_json, None).valid
    after = web.page(f"/orgs/riverbend/credentials/{row.id}/revoke")
    assert "This credential was revoked on" in after
    assert "Revoke the credential</button>" not in after


@pytest.mark.parametrize(
    ("who", "slug", "status"),
    [
        ("ada@riverbend.org", "riverbend", 403),
        ("coach@riverbend.org", "riverbend", 403),
        ("boss@lakeside.org", "riverbend", 403),
        ("boss@lakeside.org", "lakeside", 404),
        ("root@laurel.org", "riverbend", 200),
    ],
)
def test_only_the_issuers_admins_see_the_confirmation(
    web: WebClient, db, settings, world, who: str, slug: str, status: int
) -> None:
    org, _, teacher = world
    row = issue_to(db, settings, org, teacher)
    web.sign_in(who)
    assert web.get(f"/orgs/{slug}/credentials/{row.id}/revoke").status_code == status
    assert len(_events(db, "credential.viewed")) == (1 if status == 200 else 0)


def test_the_issuer_page_shows_the_did_document_and_keys(web: WebClient, db, settings, world):
    org, _, _ = world
    web.sign_in("boss@riverbend.org")
    page = web.page("/orgs/riverbend/admin/issuer")
    keys = issuer.ensure_keys(db, settings, org)
    assert len(keys) == 2
    for key in keys:
        assert key.key_id in page
        assert issuer.fingerprint(key.public_jwk) in page
        assert "d" not in key.public_jwk
    assert "No key has been retired yet." in page
    document = re.search(r"<pre[^>]*><code>(.*?)</code></pre>", page, re.S)
    assert document is not None
    shown = json.loads(document.group(1).replace("&#34;", '"').replace("&quot;", '"'))
    assert shown == issuer.did_document_for(db, settings, org)


def test_a_jwk_fingerprint_is_its_rfc7638_thumbprint() -> None:
    # RFC 7638, section 3.1
    jwk = {
        "kty": "RSA",
        "n": "0vx7agoebGcQSuuPiLJXZptN9nndrQmbXEps2aiAFbWhM78LhWx4cbbfAAtVT86zwu1RK7aPFFxuhDR1L6"
        "tSoc_BJECPebWKRXjBZCiFV4n3oknjhMstn64tZ_2W-5JsGY4Hc5n9yBXArwl93lqt7_RN5w6Cf0h4QyQ5v-65Y"
        "GjQR0_FDW2QvzqY368QQMicAtaSqzs8KJZgnYb9c7d0zgdAZHzu6qMQvRL5hajrn1n91CbOpbISD08qNLyrdkt-"
        "bFTWhAI4vMQFh6WeZu0fM4lFd2NcRwr3XPksINHaQ-G_xBniIqbw0Ls1jF44-csFCur-kEgU8awapJzKnqDKgw",
        "e": "AQAB",
        "alg": "RS256",
        "kid": "2011-04-29",
    }
    assert issuer.fingerprint(jwk) == "NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs"


def test_keys_rotate_only_after_the_confirmation_is_posted(
    web: WebClient, db, settings, world
) -> None:
    org, admin, teacher = world
    before = issue_to(db, settings, org, teacher, name="Before rotation")
    old_ids = {k.key_id for k in issuer.ensure_keys(db, settings, org)}
    web.sign_in("boss@riverbend.org")
    page = web.page("/orgs/riverbend/admin/issuer")
    assert 'href="/orgs/riverbend/admin/issuer/rotate"' in page
    confirm = web.page("/orgs/riverbend/admin/issuer/rotate")
    assert "credentials already issued keep verifying" in confirm
    assert "every credential issued from now on is signed with them" in confirm
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(SigningKey)) == 2
    assert _events(db, "issuer.keys_rotated") == []

    retire = re.search(r'name="retire" value="([^"]*)"', confirm)
    assert retire is not None
    assert set(retire.group(1).split()) == old_ids
    done = web.post("/orgs/riverbend/admin/issuer/rotate", {"retire": retire.group(1)})
    assert done.status_code == 303
    db.expire_all()
    keys = issuer.ensure_keys(db, settings, org)
    retired = {k.key_id for k in keys if k.retired_at is not None}
    current = {k.key_id for k in keys if k.retired_at is None}
    assert retired == old_ids
    assert len(current) == 2
    assert current.isdisjoint(old_ids)
    (event,) = _events(db, "issuer.keys_rotated")
    assert event.actor_id == admin.id
    assert event.client_address == "testclient"
    assert sorted(event.detail["retired"]) == sorted(old_ids)

    after = issue_to(db, settings, org, teacher, name="After rotation")
    for row in (before, after):
        assert verify_credential(db, settings, DocumentCache(0), row.credential_json, None).valid
        assert verify_credential(db, settings, DocumentCache(0), row.credential_jwt, None).valid
    shown = web.page("/orgs/riverbend/admin/issuer")
    for key_id in old_ids | current:
        assert key_id in shown
    assert "Retired keys" in shown

    # the same confirmation posted again (a second click) rotates nothing more
    again = web.post("/orgs/riverbend/admin/issuer/rotate", {"retire": retire.group(1)})
    assert again.status_code == 409
    assert "rotated meanwhile" in again.text
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(SigningKey)) == 4
    assert len(_events(db, "issuer.keys_rotated")) == 1


def test_two_rotations_at_once_rotate_once(fresh_engine, settings) -> None:
    with Session(fresh_engine, expire_on_commit=False) as db:
        org = make_org(db)
        admin = make_user(db, "boss@riverbend.org", org=org, role=Role.ADMIN)
        confirmed = [k.key_id for k in issuer.ensure_keys(db, settings, org)]
        db.commit()

    def read(db: Session) -> None:
        issuer.ensure_keys(db, settings, db.get_one(Organization, org.id))

    def rotate(db: Session, _: object) -> object:
        return issuer.rotate_keys_as_admin(
            db, settings, db.get_one(Organization, org.id), db.get_one(User, admin.id), confirmed
        )

    results = all_at_once(fresh_engine, [(read, rotate), (read, rotate)])
    assert sorted(type(result).__name__ for result in results) == ["Conflict", "list"]
    with Session(fresh_engine) as db:
        assert db.scalar(select(func.count()).select_from(SigningKey)) == 4
        rotated = select(func.count()).where(AuditEvent.action == "issuer.keys_rotated")
        assert db.scalar(rotated) == 1


@pytest.mark.parametrize("who", ["ada@riverbend.org", "coach@riverbend.org", "boss@lakeside.org"])
def test_others_cannot_see_or_rotate_the_keys(
    web: WebClient, db, settings, world, who: str
) -> None:
    org, _, _ = world
    issuer.ensure_keys(db, settings, org)
    db.commit()
    web.sign_in(who)
    assert web.get("/orgs/riverbend/admin/issuer").status_code == 403
    assert web.get("/orgs/riverbend/admin/issuer/rotate").status_code == 403
    current = " ".join(k.key_id for k in issuer.ensure_keys(db, settings, org))
    rotate = web.post("/orgs/riverbend/admin/issuer/rotate", {"retire": current})
    assert rotate.status_code == 403
    db.expire_all()
    assert db.scalar(select(func.count()).where(SigningKey.retired_at.is_not(None))) == 0
    assert _events(db, "issuer.keys_rotated") == []
