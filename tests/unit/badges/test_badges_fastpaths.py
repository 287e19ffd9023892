"""The optimized paths accept and reject exactly what the libraries' own paths do."""

from __future__ import annotations

import base64
import json

import pytest
from conftest import DB
from hypothesis import given, settings
from hypothesis import strategies as st
from jwt.api_jws import PyJWS
from jwt.exceptions import DecodeError

from badges import (
    DocumentKeyResolver,
    KeyPair,
    ProofError,
    did_key,
    did_key_method_id,
    issue,
    public_jwk,
)
from badges.vcjwt import _FastJWS, verify_jwt_signature

segments = (
    st.binary(max_size=64).map(base64.urlsafe_b64encode)
    | st.text("ABCabc012_-=+/!. ", max_size=40).map(str.encode)
    | st.from_regex(rb"\A[A-Za-z0-9_-]{0,13}={0,3}\Z")  # every tail length and bit pattern
)


def _outcome(fn: object, seg: bytes) -> object:
    try:
        return fn(seg, "x")  # type: ignore[operator]
    except DecodeError as exc:
        return str(exc)


@settings(max_examples=1500, deadline=None)
@given(segments)
def test_fast_base64url_check_matches_pyjwt(seg: bytes) -> None:
    assert _outcome(_FastJWS._decode_base64url_segment, seg) == _outcome(
        PyJWS._decode_base64url_segment, seg
    )


def test_jwt_signature_check_matches_pyjwt_decode(unsigned: dict[str, object]) -> None:
    key = KeyPair.generate("p256")
    did = "did:web:x.example"
    token = issue(
        unsigned | {"issuer": {"id": did, "type": ["Profile"], "name": "X"}},
        key.with_id(f"{did}#k"),
        proof_format="jwt",
    )
    assert isinstance(token, str)
    resolver = DocumentKeyResolver(
        documents={
            "https://x.example/.well-known/did.json": {
                "id": did,
                "verificationMethod": [
                    {
                        "id": f"{did}#k",
                        "type": "JsonWebKey",
                        "controller": did,
                        "publicKeyJwk": public_jwk(key.public_key),
                    }
                ],
                "assertionMethod": [f"{did}#k"],
            }
        }
    )
    verify_jwt_signature(token, resolver)
    PyJWS().decode(token, key.public_key, algorithms=["ES256"])
    head, body, sig = token.split(".")
    bad = f"{head}.{body}.{sig[:10]}{'A' if sig[10] != 'A' else 'B'}{sig[11:]}"
    with pytest.raises(ProofError):
        verify_jwt_signature(bad, resolver)
    with pytest.raises(Exception, match="Signature verification failed"):
        PyJWS().decode(bad, key.public_key, algorithms=["ES256"])


def test_algorithm_must_match_key_type(unsigned: dict[str, object]) -> None:
    import jwt

    ed = KeyPair.generate()
    did = did_key(ed)
    token = jwt.encode(
        unsigned,
        "secret-but-long-enough-for-hmac-sha256!",
        algorithm="HS256",
        headers={"kid": did_key_method_id(did)},
    )
    with pytest.raises(ProofError, match="not accepted"):
        verify_jwt_signature(token, DocumentKeyResolver())
    rsa = KeyPair.generate("rsa")
    token = jwt.encode(
        unsigned, rsa.private_key, algorithm="RS256", headers={"kid": did_key_method_id(did)}
    )
    with pytest.raises(ProofError, match="does not match"):
        verify_jwt_signature(token, DocumentKeyResolver())


def test_resolver_memo_reparses_a_new_document() -> None:
    doc = (DB / "web" / ".well-known" / "did.json").read_text()
    first, second = json.loads(doc), json.loads(doc)
    second["verificationMethod"][0]["publicKeyMultibase"] = KeyPair.generate().multikey()
    r1 = DocumentKeyResolver(documents={"https://issuer.example.org/.well-known/did.json": first})
    r2 = DocumentKeyResolver(documents={"https://issuer.example.org/.well-known/did.json": second})
    k1 = r1.resolve_method("did:web:issuer.example.org#key-1")
    k2 = r2.resolve_method("did:web:issuer.example.org#key-1")
    assert k1.public_key != k2.public_key
    assert r1.resolve_method("did:web:issuer.example.org#key-1") is k1
