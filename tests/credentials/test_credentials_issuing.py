"""Issuing: issuer identity, both signed forms, idempotency, revocation, expiry, key rotation."""

from __future__ import annotations

import copy
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.db import utcnow
from app.kit.outbound import verification_fetcher
from app.models import AuditEvent, IssuedCredential, Role, SigningKey
from app.services.credentials import issuer
from app.services.credentials.remote_documents import DocumentCache, RemoteDocuments
from app.services.credentials.verification import verify_credential
from badges import DocumentKeyResolver, schema_errors
from badges.dataintegrity import verify_data_integrity
from tests.credentials_support import issue_to
from tests.support import WebClient, make_org, make_user


@pytest.fixture
def world(db):
    org = make_org(db)
    admin = make_user(db, "boss@riverbend.org", org=org, role=Role.ADMIN)
    teacher = make_user(db, "ada@riverbend.org", org=org)
    return org, admin, teacher


def check(db, settings, data, email=None):
    return verify_credential(db, settings, DocumentCache(0), data, email)


def codes(report) -> dict[str, object]:
    return {c["code"]: c["passed"] for c in report.checks}


def test_issuer_documents_are_served(web: WebClient, db, settings, world) -> None:
    org, _, _ = world
    did = issuer.org_did(settings, org)
    assert did == "did:web:testserver:orgs:riverbend"
    document = web.get("/orgs/riverbend/did.json").json()
    assert document["id"] == did
    assert len(document["assertionMethod"]) == 2
    types = {m["type"] for m in document["verificationMethod"]}
    assert types == {"Multikey", "JsonWebKey"}
    jwks = web.get("/.well-known/jwks.json").json()
    assert [k["kty"] for k in jwks["keys"]] == ["RSA"]
    assert "d" not in jwks["keys"][0]
    profile = web.get("/orgs/riverbend/profile").json()
    assert profile["id"] == did
    assert profile["name"] == org.name
    assert web.get("/orgs/atlantis/did.json").status_code == 404


def test_private_keys_are_encrypted_at_rest(db, settings, world) -> None:
    issue_to(db, settings, world[0], world[2])
    keys = db.scalars(select(SigningKey)).all()
    assert sorted(k.algorithm for k in keys) == sorted(issuer.ALGORITHMS)
    for key in keys:
        assert '"d"' not in key.private_key_encrypted
        assert "privateJwk" not in key.private_key_encrypted


def test_issued_credential_verifies_in_both_forms(db, settings, world) -> None:
    org, _, teacher = world
    row = issue_to(db, settings, org, teacher)
    document = row.credential_json
    assert document["@context"][:2] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
    ]
    assert document["id"] == f"http://testserver/credentials/{row.id}"
    assert document["credentialStatus"]["type"] == "BitstringStatusListEntry"
    assert document["proof"][0]["cryptosuite"] == "eddsa-rdfc-2022"
    assert schema_errors(document) == []  # the formal 1EdTech schema
    subject = document["credentialSubject"]
    assert subject["identifier"][0]["identityHash"].startswith("sha256$")
    assert "ada@riverbend.org" not in str(document)
    for form in (document, row.credential_jwt):
        report = check(db, settings, form, email="ada@riverbend.org")
        assert report.valid, report.checks
        assert codes(report)["known-issuer"] is True
        assert codes(report)["status"] is True
        assert codes(report)["recipient"] is True
    assert codes(check(db, settings, document, email="someone@else.org"))["recipient"] is False


def test_issuing_is_idempotent(db, settings, world) -> None:
    org, _, teacher = world
    first = issue_to(db, settings, org, teacher, key="award:42")
    again = issue_to(db, settings, org, teacher, key="award:42")
    assert again.id == first.id
    assert db.scalar(select(func.count()).select_from(IssuedCredential)) == 1


def test_status_indexes_are_distinct_and_scrambled(db, settings, world) -> None:
    org, _, teacher = world
    rows = [issue_to(db, settings, org, teacher, name=f"Badge {n}") for n in range(5)]
    indexes = [r.status_index for r in rows]
    assert len(set(indexes)) == 5
    assert indexes != sorted(indexes) or indexes[0] != 0


def test_tampering_is_detected(db, settings, world) -> None:
    org, _, teacher = world
    row = issue_to(db, settings, org, teacher)
    forged = copy.deepcopy(row.credential_json)
    forged["credentialSubject"]["achievement"]["name"] = "Principal Certification"
    report = check(db, settings, forged)
    assert not report.valid
    assert codes(report)["proof"] is False
    head, payload, signature = row.credential_jwt.split(".")
    assert not check(db, settings, f"{head}.{payload}.{signature[:-4]}").valid


def test_expired_credential_is_reported_expired(db, settings, world) -> None:
    org, _, teacher = world
    row = issue_to(db, settings, org, teacher, valid_until=utcnow() - timedelta(seconds=1))
    report = check(db, settings, row.credential_json)
    assert not report.valid
    assert codes(report)["expiry"] is False
    assert row.state == "expired"


