"""Recipient identity: salted SHA-256 hashes of e-mail addresses, and matching them.

Rule (Laurel): when issuing, the e-mail is trimmed and lower-cased, then
``"sha256$" + hex(sha256(utf8(email + salt)))``. When matching, both the address as given
and its trimmed, lower-cased form are tried, so credentials from issuers that do not
lower-case still match.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from typing import Any

from badges.models import IdentityObject


def normalize_email(email: str) -> str:
    """Trim and lower-case an e-mail address (Laurel's issuing rule)."""
    return email.strip().lower()


def hash_identity(value: str, salt: str, algorithm: str = "sha256") -> str:
    """``"sha256$" + hex digest of value+salt`` (``md5`` accepted for reading old badges)."""
    if algorithm not in ("sha256", "md5"):
        raise ValueError(f"unsupported identity hash {algorithm!r}")
    digest = hashlib.new(algorithm, (value + salt).encode("utf-8")).hexdigest()
    return f"{algorithm}${digest}"


def email_identity(email: str, salt: str | None = None) -> IdentityObject:
    """A hashed ``emailAddress`` IdentityObject for ``email`` (salt random when omitted)."""
    salt = salt if salt is not None else secrets.token_hex(16)
    return IdentityObject(
        hashed=True,
        identity_hash=hash_identity(normalize_email(email), salt),
        identity_type="emailAddress",
        salt=salt,
    )


def identity_matches(
    identity: dict[str, Any], value: str, identity_type: str | None = None
) -> bool:
    """True if an IdentityObject (dict) identifies ``value`` (tries as given and normalized)."""
    if identity_type and identity.get("identityType") != identity_type:
        return False
    stored = str(identity.get("identityHash", ""))
    candidates = {value, normalize_email(value)}
    if not identity.get("hashed"):
        return any(hmac.compare_digest(stored, c) for c in candidates)
    algorithm, _, _ = stored.partition("$")
    salt = str(identity.get("salt") or "")
    try:
        hashes = {hash_identity(c, salt, algorithm.lower()) for c in candidates}
    except ValueError:
        return False
    stored_norm = f"{algorithm.lower()}${stored.partition('$')[2].lower()}"
    return any(hmac.compare_digest(stored_norm, h) for h in hashes)


def subject_matches(
    credential: dict[str, Any], value: str, identity_type: str | None = None
) -> bool:
    """True if the credential's subject is ``value`` (its ``id`` or one of its identifiers)."""
    subject = credential.get("credentialSubject")
    subjects = subject if isinstance(subject, list) else [subject]
    for sub in subjects:
        if not isinstance(sub, dict):
            continue
        if sub.get("id") == value:
            return True
        idents = sub.get("identifier") or []
        idents = idents if isinstance(idents, list) else [idents]
        if any(isinstance(i, dict) and identity_matches(i, value, identity_type) for i in idents):
            return True
    return False
