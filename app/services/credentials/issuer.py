"""Each organization as an Open Badges issuer: did:web identity, keys, DID document, JWKS."""

from __future__ import annotations

import base64
import functools
import hashlib
import json
import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.db import utcnow
from app.errors import Conflict, Forbidden
from app.kit import audit, links
from app.kit.tokens import SecretBox
from app.models import Organization, SigningKey, User
from app.services.orgs.permissions import can_manage_members
from app.settings import Settings
from badges import KeyPair, Profile, did_document, did_web, jwks, public_jwk

#: Data Integrity proofs use Ed25519 (eddsa-rdfc-2022); VC-JWT uses RSA (RS256).
ALGORITHMS = ("ed25519", "rsa")
JWT_ALGORITHMS = ("rsa",)  # the keys published in JWKS (Ed25519 signs Data Integrity proofs)


@dataclass(frozen=True)
class IssuerKeys:
    """The organization's current signing keys, bound to their verification-method ids."""

    data_integrity: KeyPair
    jwt: KeyPair


KEY_PURPOSE = "laurel-issuer-signing-keys"


def _box(settings: Settings) -> SecretBox:
    return SecretBox(settings.master_secret, KEY_PURPOSE)


def _did_web_for(settings: Settings, path: str) -> str:
    # A did:web names host and path; resolvers always use https, whatever we serve locally.
    parts = urlsplit(settings.base_url)
    return did_web(f"https://{parts.netloc}{parts.path.rstrip('/')}{path}")


def org_did(settings: Settings, org: Organization) -> str:
    """``did:web:<host>:orgs:<slug>``, served at ``/orgs/<slug>/did.json``."""
    return _did_web_for(settings, f"/orgs/{org.slug}")


def profile(settings: Settings, org: Organization) -> Profile:
    """The organization's OB 3.0 issuer Profile."""
    return Profile(
        id=org_did(settings, org),
        name=org.name,
        url=org.url or links.ORG_PROFILE.absolute(settings.base_url, slug=org.slug),
        email=org.email,
        description=org.description,
    )


def profile_json(settings: Settings, org: Organization) -> dict[str, Any]:
    """The Profile as JSON-LD, served at ``/orgs/<slug>/profile``."""
    return {
        "@context": [
            "https://www.w3.org/ns/credentials/v2",
            "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json",
        ],
        **profile(settings, org).to_json(),
    }


def _keys(db: Session, org: Organization) -> list[SigningKey]:
    return list(
        db.scalars(
            select(SigningKey)
            .where(SigningKey.organization_id == org.id)
            .order_by(SigningKey.created_at)
        )
    )


def _new_key(settings: Settings, org: Organization, algorithm: str) -> SigningKey:
    stamp = utcnow().strftime("%Y%m%d")
    key_id = f"key-{stamp}-{algorithm}-{secrets.token_hex(3)}"
    pair = KeyPair.generate(algorithm)  # type: ignore[arg-type]
    return SigningKey(
        organization_id=org.id,
        algorithm=algorithm,
        key_id=key_id,
        public_jwk=public_jwk(pair.public_key),
        private_key_encrypted=_box(settings).encrypt(json.dumps(pair.to_json())),
    )


def ensure_keys(db: Session, settings: Settings, org: Organization) -> list[SigningKey]:
    """Create the organization's current keys where missing; return all its keys.

    Safe when several processes do it at once: one current key per algorithm is a unique
    index, and a loser of the race uses the winner's key.
    """
    keys = _keys(db, org)
    missing = [
        a for a in ALGORITHMS if not any(k.algorithm == a and k.retired_at is None for k in keys)
    ]
    for algorithm in missing:
        try:
            with db.begin_nested():
                db.add(_new_key(settings, org, algorithm))
        except IntegrityError:
            pass  # another process created it first
    return _keys(db, org) if missing else keys


def _pair(settings: Settings, org: Organization, row: SigningKey) -> KeyPair:
    method_id = f"{org_did(settings, org)}#{row.key_id}"
    return _decrypted_pair(settings.master_secret, row.private_key_encrypted, method_id)


@functools.lru_cache(maxsize=512)
def _decrypted_pair(master_secret: str, encrypted: str, method_id: str) -> KeyPair:
    # Key rows never change once written, and loading an RSA private key validates it (slow):
    # decrypt each key once per process.
    box = SecretBox(master_secret, KEY_PURPOSE)
    return KeyPair.from_json(json.loads(box.decrypt(encrypted))).with_id(method_id)


def current_keys(db: Session, settings: Settings, org: Organization) -> IssuerKeys:
    """The keys that sign new credentials."""
    rows = {k.algorithm: k for k in ensure_keys(db, settings, org) if k.retired_at is None}
    return IssuerKeys(
        data_integrity=_pair(settings, org, rows["ed25519"]),
        jwt=_pair(settings, org, rows["rsa"]),
    )


