"""The exemplar gallery: with explicit consent, a teacher shares a copy of the evidence behind an
earned micro-credential into the community attached to it, and can withdraw it at any time.

Micro-credentials are built elsewhere; they hand over an ``EarnedEvidence`` (a deliberately
small interface) when the teacher chooses to share.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field

from sqlalchemy import select
from sqlalchemy.orm import Session, selectinload

from app.db import utcnow
from app.errors import Conflict, Forbidden, Invalid, NotFound
from app.kit import audit, once
from app.kit.markdown import render_markdown
from app.kit.storage import storage_for
from app.kit.storage.transactions import delete_after_commit
from app.kit.storage.uploads import Upload
from app.models import Exemplar
from app.services.communities import attachments
from app.services.communities.membership import CommunityAccess, require_read
from app.services.communities.permissions import can_withdraw_exemplar
from app.settings import Settings


@dataclass(frozen=True)
class EarnedEvidence:
    """What a micro-credential feature passes in: the credential, the submission and a copy."""

    credential_kind: str  # matches Community.attached_kind, e.g. "micro_credential"
    credential_ref: str  # matches Community.attached_ref
    evidence_ref: str  # the submission's id, for tracing the copy back
    owner_id: uuid.UUID  # the teacher who earned it
    title: str
    reflection: str = ""
    files: list[Upload] = field(default_factory=list)


def share(
    db: Session,
    settings: Settings,
    ctx: CommunityAccess,
    evidence: EarnedEvidence,
    *,
    consent: bool,
) -> Exemplar:
    """Copy earned evidence into the credential's community as an exemplar (owner, consenting)."""
    if not consent:
        raise Invalid("Tick the box to agree to share a copy of your evidence.", field="consent")
    if evidence.owner_id != ctx.user.id:
        raise Forbidden("Only the teacher who earned the credential can share its evidence.")
    community = ctx.community
    if (community.attached_kind, community.attached_ref) != (
        evidence.credential_kind,
        evidence.credential_ref,
    ):
        raise Conflict("Exemplars are shared into the community of their micro-credential.")
    if not ctx.can_post:
        raise Forbidden("Join the community to share an exemplar.")
    shared = db.scalar(
        select(Exemplar.id).where(
            Exemplar.community_id == community.id,
            Exemplar.evidence_ref == evidence.evidence_ref,
            Exemplar.withdrawn_at.is_(None),
        )
    )
    if shared is not None:
        raise Conflict("This evidence is already shared in the gallery.")
    exemplar = Exemplar(
        community_id=community.id, owner_id=ctx.user.id,
        source_kind=evidence.credential_kind, source_ref=evidence.credential_ref,
        evidence_ref=evidence.evidence_ref, title=evidence.title.strip()[:200] or "Exemplar",
        reflection=evidence.reflection,
        reflection_html=render_markdown(evidence.reflection, "post"),
        consented_at=utcnow(),
    )  # fmt: skip
    db.add(exemplar)
    db.flush()
    if evidence.files:
        attachments.store(
            db, settings, evidence.files, community_id=community.id, uploader=ctx.user,
            exemplar_id=exemplar.id,
        )  # fmt: skip
    audit.record(
        db,
        "community.exemplar_shared",
        exemplar,
        actor=ctx.user,
        organization_id=community.organization_id,
    )
    return exemplar


def gallery(db: Session, ctx: CommunityAccess) -> list[Exemplar]:
    """Exemplars currently shared in the community, newest first."""
    require_read(ctx)
    return list(
        db.scalars(
            select(Exemplar)
            .where(Exemplar.community_id == ctx.community.id, Exemplar.withdrawn_at.is_(None))
            .options(selectinload(Exemplar.attachments))
            .order_by(Exemplar.created_at.desc())
        )
    )


def withdrawable(ctx: CommunityAccess, rows: list[Exemplar]) -> set[uuid.UUID]:
    """The ids of the exemplars the viewer may withdraw (their own)."""
    return {e.id for e in rows if can_withdraw_exemplar(ctx.user, e)}


def withdraw(
    db: Session, settings: Settings, ctx: CommunityAccess, exemplar_id: uuid.UUID
) -> Exemplar:
    """Withdraw one's exemplar: it leaves the gallery and its copied files are deleted."""
    exemplar = db.get(Exemplar, exemplar_id)
    if exemplar is None or exemplar.community_id != ctx.community.id:
        raise NotFound("There is no such exemplar in this community.")
    if not can_withdraw_exemplar(ctx.user, exemplar):
        raise Forbidden("Only the teacher who shared an exemplar can withdraw it.")
    now = utcnow()
    once.change_or_refuse(
        db,
        exemplar,
        "This exemplar is already withdrawn.",
        Exemplar.withdrawn_at.is_(None),
        withdrawn_at=now,
    )
    storage = storage_for(settings)
    for attachment in exemplar.attachments:
        delete_after_commit(db, storage, attachment.storage_key)
        db.delete(attachment)
    audit.record(
        db,
        "community.exemplar_withdrawn",
        exemplar,
        actor=ctx.user,
        organization_id=ctx.community.organization_id,
    )
    return exemplar
