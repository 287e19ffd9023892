"""Recording actions in the audit trail."""

from __future__ import annotations

import uuid
from contextvars import ContextVar
from typing import Any

from sqlalchemy.orm import Session

from app.db import IdMixin
from app.models import (
    AccessToken,
    AuditEvent,
    Award,
    Community,
    CommunityMember,
    EvidenceFile,
    Exemplar,
    Invitation,
    IssuedCredential,
    Membership,
    Mentorship,
    MicroCredential,
    Module,
    OidcProvider,
    Organization,
    Pathway,
    Post,
    PostReport,
    Submission,
    Thread,
    User,
)

TARGET_TYPES: dict[type[IdMixin], str] = {
    AccessToken: "access_token",
    Award: "award",
    Community: "community",
    Exemplar: "community_exemplar",
    CommunityMember: "community_member",
    EvidenceFile: "evidence_file",
    Post: "community_post",
    PostReport: "community_report",
    Thread: "community_thread",
    IssuedCredential: "credential",
    Invitation: "invitation",
    Membership: "membership",
    Mentorship: "mentorship",
    MicroCredential: "micro_credential",
    Module: "module",
    OidcProvider: "oidc_provider",
    Organization: "organization",
    Pathway: "pathway",
    Submission: "submission",
    User: "user",
}
"""The ``target_type`` stored for each kind of object an action is about."""


client_address: ContextVar[str | None] = ContextVar("client_address", default=None)
"""The address of the client whose request is being served (set by the web layer)."""


def _subject_id(target: IdMixin) -> uuid.UUID | None:
    """The educator whose records ``target`` belongs to, when it is one of theirs."""
    if isinstance(target, User):
        return target.id
    if isinstance(target, IssuedCredential):
        return target.recipient_user_id
    if isinstance(target, Submission | Award | Membership):
        return target.user_id
    return None


def target_type(target: IdMixin) -> str:
    """The stored type name of ``target``; an unlisted class is a programming error."""
    try:
        return TARGET_TYPES[type(target)]
    except KeyError:
        raise TypeError(f"{type(target).__name__} is not an audit target") from None


def _organization_id(target: IdMixin) -> uuid.UUID | None:
    if isinstance(target, Organization):
        return target.id
    found: uuid.UUID | None = getattr(target, "organization_id", None)
    return found


def record(
    db: Session,
    action: str,
    target: IdMixin,
    *,
    actor: User | None,
    organization_id: uuid.UUID | None = None,
    subject_id: uuid.UUID | None = None,
    **detail: Any,
) -> AuditEvent:
    """Add an audit event about ``target`` by ``actor`` (None: the system) to the current
    transaction; the organization defaults to the target's own, the subject (whose records
    these are) to the target's owner, and the client address to the current request's."""
    kind = target_type(target)
    if target.id is None:
        raise ValueError(f"flush the {kind} before recording {action!r} about it")
    event = AuditEvent(
        action=action,
        actor_id=actor.id if actor is not None else None,
        organization_id=organization_id or _organization_id(target),
        target_type=kind,
        target_id=str(target.id),
        subject_id=subject_id or _subject_id(target),
        client_address=client_address.get(),
        detail=detail,
    )
    db.add(event)
    return event
