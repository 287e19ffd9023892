"""Issuing: what we produce validates against the formal schema and verifies; tampering fails."""

from __future__ import annotations

import copy
import json
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any

import pytest
from conftest import NOW, FileFetcher

from badges import (
    DocumentKeyResolver,
    KeyPair,
    Profile,
    build_endorsement,
    did_document,
    did_key,
    did_key_method_id,
    issue,
    schema_errors,
    sign_data_integrity,
    status_entry,
    verify,
)
from badges.vcjwt import decode_unverified


def test_issued_credential_shape(unsigned: dict[str, Any]) -> None:
    assert unsigned["@context"] == [
        "https://www.w3.org/ns/credentials/v2",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json",
    ]
    assert unsigned["credentialSchema"][0]["type"] == "1EdTechJsonSchemaValidator2019"
    ident = unsigned["credentialSubject"]["identifier"][0]
    assert ident["identityHash"].startswith("sha256$")
    assert ident["salt"] == "pepper"
    assert "validFrom" in unsigned
    assert "issuanceDate" not in unsigned
    assert schema_errors(unsigned) == []


def test_data_integrity_credential_validates_and_verifies(
    unsigned: dict[str, Any], ed_key: KeyPair, clock: Callable[[], datetime], no_network: None
) -> None:
    signed = issue(unsigned, ed_key)
    assert isinstance(signed, dict)
    assert isinstance(signed["proof"], list)
    proof = signed["proof"][0]
    assert proof["cryptosuite"] == "eddsa-rdfc-2022"
    assert proof["proofPurpose"] == "assertionMethod"
    assert proof["created"].endswith("Z")
    assert schema_errors(signed) == []
    result = verify(signed, clock=clock, strict_schema=True, recipient="teacher@example.org")
    assert result.valid, result.to_json()["checks"]


@pytest.mark.parametrize("key_type", ["rsa", "p256", "ed25519"])
def test_jwt_credential_validates_and_verifies(
    unsigned: dict[str, Any], key_type: str, clock: Callable[[], datetime], no_network: None
) -> None:
    did = "did:web:laurel.example"
    key = KeyPair.generate(key_type, f"{did}#key-1")  # type: ignore[arg-type]
    token = issue(unsigned | {"issuer": unsigned["issuer"] | {"id": did}}, key, proof_format="jwt")
    assert isinstance(token, str)
    decoded = decode_unverified(token)
    assert decoded.header == {"alg": key.jwt_algorithm, "kid": key.id, "typ": "JWT"}
    claims = decoded.payload
    assert claims["iss"] == did
    assert claims["jti"] == unsigned["id"]
    assert claims["nbf"] == int((NOW - timedelta(days=1)).timestamp())
    assert claims["exp"] == int((NOW + timedelta(days=365)).timestamp())
    assert schema_errors(decoded.credential) == []
    docs = {"https://laurel.example/.well-known/did.json": did_document(did, [key])}
    result = verify(
        token, resolver=DocumentKeyResolver(FileFetcher(docs=docs)), clock=clock, strict_schema=True
    )
    assert result.valid, result.to_json()["checks"]
    assert result.format == "jwt"


def test_rsa_is_default_algorithm_for_rsa_keys() -> None:
    assert KeyPair.generate("rsa").jwt_algorithm == "RS256"


def test_endorsement_credential(ed_key: KeyPair, issuer_did: str, clock: Any) -> None:
    endorsement = build_endorsement(
        issuer=Profile(id=issuer_did, name="District"),
        subject_id="https://laurel.example/a/0",
        comment="Rigorous.",
        valid_from=NOW - timedelta(days=1),
    ).to_json()
    assert schema_errors(endorsement) == []
    signed = issue(endorsement, ed_key)
    assert isinstance(signed, dict)
    assert verify(signed, clock=clock, strict_schema=True).valid


def test_embedded_endorsements_are_verified(
    unsigned: dict[str, Any], ed_key: KeyPair, issuer_did: str, clock: Any
) -> None:
    endorsement = issue(
        build_endorsement(
            issuer=Profile(id=issuer_did, name="District"),
            subject_id=unsigned["id"],
            comment="Good.",
            valid_from=NOW - timedelta(days=1),
        ),
        ed_key,
    )
    cred = unsigned | {"endorsement": [endorsement]}
    signed = issue(cred, ed_key)
    result = verify(signed, clock=clock)
    assert result.valid
    assert len(result.endorsements) == 1
    assert result.endorsements[0].valid
    bad = copy.deepcopy(endorsement)
    assert isinstance(bad, dict)
    bad["credentialSubject"]["endorsementComment"] = "Bad."
    result = verify(issue(unsigned | {"endorsement": [bad]}, ed_key), clock=clock)
    check = result.check("endorsements")
    assert check is not None
    assert check.passed is False
    assert check.severity == "warning"


# ------------------------------------------------------------------ tampering


