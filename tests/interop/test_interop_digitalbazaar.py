"""Interop with Digital Bazaar's JavaScript libraries (@digitalbazaar/vc, eddsa-rdfc-2022)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from nodejs import did_key_documents, require_node, run_job

from badges import (
    Achievement,
    Criteria,
    Evidence,
    KeyPair,
    Profile,
    build_credential,
    did_key,
    did_key_method_id,
    issue,
    verify,
)
from badges.keys import private_multikey_encode

NOW = datetime.now(UTC).replace(microsecond=0)


@pytest.fixture(autouse=True)
def _node() -> None:
    require_node()


def _credential(issuer: str, n: int) -> dict[str, Any]:
    return build_credential(
        issuer=Profile(id=issuer, name=f"Issuer {n}", url="https://laurel.example/"),
        achievement=Achievement(
            id=f"https://laurel.example/a/{n}",
            name=f"Badge {n} ✓",
            description='Ünïcode and "quotes".',
            criteria=Criteria(narrative=f"Step {n}\n\n* a\n* b"),
            achievement_type="Badge",
        ),
        recipient_email=f"teacher{n}@example.org",
        evidence=[Evidence(id=f"https://laurel.example/e/{n}", narrative="portfolio")],
        valid_from=NOW - timedelta(hours=1),
        valid_until=NOW + timedelta(days=n + 1),
    ).to_json()


def test_our_credentials_verify_with_digital_bazaar() -> None:
    key = KeyPair.generate()
    did = did_key(key)
    signed = [issue(_credential(did, n), key.with_id(did_key_method_id(did))) for n in range(5)]
    answers = run_job(
        {"mode": "verify", "credentials": signed, "documents": did_key_documents(did)}
    )
    assert [a["verified"] for a in answers] == [True] * 5, answers
    tampered = dict(signed[0]) | {"name": "Forged"}  # type: ignore[operator]
    assert not run_job(
        {"mode": "verify", "credentials": [tampered], "documents": did_key_documents(did)}
    )[0]["verified"]


def test_digital_bazaar_credentials_verify_with_ours() -> None:
    key = KeyPair.generate()
    did = did_key(key)
    from cryptography.hazmat.primitives.asymmetric import ed25519

    assert isinstance(key.private_key, ed25519.Ed25519PrivateKey)
    signed = run_job(
        {
            "mode": "sign",
            "credentials": [_credential(did, n) for n in range(5)],
            "controller": did,
            "publicKeyMultibase": key.multikey(),
            "privateKeyMultibase": private_multikey_encode(key.private_key),
        }
    )
    assert len(signed) == 5
    for cred in signed:
        assert cred["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
        result = verify(cred)
        assert result.valid, result.to_json()["checks"]
        assert result.check("schema-formal") is not None  # DB emits a single proof object


def test_retired_did_web_key_still_verifies_in_digital_bazaar() -> None:
    from badges import did_document

    did = "did:web:laurel.example"
    old = KeyPair.generate(key_id=f"{did}#key-2025")
    new = KeyPair.generate(key_id=f"{did}#key-2026")
    doc = did_document(did, current=[new], retired=[old])
    documents: dict[str, Any] = {did: doc}
    for method in doc["verificationMethod"]:
        documents[method["id"]] = {"@context": doc["@context"], **method}
    signed = issue(_credential(did, 1), old)
    answer = run_job({"mode": "verify", "credentials": [signed], "documents": documents})
    assert answer[0]["verified"], answer
    doc_without = did_document(did, current=[new])
    documents[did] = doc_without
    answer = run_job({"mode": "verify", "credentials": [signed], "documents": documents})
    assert not answer[0]["verified"]  # dropped from assertionMethod: other verifiers refuse it


def test_our_endorsements_and_status_lists_verify_with_digital_bazaar() -> None:
    from badges import StatusList, build_endorsement, issue_status_list

    key = KeyPair.generate()
    did = did_key(key)
    key = key.with_id(did_key_method_id(did))
    endorsement = issue(
        build_endorsement(
            issuer=Profile(id=did, name="District"),
            subject_id="https://laurel.example/a/1",
            comment="Rigorous and well aligned.",
            valid_from=NOW - timedelta(hours=1),
        ),
        key,
    )
    bits = StatusList()
    bits.set(42)
    status_list = issue_status_list("https://laurel.example/status/1", did, bits, key)
    answers = run_job(
        {
            "mode": "verify",
            "credentials": [endorsement, status_list],
            "documents": did_key_documents(did),
        }
    )
    assert [a["verified"] for a in answers] == [True, True], answers
