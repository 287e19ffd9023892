"""did:key and did:web identifiers, DID documents and JWKS documents (offline)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from urllib.parse import quote, unquote, urlsplit

from cryptography.hazmat.primitives.asymmetric import ed25519

from badges.errors import KeyMaterialError, ResolutionError
from badges.keys import (
    KeyPair,
    PublicKey,
    jwk_to_public_key,
    multikey_decode,
    multikey_encode,
    public_jwk,
)

DID_CONTEXTS = ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"]
JWK_CONTEXT = "https://w3id.org/security/jwk/v1"


def did_key(key: KeyPair | ed25519.Ed25519PublicKey) -> str:
    """The ``did:key`` of an Ed25519 key."""
    mk = key.multikey() if isinstance(key, KeyPair) else multikey_encode(key)
    return f"did:key:{mk}"


def did_key_method_id(did: str) -> str:
    """The verification-method id of a did:key (``did:key:z…#z…``)."""
    return f"{did}#{did.removeprefix('did:key:')}"


def resolve_did_key(did: str) -> dict[str, Any]:
    """Build the DID document of an Ed25519 ``did:key`` without any I/O."""
    did = did.split("#", 1)[0]
    if not did.startswith("did:key:"):
        raise ResolutionError(f"not a did:key: {did}")
    try:
        multikey_decode(did.removeprefix("did:key:"))
    except KeyMaterialError as exc:
        raise ResolutionError(f"unsupported did:key: {exc}") from exc
    vm_id = did_key_method_id(did)
    method = {
        "id": vm_id,
        "type": "Multikey",
        "controller": did,
        "publicKeyMultibase": did.removeprefix("did:key:"),
    }
    return {
        "@context": DID_CONTEXTS,
        "id": did,
        "verificationMethod": [method],
        "authentication": [vm_id],
        "assertionMethod": [vm_id],
    }


def did_web(url: str) -> str:
    """The did:web for an HTTPS URL (``https://h:8443/orgs/x`` → ``did:web:h%3A8443:orgs:x``)."""
    parts = urlsplit(url)
    if parts.scheme != "https" or not parts.hostname:
        raise ResolutionError("did:web needs an https URL with a host")
    host = quote(parts.netloc, safe="")
    path = [quote(p, safe="") for p in parts.path.strip("/").split("/") if p]
    return ":".join(["did:web", host, *path])


def did_web_url(did: str) -> str:
    """The HTTPS URL a did:web resolves to (``/.well-known/did.json`` without a path)."""
    did = did.split("#", 1)[0]
    if not did.startswith("did:web:"):
        raise ResolutionError(f"not a did:web: {did}")
    segments = did.removeprefix("did:web:").split(":")
    host = unquote(segments[0])
    if not host or "/" in host or "@" in host:
        raise ResolutionError(f"invalid did:web host in {did}")
    path = "/".join(unquote(s) for s in segments[1:])
    return f"https://{host}/{path}/did.json" if path else f"https://{host}/.well-known/did.json"


def verification_method(
    controller: str, key: KeyPair, fragment: str | None = None
) -> dict[str, Any]:
    """A verification method entry: Multikey for Ed25519, JsonWebKey otherwise."""
    vm_id = key.id or f"{controller}#{fragment or _default_fragment(key)}"
    if key.type == "ed25519":
        return {
            "id": vm_id,
            "type": "Multikey",
            "controller": controller,
            "publicKeyMultibase": key.multikey(),
        }
    return {
        "id": vm_id,
        "type": "JsonWebKey",
        "controller": controller,
        "publicKeyJwk": public_jwk(key.public_key),
    }


def _default_fragment(key: KeyPair) -> str:
    if key.type == "ed25519":
        return key.multikey()
    return f"key-{public_jwk(key.public_key)['kty'].lower()}"


def did_document(
    did: str,
    current: Iterable[KeyPair],
    retired: Iterable[KeyPair] = (),
) -> dict[str, Any]:
    """A DID document: current keys authenticate; current and retired keys stay assertion keys.

    Retired (rotated) keys remain under ``assertionMethod`` so credentials they signed keep
    verifying; revoke such credentials through the status list instead.
    """
    cur = [verification_method(did, k) for k in current]
    old = [verification_method(did, k) for k in retired]
    if not cur:
        raise KeyMaterialError("a DID document needs at least one current key")
    return {
        "@context": [*DID_CONTEXTS, JWK_CONTEXT]
        if any(m["type"] == "JsonWebKey" for m in cur + old)
        else DID_CONTEXTS,
        "id": did,
        "verificationMethod": cur + old,
        "authentication": [m["id"] for m in cur],
        "assertionMethod": [m["id"] for m in cur + old],
    }


def jwks(keys: Iterable[KeyPair]) -> dict[str, Any]:
    """A JWKS document (``/.well-known/jwks.json``) of the public keys, ``kid`` = key id."""
    out = []
    for key in keys:
        jwk = public_jwk(key.public_key)
        if key.id:
            jwk["kid"] = key.id
        jwk["alg"] = key.jwt_algorithm
        jwk["use"] = "sig"
        out.append(jwk)
    return {"keys": out}


def method_public_key(method: dict[str, Any]) -> PublicKey:
    """The public key of a verification method (Multikey, Ed25519VerificationKey2020, JWK)."""
    if "publicKeyMultibase" in method:
        return multikey_decode(str(method["publicKeyMultibase"]))
    if "publicKeyJwk" in method:
        return jwk_to_public_key(dict(method["publicKeyJwk"]))
    raise KeyMaterialError("verification method has no supported public key")
