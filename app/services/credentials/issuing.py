"""Issuing Open Badges 3.0 credentials (both signed forms), revocation and sharing."""

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
from app.errors import Conflict, Forbidden, Invalid, NotFound
from app.kit import audit, links
from app.models import IssuedCredential, Organization, User
from app.services import policy
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
        notifications.notify(
            db,
            settings,
            request.recipient_user,
            "credential",
            f"You earned {row.achievement_name}, issued by {org.name}",
            links.WALLET.path,
            body="It is in your wallet, private until you publish it.",
        )
    faults.point(db, "credential.signed")
    return inserted


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
        actor_id=None,
        organization_id=row.organization_id,
        target_type="credential",
        target_id=row.id,
        recipient=row.recipient_email,
        achievement=row.achievement_name,
    )
    return row


def get(db: Session, credential_id: uuid.UUID) -> IssuedCredential:
    """A credential by id, or NotFound."""
    row = db.get(IssuedCredential, credential_id)
    if row is None:
        raise NotFound("There is no such credential.")
    return row


def get_public(db: Session, credential_id: uuid.UUID) -> IssuedCredential:
    """A credential its holder chose to publish; NotFound otherwise (private ones stay hidden)."""
    row = db.get(IssuedCredential, credential_id)
    if row is None or not row.is_public:
        raise NotFound("This credential does not exist or its holder keeps it private.")
    return row


def wallet(db: Session, user: User) -> list[IssuedCredential]:
    """The user's credentials, newest first."""
    return list(
        db.scalars(
            select(IssuedCredential)
            .where(IssuedCredential.recipient_user_id == user.id)
            .order_by(IssuedCredential.issued_at.desc())
        )
    )


def owned(db: Session, user: User, credential_id: uuid.UUID) -> IssuedCredential:
    """One of the user's own credentials; NotFound for anyone else's."""
    row = db.get(IssuedCredential, credential_id)
    if row is None or row.recipient_user_id != user.id:
        raise NotFound("There is no such credential in your wallet.")
    return row


def set_public(db: Session, user: User, credential_id: uuid.UUID, public: bool) -> IssuedCredential:
    """Publish or hide a credential (its holder only)."""
    row = owned(db, user, credential_id)
    row.is_public = public
    audit.record(
        db,
        "credential.published" if public else "credential.hidden",
        actor_id=user.id,
        organization_id=row.organization_id,
        target_type="credential",
        target_id=row.id,
    )
    return row


def revoke(
    db: Session, settings: Settings, actor: User, credential_id: uuid.UUID, reason: str
) -> IssuedCredential:
    """Revoke (administrators of the issuing organization): flip the status bit, re-sign."""
    row = get(db, credential_id)
    if not policy.can_manage_members(actor, row.organization_id):
        raise Forbidden("Only administrators of the issuing organization revoke credentials.")
    reason = reason.strip()
    if not reason:
        raise Invalid(
            "Say why the credential is revoked; it is kept in the audit trail.", field="reason"
        )
    if row.revoked_at is not None:
        raise Conflict("This credential is already revoked.")
    row.revoked_at = utcnow()
    row.revocation_reason = reason[:500]
    status_lists.set_bit(db, settings, row.status_list, row.status_index, revoked=True)
    if row.recipient is not None:
        notifications.notify(
            db,
            settings,
            row.recipient,
            "credential",
            f"Your credential {row.achievement_name} was revoked",
            links.WALLET.path,
            body=f"Reason given by {row.organization.name}: {row.revocation_reason}",
            actor=actor,
        )
    audit.record(
        db,
        "credential.revoked",
        actor_id=actor.id,
        organization_id=row.organization_id,
        target_type="credential",
        target_id=row.id,
        reason=row.revocation_reason,
    )
    return row


