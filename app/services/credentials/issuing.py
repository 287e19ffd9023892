"""Issuing Open Badges 3.0 credentials (both signed forms), once per idempotency key."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app import faults
from app.db import utcnow
from app.kit import audit, links
from app.models import IssuedCredential, Organization, User
from app.services.credentials import issuer, status_lists
from app.services.microcredentials import badge_images
from app.services.notifications import delivery as notifications
from app.settings import Settings
from badges import (
    Achievement,
    Alignment,
    Criteria,
    Evidence,
    Image,
    Result,
    ResultDescription,
    build_credential,
    issue,
)

notifications.register_kind(
    "credential", "A credential is issued to you, is revoked, or will soon expire"
)


@dataclass(frozen=True)
class AchievementSpec:
    """What was achieved (the micro-credential definition, in OB 3.0 terms)."""

    id: str
    name: str
    description: str
    criteria: str
    achievement_type: str = "MicroCredential"
    image_url: str | None = None
    alignments: tuple[tuple[str, str], ...] = ()  # (target name, target URL)
    credits: float | None = None
    alignment_items: tuple[Alignment, ...] = ()  # full alignments (code, framework)
    result_descriptions: tuple[ResultDescription, ...] = ()  # e.g. the rubric's criteria
    tags: tuple[str, ...] = ()  # competencies


@dataclass(frozen=True)
class IssueRequest:
    """Everything needed to issue one credential; ``idempotency_key`` makes retries safe."""

    organization: Organization
    recipient_email: str
    achievement: AchievementSpec
    idempotency_key: str
    recipient_user: User | None = None
    recipient_did: str | None = None
    valid_until: datetime | None = None
    evidence: tuple[Evidence, ...] = ()
    results: tuple[Result, ...] = ()
    supersedes: IssuedCredential | None = None
    image_png: bytes | None = None  # the achievement's artwork for baked images
    announce: bool = True
    """Whether the recipient is told "You earned …" here; an award decided on evidence is
    announced once by the review decision (with the coach's feedback), not twice."""


DAYS_PER_MONTH = 30.44


def months_after(start: datetime, months: int) -> datetime:
    """``months`` average months after ``start`` (validity periods are counted this way)."""
    return start + timedelta(days=round(months * DAYS_PER_MONTH))


def spec_from_credential(credential: dict[str, Any]) -> AchievementSpec:
    """The achievement of an issued credential, to issue it again (renewal, re-issue)."""
    achievement = credential["credentialSubject"]["achievement"]
    image = achievement.get("image")
    rich = Achievement.model_validate(achievement)
    return AchievementSpec(
        id=achievement["id"],
        name=achievement["name"],
        description=achievement["description"],
        criteria=achievement.get("criteria", {}).get("narrative", ""),
        achievement_type=achievement.get("achievementType", "MicroCredential"),
        image_url=image.get("id") if isinstance(image, dict) else None,
        credits=achievement.get("creditsAvailable"),
        alignment_items=tuple(rich.alignment or ()),
        result_descriptions=tuple(rich.result_description or ()),
        tags=tuple(rich.tag or ()),
    )


def credential_url(settings: Settings, credential_id: uuid.UUID) -> str:
    """The credential's ``id``: its public page and JSON-LD address."""
    return links.CREDENTIAL.absolute(settings.base_url, credential_id=credential_id)


def achievement_model(spec: AchievementSpec) -> Achievement:
    """The OB 3.0 ``Achievement`` described by ``spec``."""
    alignment = [Alignment(target_name=n, target_url=u) for n, u in spec.alignments]
    alignment += list(spec.alignment_items)
    return Achievement(
        id=spec.id,
        name=spec.name,
        description=spec.description,
        criteria=Criteria(narrative=spec.criteria),
        achievement_type=spec.achievement_type,
        image=Image(id=spec.image_url) if spec.image_url else None,
        alignment=alignment or None,
        credits_available=spec.credits,
        result_description=list(spec.result_descriptions) or None,
        tag=list(spec.tags) or None,
    )


def issue_credential(db: Session, settings: Settings, request: IssueRequest) -> IssuedCredential:
    """Sign and record a credential (Data Integrity and VC-JWT) in the caller's transaction.

    Issuing the same ``idempotency_key`` again returns the credential already issued.
    """
    existing = _by_key(db, request.idempotency_key)
    if existing is not None:
        return existing
    org = request.organization
    keys = issuer.current_keys(db, settings, org)
    status_list, index, entry = status_lists.allocate(db, settings, org)
    row_id = uuid.uuid4()
    unsigned = build_credential(
        issuer=issuer.profile(settings, org),
        achievement=achievement_model(request.achievement),
        recipient_email=request.recipient_email,
        recipient_id=request.recipient_did
        or (request.recipient_user.did if request.recipient_user else None),
        credential_id=credential_url(settings, row_id),
        valid_until=request.valid_until,
        evidence=list(request.evidence) or None,
        results=list(request.results) or None,
        status=entry,
    )
    signed = issue(unsigned, keys.data_integrity)
    jwt = issue(unsigned, keys.jwt, proof_format="jwt")
    assert isinstance(signed, dict)
    assert isinstance(jwt, str)
    row = IssuedCredential(
        id=row_id,
        organization_id=org.id,
        recipient_user_id=request.recipient_user.id if request.recipient_user else None,
        recipient_email=request.recipient_email,
        achievement_name=request.achievement.name,
        idempotency_key=request.idempotency_key,
        credential_json=signed,
        credential_jwt=jwt,
        status_list_id=status_list.id,
        status_index=index,
        valid_from=unsigned.valid_from,
        valid_until=request.valid_until,
        supersedes_id=request.supersedes.id if request.supersedes else None,
        image_svg=badge_images.credential_svg(
            request.achievement.name, org.name, request.image_png
        ),
    )
    inserted = _insert_once(db, row, request)
    if inserted is row and request.recipient_user is not None:
        _announce(db, settings, request, row)
    faults.point(db, "credential.signed")
    return inserted


def _announce(
    db: Session, settings: Settings, request: IssueRequest, row: IssuedCredential
) -> None:
    """Tell the recipient once per credential: "You earned" for a new one (unless the caller
    announces it), "renewed" or "re-issued" for one that replaces an earlier credential."""
    assert request.recipient_user is not None
    org = request.organization.name
    if request.supersedes is None:
        if not request.announce:
            return
        title = f"You earned {row.achievement_name}, issued by {org}"
        body = "It is in your wallet, private until you publish it."
    elif request.supersedes.recipient_email != row.recipient_email:
        title = f"Your credential {row.achievement_name} was re-issued to {row.recipient_email}"
        body = "The new copy is in your wallet; the earlier one is marked superseded."
    else:
        title = f"Your credential {row.achievement_name} was renewed by {org}"
        body = "The renewed credential is in your wallet; the earlier one is marked superseded."
    notifications.notify(
        db, settings, request.recipient_user, "credential", title, links.WALLET.path, body=body
    )


def _by_key(db: Session, key: str) -> IssuedCredential | None:
    return db.scalar(select(IssuedCredential).where(IssuedCredential.idempotency_key == key))


def _insert_once(db: Session, row: IssuedCredential, request: IssueRequest) -> IssuedCredential:
    try:
        with db.begin_nested():
            db.add(row)
            if request.supersedes is not None:
                request.supersedes.superseded_at = utcnow()
    except IntegrityError:  # a concurrent retry issued it first
        existing = _by_key(db, request.idempotency_key)
        if existing is None:
            raise
        return existing
    audit.record(
        db,
        "credential.issued",
        row,
        actor=None,
        achievement=row.achievement_name,
        # a member is named by the event's subject; only an outside recipient by address, so
        # erasing an account leaves no address in the (append-only) trail
        recipient=None if row.recipient_user_id else row.recipient_email,
    )
    return row
