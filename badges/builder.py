"""Building and issuing credentials."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, Literal

from badges.dataintegrity import sign_data_integrity
from badges.errors import FormatError
from badges.keys import KeyPair
from badges.models import (
    Achievement,
    AchievementSubject,
    EndorsementCredential,
    EndorsementSubject,
    Evidence,
    OpenBadgeCredential,
    Profile,
    Result,
    StatusEntry,
    now_utc,
)
from badges.recipient import email_identity
from badges.schema import schema_errors
from badges.status import StatusList, status_list_credential
from badges.vcjwt import sign_jwt

ProofFormat = Literal["di", "jwt"]


def new_id() -> str:
    """A fresh ``urn:uuid:`` identifier."""
    return f"urn:uuid:{uuid.uuid4()}"


def build_credential(
    *,
    issuer: Profile,
    achievement: Achievement,
    recipient_email: str | None = None,
    recipient_id: str | None = None,
    salt: str | None = None,
    credential_id: str | None = None,
    valid_from: datetime | None = None,
    valid_until: datetime | None = None,
    name: str | None = None,
    evidence: list[Evidence] | None = None,
    results: list[Result] | None = None,
    status: dict[str, Any] | None = None,
) -> OpenBadgeCredential:
    """An unsigned OpenBadgeCredential; the recipient is an id and/or a hashed e-mail."""
    if not recipient_email and not recipient_id:
        raise ValueError("a recipient e-mail or id is required")
    subject = AchievementSubject(
        id=recipient_id,
        identifier=[email_identity(recipient_email, salt)] if recipient_email else None,
        achievement=achievement,
        result=results,
    )
    return OpenBadgeCredential(
        id=credential_id or new_id(),
        name=name or achievement.name,
        issuer=issuer,
        valid_from=valid_from or now_utc(),
        valid_until=valid_until,
        credential_subject=subject,
        evidence=evidence,
        credential_status=StatusEntry.model_validate(status) if status else None,
    )


def build_endorsement(
    *,
    issuer: Profile,
    subject_id: str,
    comment: str,
    name: str = "Endorsement",
    valid_from: datetime | None = None,
) -> EndorsementCredential:
    """An unsigned EndorsementCredential about ``subject_id``."""
    return EndorsementCredential(
        id=new_id(),
        name=name,
        issuer=issuer,
        valid_from=valid_from or now_utc(),
        credential_subject=EndorsementSubject(id=subject_id, endorsement_comment=comment),
    )


def issue(
    credential: OpenBadgeCredential | EndorsementCredential | dict[str, Any],
    key: KeyPair,
    *,
    proof_format: ProofFormat = "di",
    verification_method: str | None = None,
    created: datetime | None = None,
) -> dict[str, Any] | str:
    """Sign a credential: a Data Integrity JSON-LD document (``di``) or a VC-JWT (``jwt``).

    Open Badges and endorsement credentials must validate against the formal 1EdTech schema
    first (FormatError otherwise), so everything Laurel signs is schema-valid.
    """
    data = credential if isinstance(credential, dict) else credential.to_json()
    _require_schema_valid(data)
    if proof_format == "jwt":
        return sign_jwt(data, key, verification_method)
    return sign_data_integrity(data, key, verification_method, created)


def _require_schema_valid(data: dict[str, Any]) -> None:
    types = data.get("type")
    names = set(types) if isinstance(types, list) else {types}
    if not names & {"OpenBadgeCredential", "AchievementCredential", "EndorsementCredential"}:
        return
    unsigned = {k: v for k, v in data.items() if k != "proof"}
    errors = schema_errors(unsigned)
    if errors:
        raise FormatError("refusing to sign a schema-invalid credential: " + "; ".join(errors[:5]))


def issue_status_list(
    list_url: str,
    issuer: str,
    bits: StatusList,
    key: KeyPair,
    *,
    purpose: str = "revocation",
    proof_format: ProofFormat = "di",
    valid_from: datetime | None = None,
) -> dict[str, Any] | str:
    """A signed ``BitstringStatusListCredential`` for ``bits``, served at ``list_url``.

    ``valid_from`` (default: now) is also the proof's creation time.
    """
    unsigned = status_list_credential(list_url, issuer, bits, purpose, valid_from)
    return issue(unsigned, key, proof_format=proof_format, created=valid_from)