def _mutations() -> dict[str, Callable[[dict[str, Any]], None]]:
    def subj(c: dict[str, Any]) -> None:
        c["credentialSubject"]["identifier"][0]["identityHash"] = "sha256$" + "0" * 64

    def ach(c: dict[str, Any]) -> None:
        c["credentialSubject"]["achievement"]["name"] = "Something else"

    def crit(c: dict[str, Any]) -> None:
        c["credentialSubject"]["achievement"]["criteria"]["narrative"] = "Nothing."

    def purpose(c: dict[str, Any]) -> None:
        c["proof"][0]["proofPurpose"] = "authentication"

    def created(c: dict[str, Any]) -> None:
        c["proof"][0]["created"] = "2020-01-01T00:00:00Z"

    def truncate(c: dict[str, Any]) -> None:
        c["proof"][0]["proofValue"] = c["proof"][0]["proofValue"][:-5]

    def flip(c: dict[str, Any]) -> None:
        value = c["proof"][0]["proofValue"]
        c["proof"][0]["proofValue"] = value[:-3] + ("1" if value[-3] != "1" else "2") + value[-2:]

    def other_key(c: dict[str, Any]) -> None:
        other = KeyPair.generate()
        c["proof"][0]["verificationMethod"] = did_key_method_id(did_key(other))

    return {
        "name": lambda c: c.update(name="Forged"),
        "validFrom": lambda c: c.update(validFrom="2020-01-01T00:00:00Z"),
        "validUntil": lambda c: c.update(validUntil="2099-01-01T00:00:00Z"),
        "id": lambda c: c.update(id="urn:uuid:00000000-0000-0000-0000-000000000000"),
        "issuer name": lambda c: c["issuer"].update(name="Evil Academy"),
        "subject": subj,
        "achievement": ach,
        "criteria": crit,
        "purpose": purpose,
        "created": created,
        "truncated": truncate,
        "flipped": flip,
        "key": other_key,
        "added field": lambda c: c["credentialSubject"].update(extra="x"),
    }


@pytest.mark.parametrize("mutation", sorted(_mutations()))
def test_tampered_data_integrity_fails(
    mutation: str, unsigned: dict[str, Any], ed_key: KeyPair, clock: Any
) -> None:
    signed = issue(unsigned, ed_key)
    assert isinstance(signed, dict)
    _mutations()[mutation](signed)
    result = verify(signed, clock=clock)
    assert not result.valid
    # another key fails its binding to the issuer before any signature is checked
    assert ("issuer" if mutation == "key" else "proof") in result.failed


def test_issuer_swap_fails_binding(unsigned: dict[str, Any], ed_key: KeyPair, clock: Any) -> None:
    other = KeyPair.generate()
    other = other.with_id(did_key_method_id(did_key(ed_key)))  # claims our key id
    forged = unsigned | {"issuer": unsigned["issuer"] | {"id": did_key(KeyPair.generate())}}
    signed = sign_data_integrity(forged, ed_key)
    result = verify(signed, clock=clock)
    assert result.failed == ["issuer"]
    assert "proof" in verify(sign_data_integrity(unsigned, other), clock=clock).failed


@pytest.mark.parametrize("field", ["name", "iss", "jti", "sub", "exp", "nbf", "signature"])
def test_tampered_jwt_fails(
    field: str, unsigned: dict[str, Any], ed_key: KeyPair, clock: Any
) -> None:
    import base64

    token = issue(unsigned, ed_key, proof_format="jwt")
    assert isinstance(token, str)
    head, body, sig = token.split(".")
    if field == "signature":
        sig = sig[:-4]
    else:
        payload = json.loads(base64.urlsafe_b64decode(body + "=="))
        payload[field] = "tampered" if field != "exp" else 1
        body = base64.urlsafe_b64encode(json.dumps(payload).encode()).rstrip(b"=").decode()
    result = verify(f"{head}.{body}.{sig}", clock=clock)
    assert not result.valid
    assert "proof" in result.failed


def test_jwt_claims_mismatch_is_reported(
    unsigned: dict[str, Any], ed_key: KeyPair, clock: Any
) -> None:
    import jwt

    payload = unsigned | {"iss": "did:key:zSomeoneElse", "jti": unsigned["id"], "nbf": 0}
    token = jwt.encode(payload, ed_key.private_key, algorithm="EdDSA", headers={"kid": ed_key.id})
    result = verify(token, clock=clock)
    assert "claims" in result.failed


# ------------------------------------------------------------------ dates and status


def test_expired_and_not_yet_valid(unsigned: dict[str, Any], ed_key: KeyPair) -> None:
    signed = issue(unsigned, ed_key)
    late = verify(signed, clock=lambda: NOW + timedelta(days=400))
    early = verify(signed, clock=lambda: NOW - timedelta(days=30))
    assert late.failed == ["expiry"]
    assert early.failed == ["not-yet-valid"]