def _published_pairs(
    db: Session, settings: Settings, org: Organization, algorithms: tuple[str, ...] = ALGORITHMS
) -> tuple[list[KeyPair], list[KeyPair]]:
    """The organization's current and retired keys of these algorithms (others not decrypted)."""
    rows = [k for k in ensure_keys(db, settings, org) if k.algorithm in algorithms]
    current = [_pair(settings, org, k) for k in rows if k.retired_at is None]
    retired = [_pair(settings, org, k) for k in rows if k.retired_at is not None]
    return current, retired


def did_document_for(db: Session, settings: Settings, org: Organization) -> dict[str, Any]:
    """The DID document: current keys, and retired ones still as assertion methods."""
    current, retired = _published_pairs(db, settings, org)
    return did_document(org_did(settings, org), current=current, retired=retired)


def jwks_for(db: Session, settings: Settings, orgs: list[Organization]) -> dict[str, Any]:
    """A JWKS of the JWT keys (current and retired) of the given organizations."""
    pairs: list[KeyPair] = []
    for org in orgs:
        current, retired = _published_pairs(db, settings, org, JWT_ALGORITHMS)
        pairs.extend(current + retired)
    return jwks(pairs)


def rotate_keys(
    db: Session, settings: Settings, org: Organization, actor: User | None
) -> list[SigningKey]:
    """Retire the current keys for signing (they stay published) and create new ones."""
    now = utcnow()
    retired = [k for k in ensure_keys(db, settings, org) if k.retired_at is None]
    for key in retired:
        key.retired_at = now
    fresh = [_new_key(settings, org, algorithm) for algorithm in ALGORITHMS]
    db.add_all(fresh)
    db.flush()
    audit.record(
        db,
        "issuer.keys_rotated",
        org,
        actor=actor,
        retired=[k.key_id for k in retired],
        created=[k.key_id for k in fresh],
    )
    return fresh


#: The members of each key type's JWK thumbprint (RFC 7638).
THUMBPRINT_MEMBERS = {
    "OKP": ("crv", "kty", "x"),
    "RSA": ("e", "kty", "n"),
    "EC": ("crv", "kty", "x", "y"),
}


def fingerprint(public: dict[str, Any]) -> str:
    """The key's JWK thumbprint (RFC 7638, SHA-256, base64url), as wallets and tools show it."""
    members = THUMBPRINT_MEMBERS.get(str(public.get("kty")), tuple(sorted(public)))
    canonical = json.dumps(
        {name: public[name] for name in members if name in public},
        separators=(",", ":"),
        sort_keys=True,
    )
    digest = hashlib.sha256(canonical.encode()).digest()
    return base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


@dataclass(frozen=True)
class KeyInfo:
    """One signing key as the issuer identity page lists it (never the private part)."""

    key_id: str
    algorithm: str
    fingerprint: str
    created_at: datetime
    retired_at: datetime | None


@dataclass(frozen=True)
class IssuerIdentity:
    """The organization's issuer identity for its administrators."""

    did: str
    document: dict[str, Any]
    current: list[KeyInfo]
    retired: list[KeyInfo]


def identity_for_admin(
    db: Session, settings: Settings, org: Organization, actor: User
) -> IssuerIdentity:
    """The DID document and the current and retired keys (administrators of ``org``)."""
    if not can_manage_members(actor, org.id):
        raise Forbidden("Only administrators see the issuer's keys.")
    rows = ensure_keys(db, settings, org)
    infos = [
        (
            row.retired_at is None,
            KeyInfo(
                row.key_id,
                row.algorithm,
                fingerprint(row.public_jwk),
                row.created_at,
                row.retired_at,
            ),
        )
        for row in rows
    ]
    return IssuerIdentity(
        did=org_did(settings, org),
        document=did_document_for(db, settings, org),
        current=[info for is_current, info in infos if is_current],
        retired=sorted(
            (info for is_current, info in infos if not is_current),
            key=lambda info: info.retired_at or info.created_at,
            reverse=True,
        ),
    )


def rotate_keys_as_admin(
    db: Session, settings: Settings, org: Organization, actor: User, confirmed: list[str]
) -> list[SigningKey]:
    """``rotate_keys`` asked for by a person (administrators of ``org``), who confirmed retiring
    the keys ``confirmed``: if these are no longer the current keys (a second click, or another
    administrator rotated meanwhile), nothing changes and Conflict says so."""
    if not can_manage_members(actor, org.id):
        raise Forbidden("Only administrators rotate the issuer's keys.")
    current = sorted(k.key_id for k in ensure_keys(db, settings, org) if k.retired_at is None)
    if current != sorted(confirmed):
        raise Conflict("The keys were rotated meanwhile; nothing was changed. Check them below.")
    try:
        with db.begin_nested():
            return rotate_keys(db, settings, org, actor)
    except IntegrityError as exc:  # another rotation committed new current keys first
        raise Conflict("The keys were rotated meanwhile; nothing was changed.") from exc


def slug_for_did(settings: Settings, did: str) -> str | None:
    """The short name of the organization of this Laurel whose issuer DID this would be."""
    prefix = _did_web_for(settings, "/orgs/x")[: -len("x")]
    return did[len(prefix) :] if did.startswith(prefix) else None
