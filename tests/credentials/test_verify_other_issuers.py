"""Verifying credentials from other issuers: did:key offline; did:web and status lists over HTTP
from a local mirror; SSRF refusal; and "status unknown" rather than "not revoked"."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

from app.services.credentials.remote_documents import DocumentCache
from app.services.credentials.verification import verify_credential
from badges import (
    Achievement,
    Criteria,
    KeyPair,
    Profile,
    StatusList,
    build_credential,
    build_endorsement,
    did_document,
    did_key,
    did_key_method_id,
    did_web,
    issue,
    issue_status_list,
    status_entry,
)
from tests.fake_oidc import ServerThread, free_port

OTHER = "https://issuer.other-district.org"
NOW = datetime.now(UTC)


def unsigned(issuer_id: str, status: dict[str, Any] | None = None) -> dict[str, Any]:
    return build_credential(
        issuer=Profile(id=issuer_id, name="Other District"),
        achievement=Achievement(
            id=f"{OTHER}/achievements/1",
            name="Restorative Circles",
            description="Runs restorative circles.",
            criteria=Criteria(narrative="Do it."),
        ),
        recipient_email="ada@riverbend.org",
        valid_from=NOW - timedelta(days=1),
        status=status,
    ).to_json()


def codes(report) -> dict[str, Any]:
    return {c["code"]: c for c in report.checks}


def test_did_key_issuer_verifies_offline(db, settings) -> None:
    key = KeyPair.generate()
    did = did_key(key)
    signed = issue(unsigned(did), key.with_id(did_key_method_id(did)))
    report = verify_credential(db, settings, DocumentCache(0), signed, "ada@riverbend.org")
    assert report.valid, report.checks
    assert codes(report)["known-issuer"]["passed"] is None
    assert "not an organization on this Laurel" in codes(report)["known-issuer"]["message"]


class OtherIssuer:
    """Another district's server: its DID document and status list, served on loopback."""

    def __init__(self) -> None:
        self.did = did_web(f"{OTHER}/issuers/main")
        self.key = KeyPair.generate().with_id(f"{self.did}#key-1")
        self.bits = StatusList()
        self.list_url = f"{OTHER}/status/1"
        self.documents: dict[str, Any] = {
            "/issuers/main/did.json": did_document(self.did, current=[self.key]),
        }
        self.requests: list[str] = []
        self.sign_list()

    def sign_list(self) -> None:
        self.documents["/status/1"] = issue_status_list(
            self.list_url, self.did, self.bits, self.key
        )

    def app(self) -> Starlette:
        async def serve(request) -> JSONResponse:
            self.requests.append(request.url.path)
            document = self.documents.get(request.url.path)
            return JSONResponse(document, status_code=200 if document else 404)

        return Starlette(routes=[Route("/{path:path}", serve)])


@pytest.fixture(scope="module")
def other() -> Iterator[tuple[OtherIssuer, int]]:
    issuer = OtherIssuer()
    port = free_port()
    with ServerThread(issuer.app(), port):
        yield issuer, port


def test_did_web_issuer_resolved_through_a_mirror(db, settings, other) -> None:
    issuer, port = other
    settings.verify_mirrors = {OTHER: f"http://127.0.0.1:{port}"}
    credential = issue(unsigned(issuer.did, status_entry(issuer.list_url, 7)), issuer.key)
    report = verify_credential(db, settings, DocumentCache(0), credential)
    assert report.valid, report.checks
    assert codes(report)["status"]["state"] == "active"

    issuer.bits.set(7)
    issuer.sign_list()
    report = verify_credential(db, settings, DocumentCache(0), credential)
    assert not report.valid
    assert codes(report)["status"]["state"] == "revoked"
    issuer.bits.clear(7)
    issuer.sign_list()


def test_unreachable_status_list_is_unknown_not_active(db, settings, other) -> None:
    issuer, port = other
    settings.verify_mirrors = {OTHER: f"http://127.0.0.1:{port}"}
    credential = issue(unsigned(issuer.did, status_entry(f"{OTHER}/status/404", 3)), issuer.key)
    report = verify_credential(db, settings, DocumentCache(0), credential)
    status = codes(report)["status"]
    assert status["passed"] is None
    assert status["state"] == "unknown"
    assert report.verdict == "indeterminate"
    assert not report.valid


def test_private_addresses_are_refused_without_the_setting(db, settings, other) -> None:
    issuer, port = other
    local_did = did_web(f"https://127.0.0.1:{port}/issuers/main")
    key = issuer.key.with_id(f"{local_did}#key-1")
    credential = issue(unsigned(local_did), key)
    report = verify_credential(db, settings, DocumentCache(0), credential)
    assert not report.valid
    messages = " ".join(c["message"] for c in report.checks)
    assert "refused 127.0.0.1: a loopback address" in messages


def test_oversized_documents_are_refused(db, settings, other) -> None:
    issuer, port = other
    settings.verify_mirrors = {OTHER: f"http://127.0.0.1:{port}"}
    settings.verify_max_response_bytes = 100
    credential = issue(unsigned(issuer.did), issuer.key)
    report = verify_credential(db, settings, DocumentCache(0), credential)
    assert not report.valid
    assert "larger than 100 bytes" in " ".join(c["message"] for c in report.checks)


def test_one_verification_fetches_at_most_its_cap(db, settings, other) -> None:
    """Five endorsements by five did:web endorsers and a cap of three fetches: the issuer's and
    two endorsers' DID documents are fetched, nothing more; three endorsements stay unchecked."""
    issuer, port = other
    settings.verify_mirrors = {OTHER: f"http://127.0.0.1:{port}"}
    settings.verify_max_fetches = 3
    credential = unsigned(issuer.did)
    endorsements = []
    for i in range(5):
        did = did_web(f"{OTHER}/endorsers/{i}")
        key = KeyPair.generate().with_id(f"{did}#key-1")
        issuer.documents[f"/endorsers/{i}/did.json"] = did_document(did, current=[key])
        about = build_endorsement(
            issuer=Profile(id=did, name=f"Endorser {i}"),
            subject_id=credential["id"],
            comment="Sound practice.",
            valid_from=NOW - timedelta(days=1),
        )
        endorsements.append(issue(about, key))
    credential["endorsement"] = endorsements
    issuer.requests.clear()
    report = verify_credential(db, settings, DocumentCache(0), issue(credential, issuer.key))
    assert issuer.requests == [
        "/issuers/main/did.json",
        "/endorsers/0/did.json",
        "/endorsers/1/did.json",
    ]
    assert report.valid, report.checks  # the credential itself verified
    assert codes(report)["endorsements"]["message"] == (
        "2 of 5 endorsements verify (see endorsements)"
    )
