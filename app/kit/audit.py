"""Recording actions in the audit trail."""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy.orm import Session

from app.models import AuditEvent


def record(
    db: Session,
    action: str,
    *,
    actor_id: uuid.UUID | None,
    organization_id: uuid.UUID | None = None,
    target_type: str | None = None,
    target_id: object | None = None,
    **detail: Any,
) -> AuditEvent:
    """Add an audit event to the current transaction (it commits with the action itself)."""
    event = AuditEvent(
        action=action,
        actor_id=actor_id,
        organization_id=organization_id,
        target_type=target_type,
        target_id=str(target_id) if target_id is not None else None,
        detail=detail,
    )
    db.add(event)
    return event