def for_organization(db: Session, org: Organization, limit: int = 200) -> list[IssuedCredential]:
    """The organization's issued credentials, newest first."""
    return list(
        db.scalars(
            select(IssuedCredential)
            .where(IssuedCredential.organization_id == org.id)
            .order_by(IssuedCredential.issued_at.desc())
            .limit(limit)
        )
    )


def _reissue(
    db: Session,
    settings: Settings,
    old: IssuedCredential,
    *,
    email: str,
    key: str,
    valid_until: datetime | None,
) -> IssuedCredential:
    return issue_credential(
        db,
        settings,
        IssueRequest(
            organization=old.organization,
            recipient_email=email,
            recipient_user=old.recipient,
            achievement=spec_from_credential(old.credential_json),
            idempotency_key=key,
            valid_until=valid_until,
            supersedes=old,
            image_png=badge_images.embedded_png(old.image_svg),
        ),
    )


def renew(
    db: Session, settings: Settings, actor: User, credential_id: uuid.UUID, months: int
) -> IssuedCredential:
    """Issue a new credential for another ``months`` that supersedes (links to) the old one."""
    old = get(db, credential_id)
    if not policy.can_manage_members(actor, old.organization_id):
        raise Forbidden("Only administrators of the issuing organization renew credentials.")
    if old.revoked_at is not None or old.superseded_at is not None:
        raise Conflict("Only a credential in force (not revoked or already renewed) is renewed.")
    if not 1 <= months <= 120:
        raise Invalid("Renew for 1 to 120 months.", field="months")
    new = _reissue(
        db,
        settings,
        old,
        email=old.recipient_email,
        key=f"renew:{old.id}",
        valid_until=months_after(utcnow(), months),
    )
    audit.record(
        db,
        "credential.renewed",
        actor_id=actor.id,
        organization_id=old.organization_id,
        target_type="credential",
        target_id=old.id,
        new=str(new.id),
    )
    return new


def outdated_recipients(db: Session, user: User) -> list[IssuedCredential]:
    """The user's credentials in force that name an e-mail address they no longer use."""
    return [c for c in wallet(db, user) if c.state == "active" and c.recipient_email != user.email]


def reissue_to_current_email(db: Session, settings: Settings, user: User) -> list[IssuedCredential]:
    """After an e-mail change: new credentials naming the new address; the old are superseded."""
    fresh = [
        _reissue(
            db,
            settings,
            old,
            email=user.email,
            key=f"reissue:{old.id}:{user.email}",
            valid_until=old.valid_until,
        )
        for old in outdated_recipients(db, user)
    ]
    if fresh:
        audit.record(
            db,
            "credential.reissued",
            actor_id=user.id,
            target_type="user",
            target_id=user.id,
            count=len(fresh),
        )
    return fresh


REMINDER_WINDOW = timedelta(days=30)


def send_expiry_reminders(db: Session, settings: Settings) -> int:
    """E-mail holders whose credentials expire within 30 days (once per credential)."""
    now = utcnow()
    due = db.scalars(
        select(IssuedCredential).where(
            IssuedCredential.valid_until.is_not(None),
            IssuedCredential.valid_until > now,
            IssuedCredential.valid_until <= now + REMINDER_WINDOW,
            IssuedCredential.expiry_reminder_sent_at.is_(None),
            IssuedCredential.revoked_at.is_(None),
            IssuedCredential.superseded_at.is_(None),
            IssuedCredential.recipient_user_id.is_not(None),
        )
    ).all()
    for row in due:
        assert row.recipient is not None
        assert row.valid_until is not None
        expires = row.valid_until.strftime("%B %-d, %Y")
        notifications.notify(
            db,
            settings,
            row.recipient,
            "credential",
            f'Your credential "{row.achievement_name}" expires on {expires}',
            links.WALLET.path,
            body=f"Ask {row.organization.name} about renewal to keep it current. After it "
            "expires, verifiers will see it as expired.",
        )
        row.expiry_reminder_sent_at = now
    return len(due)