def test_rotated_key_keeps_verifying(unsigned: dict[str, Any], clock: Any) -> None:
    did = "did:web:laurel.example"
    old = KeyPair.generate(key_id=f"{did}#key-2025")
    new = KeyPair.generate(key_id=f"{did}#key-2026")
    cred = unsigned | {"issuer": unsigned["issuer"] | {"id": did}}
    signed = issue(cred, old)
    doc = did_document(did, current=[new], retired=[old])
    assert old.id in doc["assertionMethod"]
    assert old.id not in doc["authentication"]
    fetch = FileFetcher(docs={"https://laurel.example/.well-known/did.json": doc})
    assert verify(signed, resolver=DocumentKeyResolver(fetch), clock=clock).valid
    gone = did_document(did, current=[new])
    fetch = FileFetcher(docs={"https://laurel.example/.well-known/did.json": gone})
    result = verify(signed, resolver=DocumentKeyResolver(fetch), clock=clock)
    assert result.failed == ["proof"]  # a key dropped from the DID document no longer verifies
    assert "not in the did:web document" in result.check("proof").message  # type: ignore[union-attr]


def test_every_model_field_serializes_to_a_schema_valid_credential(
    ed_key: KeyPair, issuer_did: str
) -> None:
    from badges import (
        Achievement,
        Alignment,
        Criteria,
        Evidence,
        Image,
        Result,
        ResultDescription,
        build_credential,
    )

    achievement = Achievement(
        id="https://laurel.example/a/full",
        name="Full",
        description="All fields.",
        criteria=Criteria(id="https://laurel.example/a/full/criteria", narrative="# Do\\n- it"),
        achievement_type="Certificate",
        image=Image(id="https://laurel.example/i.png", caption="badge"),
        alignment=[
            Alignment(
                target_name="T",
                target_url="https://t.example/1",
                target_type="CFItem",
                target_code="1.A",
                target_framework="F",
                target_description="D",
            )
        ],
        result_description=[
            ResultDescription(
                id="urn:uuid:rd-1",
                name="Score",
                result_type="Percent",
                value_min="0",
                value_max="100",
            )
        ],
        credits_available=3,
        tag=["a", "b"],
        version="2",
        creator=Profile(id=issuer_did, name="Laurel"),
    )
    cred = build_credential(
        issuer=Profile(
            id=issuer_did,
            name="Laurel",
            email="badges@laurel.example",
            image=Image(id="https://laurel.example/logo.png"),
        ),
        achievement=achievement,
        recipient_email="x@y.org",
        recipient_id="did:example:x",
        evidence=[Evidence(id="https://e.example/1", name="E", description="d", narrative="n")],
        results=[Result(result_description="urn:uuid:rd-1", value="88", status="Completed")],
        status=status_entry("https://laurel.example/status/1", 12),
        valid_from=NOW,
        valid_until=NOW + timedelta(days=1),
    )
    data = cred.to_json()
    assert schema_errors(data) == []
    signed = issue(cred, ed_key)
    assert isinstance(signed, dict)
    assert schema_errors(signed) == []
    result = verify(signed, clock=lambda: NOW, strict_schema=True)
    assert result.failed == []


def test_schema_invalid_credentials_are_not_signed(
    unsigned: dict[str, Any], ed_key: KeyPair
) -> None:
    from badges import FormatError

    broken = copy.deepcopy(unsigned)
    del broken["credentialSubject"]["achievement"]["criteria"]
    with pytest.raises(FormatError, match="criteria"):
        issue(broken, ed_key)
    with pytest.raises(FormatError, match="criteria"):
        issue(broken, ed_key, proof_format="jwt")


def test_vc11_jwt_with_members_moved_into_claims(
    unsigned: dict[str, Any], ed_key: KeyPair, issuer_did: str
) -> None:
    import jwt

    vc = copy.deepcopy(unsigned)
    cred_id, subject_id = vc.pop("id"), "did:example:teacher"
    vc["@context"] = [
        "https://www.w3.org/2018/credentials/v1",
        "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json",
    ]
    vc.pop("validFrom")
    vc.pop("validUntil")
    vc.pop("credentialSchema")
    payload = {
        "vc": vc,
        "iss": issuer_did,
        "jti": cred_id,
        "sub": subject_id,
        "nbf": int((NOW - timedelta(days=1)).timestamp()),
        "exp": int((NOW + timedelta(days=1)).timestamp()),
    }
    token = jwt.encode(payload, ed_key.private_key, algorithm="EdDSA", headers={"kid": ed_key.id})
    result = verify(token, clock=lambda: NOW)
    assert result.valid, result.to_json()["checks"]
    assert result.legacy
    assert result.credential == vc  # the vc claim as signed; the checks read the claims
    assert verify(token, clock=lambda: NOW + timedelta(days=2)).failed == ["expiry"]
    assert verify(token, clock=lambda: NOW, recipient=subject_id).valid