def test_admin_revokes_and_verifiers_see_it(web: WebClient, db, settings, world) -> None:
    org, _, teacher = world
    row = issue_to(db, settings, org, teacher)
    web.sign_in("boss@riverbend.org")
    missing = web.post(f"/orgs/riverbend/credentials/{row.id}/revoke", {"reason": " "})
    assert missing.status_code == 422
    assert "Say why" in missing.text
    done = web.post(f"/orgs/riverbend/credentials/{row.id}/revoke", {"reason": "Plagiarism"})
    assert done.status_code == 303
    db.expire_all()
    report = check(db, settings, row.credential_json)
    assert not report.valid
    status = next(c for c in report.checks if c["code"] == "status")
    assert status["state"] == "revoked"
    status_list = web.get("/status/riverbend/1").json()
    documents = RemoteDocuments(db, settings, DocumentCache(0), verification_fetcher(settings))
    signed = verify_data_integrity(status_list, DocumentKeyResolver(documents))
    assert (signed.valid, signed.key is not None) == (True, True)  # the list verifies
    again = web.post(f"/orgs/riverbend/credentials/{row.id}/revoke", {"reason": "Twice"})
    assert again.status_code == 409
    revoked = select(func.count()).where(AuditEvent.action == "credential.revoked")
    assert db.scalar(revoked) == 1


def test_only_the_issuing_admins_revoke(web: WebClient, db, settings, world) -> None:
    org, _, teacher = world
    row = issue_to(db, settings, org, teacher)
    lakeside = make_org(db, "lakeside")
    make_user(db, "boss@lakeside.org", org=lakeside, role=Role.ADMIN)
    make_user(db, "coach@riverbend.org", org=org, role=Role.COACH)
    for who, path_org, status in (
        ("ada@riverbend.org", "riverbend", 403),
        ("coach@riverbend.org", "riverbend", 403),
        ("boss@lakeside.org", "riverbend", 403),
        ("boss@lakeside.org", "lakeside", 404),
    ):
        web.client.cookies.clear()
        web.sign_in(who)
        response = web.post(f"/orgs/{path_org}/credentials/{row.id}/revoke", {"reason": "x"})
        assert response.status_code == status, who
    db.expire_all()
    assert db.get(IssuedCredential, row.id).revoked_at is None


def test_key_rotation_keeps_earlier_credentials_valid(web: WebClient, db, settings, world) -> None:
    org, _, teacher = world
    before = issue_to(db, settings, org, teacher, name="Before rotation")
    issuer.rotate_keys(db, settings, org, None)
    db.commit()
    after = issue_to(db, settings, org, teacher, name="After rotation")
    assert (
        before.credential_json["proof"][0]["verificationMethod"]
        != (after.credential_json["proof"][0]["verificationMethod"])
    )
    document = web.get("/orgs/riverbend/did.json").json()
    assert len(document["assertionMethod"]) == 4
    assert before.credential_json["proof"][0]["verificationMethod"] in document["assertionMethod"]
    assert len(document["authentication"]) == 2
    for row in (before, after):
        assert check(db, settings, row.credential_json).valid
        assert check(db, settings, row.credential_jwt).valid


def test_recipient_did_is_named_when_given(web: WebClient, db, settings, world) -> None:
    org, _, teacher = world
    web.sign_in("ada@riverbend.org")
    bad = web.post("/account/did", {"did": "not a did"})
    assert bad.status_code == 422
    assert "did:key" in bad.text
    did = "did:key:z6MkgVPweLmBGA2KW8TaUPaKCYmcbYpjyj79cK79eLTc1zm5"
    assert web.post("/account/did", {"did": did}).status_code == 303
    db.refresh(teacher)
    row = issue_to(db, settings, org, teacher)
    subject = row.credential_json["credentialSubject"]
    assert subject["id"] == did
    assert subject["identifier"][0]["identityType"] == "emailAddress"
    report = check(db, settings, row.credential_jwt, email=did)
    assert codes(report)["recipient"] is True


def test_credential_signed_with_a_key_the_issuer_never_published(db, settings, world) -> None:
    from badges import KeyPair, issue

    org, _, teacher = world
    row = issue_to(db, settings, org, teacher)
    did = issuer.org_did(settings, org)
    impostor = KeyPair.generate().with_id(f"{did}#key-not-published")
    unsigned = {k: v for k, v in row.credential_json.items() if k != "proof"}
    forged = issue(unsigned, impostor)
    report = check(db, settings, forged)
    assert not report.valid
    failed = {c["code"] for c in report.checks if c["passed"] is False}
    assert failed & {"proof", "issuer"}
    rsa_impostor = KeyPair.generate("rsa").with_id(f"{did}#key-not-published")
    assert not check(db, settings, issue(unsigned, rsa_impostor, proof_format="jwt")).valid
