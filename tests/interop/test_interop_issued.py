"""Credentials issued through the app verify in other implementations, not only in ours."""

from __future__ import annotations

import os

import pytest
from cryptography.hazmat.primitives import serialization

from app.models import Role
from app.services import issuer
from badges import jwk_to_public_key
from tests.credentials_support import issue_to
from tests.interop.nodejs import require_node, run_job
from tests.support import make_org, make_user


@pytest.fixture
def issued(db, settings):
    org = make_org(db)
    make_user(db, "boss@riverbend.org", org=org, role=Role.ADMIN)
    teacher = make_user(db, "ada@riverbend.org", org=org)
    return issue_to(db, settings, org, teacher)


def test_openbadgeslib_verifies_our_vc_jwt(db, settings, issued) -> None:
    try:
        from openbadgeslib import ob3
    except ImportError:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip("openbadgeslib (dev extra) is not installed")
    jwks = issuer.jwks_for(db, settings, [issued.organization])
    pem = jwk_to_public_key(jwks["keys"][0]).public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    credential = ob3.OB3Verifier(pem).verify(issued.credential_jwt)
    assert credential.issuer.id == issuer.org_did(settings, issued.organization)


def test_digital_bazaar_verifies_our_data_integrity_proof(db, settings, issued) -> None:
    require_node()
    document = issuer.did_document_for(db, settings, issued.organization)
    documents = {document["id"]: document}
    for method in document["verificationMethod"]:
        documents[method["id"]] = {"@context": "https://w3id.org/security/multikey/v1", **method}
    answer = run_job(
        {"mode": "verify", "documents": documents, "credentials": [issued.credential_json]},
    )
    assert answer[0]["verified"] is True, answer
