"""VC-JWT registered claims (OB 3.0 §8.2.4): exp, nbf, iss, jti and sub stand for validUntil,
validFrom, issuer, id and credentialSubject.id. The tokens are signed by another
implementation, openbadgeslib (``OB3Signer.sign_payload``, EdDSA with the key in the ``jwk``
header; the issuer is that key's did:key), with the claims each test needs."""

from __future__ import annotations

import os
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization

from badges import KeyPair, did_key, verify
from badges.vcjwt import REGISTERED_CLAIMS

try:
    from openbadgeslib import ob3
except ImportError:  # pragma: no cover - exercised only where the dev extra is absent
    if os.environ.get("CI") == "true":
        raise
    pytest.skip("openbadgeslib (dev extra) is not installed", allow_module_level=True)

NOW = datetime(2026, 11, 24, 12, tzinfo=UTC)  # issued and verified with this clock
SUBJECT = "did:example:teacher"


def _at(moment: datetime) -> int:
    return int(moment.timestamp())


class Issuer:
    """openbadgeslib signing JWT payloads with an Ed25519 key whose did:key is the issuer."""

    def __init__(self) -> None:
        key = KeyPair.generate()
        self.did = did_key(key)
        pem = key.private_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
        self.signer = ob3.OB3Signer(pem, algorithm="EdDSA")

    def payload(self, valid_until: datetime | None = NOW + timedelta(days=30)) -> dict[str, Any]:
        credential = ob3.OpenBadgeCredential(
            issuer=ob3.Issuer(id=self.did, name="Other Issuer"),
            recipient_id=SUBJECT,
            achievement=ob3.Achievement(
                id="https://other.example/a/1",
                name="Numeracy",
                description="Numeracy.",
                criteria_narrative="Do maths.",
            ),
            issuance_date=NOW - timedelta(hours=1),
            expiration_date=valid_until,
        )
        payload: dict[str, Any] = credential.to_jwt_payload()
        return payload

    def sign(self, payload: dict[str, Any]) -> str:
        token: str = self.signer.sign_payload(payload)
        return token


@pytest.fixture
def issuer() -> Issuer:
    return Issuer()


def _message(result: Any, code: str) -> str:
    check = result.check(code)
    assert check is not None, result.to_json()["checks"]
    return str(check.message)


def test_their_token_verifies_and_returns_the_credential_without_the_claims(
    issuer: Issuer,
) -> None:
    payload = issuer.payload()
    assert REGISTERED_CLAIMS & payload.keys() == {"iss", "sub", "jti", "nbf", "exp"}
    result = verify(issuer.sign(payload), clock=lambda: NOW)
    assert result.valid, result.to_json()["checks"]
    assert _message(result, "claims") == "JWT claims match"
    assert result.credential == {k: v for k, v in payload.items() if k not in REGISTERED_CLAIMS}


def test_a_past_exp_expires_a_credential_without_valid_until(issuer: Issuer) -> None:
    payload = issuer.payload(valid_until=None) | {"exp": _at(NOW - timedelta(minutes=5))}
    assert "validUntil" not in payload
    result = verify(issuer.sign(payload), clock=lambda: NOW)
    assert result.failed == ["expiry"]
    assert _message(result, "expiry") == "expired at 2026-11-24T11:55:00Z"
    assert result.credential is not None
    assert "validUntil" not in result.credential  # returned as signed


def test_a_future_nbf_is_not_yet_valid_even_without_valid_from(issuer: Issuer) -> None:
    payload = issuer.payload() | {"nbf": _at(NOW + timedelta(hours=2))}
    del payload["validFrom"]
    result = verify(issuer.sign(payload), clock=lambda: NOW)
    assert result.failed == ["not-yet-valid"]
    assert _message(result, "not-yet-valid") == "not valid until 2026-11-24T14:00:00Z"


def _shifted(claim: str, delta: timedelta) -> Callable[[dict[str, Any]], None]:
    return lambda p: p.update({claim: p[claim] + int(delta.total_seconds())})


DISAGREEMENTS: dict[str, tuple[Callable[[dict[str, Any]], None], list[str], str]] = {
    "iss": (
        lambda p: p.update(iss="did:example:someone-else"),
        ["claims"],
        "iss is 'did:example:someone-else' but the credential says 'did:key:",
    ),
    "jti": (
        lambda p: p.update(jti="urn:uuid:00000000-0000-0000-0000-000000000000"),
        ["claims"],
        "jti is 'urn:uuid:00000000-0000-0000-0000-000000000000' but the credential says 'urn:",
    ),
    "sub": (
        lambda p: p.update(sub="did:example:another-teacher"),
        ["claims"],
        f"sub is 'did:example:another-teacher' but the credential says '{SUBJECT}'",
    ),
    "nbf": (
        _shifted("nbf", timedelta(hours=3)),  # later than validFrom, and in the future
        ["claims", "not-yet-valid"],
        "nbf is 1795528800 but the credential says 2026-11-24T11:00:00Z",
    ),
    "exp": (
        lambda p: p.update(exp=_at(NOW - timedelta(days=1))),  # validUntil is in 30 days
        ["claims", "expiry"],
        "exp is 1795435200 but the credential says 2026-12-24T12:00:00Z",
    ),
}


@pytest.mark.parametrize("claim", sorted(DISAGREEMENTS))
def test_a_claim_that_disagrees_with_the_credential_fails_with_its_reason(
    claim: str, issuer: Issuer
) -> None:
    change, failed, reason = DISAGREEMENTS[claim]
    payload = issuer.payload()
    change(payload)
    result = verify(issuer.sign(payload), clock=lambda: NOW)
    assert result.check("proof").passed is True  # type: ignore[union-attr]
    assert sorted(result.failed) == failed
    assert reason in _message(result, "claims")


def test_the_vc_claim_form_returns_the_vc_claim_and_honours_the_claims(issuer: Issuer) -> None:
    full = issuer.payload(valid_until=None)
    vc = {k: v for k, v in full.items() if k not in REGISTERED_CLAIMS | {"id", "validFrom"}}
    claims = {k: full[k] for k in ("iss", "sub", "jti", "nbf")}
    token = issuer.sign({"vc": vc, **claims, "exp": _at(NOW + timedelta(days=1))})
    result = verify(token, clock=lambda: NOW, recipient=SUBJECT)
    assert result.valid, result.to_json()["checks"]
    assert result.legacy
    assert result.credential == vc
    late = verify(token, clock=lambda: NOW + timedelta(days=2))
    assert late.failed == ["expiry"]
