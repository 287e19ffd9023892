"""Running the other implementations on a credential issued by an organization of ours."""

from __future__ import annotations

import os
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from sqlalchemy.orm import Session

from app.models import Organization
from app.services.credentials import issuer
from app.settings import Settings
from badges import jwk_to_public_key
from tests.interop.nodejs import require_node, run_job


def openbadgeslib_issuer(db: Session, settings: Settings, org: Organization, jwt: str) -> str:
    """The issuer id openbadgeslib reads from our VC-JWT after verifying it with the org's key."""
    try:
        from openbadgeslib import ob3
    except ImportError:
        if os.environ.get("CI") == "true":
            raise
        pytest.skip("openbadgeslib (dev extra) is not installed")
    jwks = issuer.jwks_for(db, settings, [org])
    pem = jwk_to_public_key(jwks["keys"][0]).public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return str(ob3.OB3Verifier(pem).verify(jwt).issuer.id)


def digital_bazaar_answer(
    db: Session, settings: Settings, org: Organization, credential: dict[str, Any]
) -> dict[str, Any]:
    """Digital Bazaar's verdict on our Data Integrity proof, the org's DID document given."""
    require_node()
    document = issuer.did_document_for(db, settings, org)
    documents = {document["id"]: document}
    for method in document["verificationMethod"]:
        documents[method["id"]] = {"@context": "https://w3id.org/security/multikey/v1", **method}
    answer: dict[str, Any] = run_job(
        {"mode": "verify", "documents": documents, "credentials": [credential]}
    )[0]
    return answer
