"""Mail that could not be delivered: what platform admins see, and putting it back in the queue."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.db import utcnow
from app.kit.mail import OUTBOX_DIRTY
from app.models import OutboxMessage, OutboxStatus

LIST_LIMIT = 200


@dataclass(frozen=True)
class FailedMail:
    """A failed message as admins see it: never its body, which may hold one-time links."""

    id: uuid.UUID
    to_address: str
    subject: str
    attempts: int
    last_error: str | None
    created_at: datetime
    last_attempt_at: datetime | None


def failed_messages(db: Session, limit: int = LIST_LIMIT) -> tuple[list[FailedMail], int]:
    """The newest failed messages (at most ``limit``) and how many have failed in all."""
    rows = db.execute(
        select(
            OutboxMessage.id,
            OutboxMessage.to_address,
            OutboxMessage.subject,
            OutboxMessage.attempts,
            OutboxMessage.last_error,
            OutboxMessage.created_at,
            OutboxMessage.claimed_at,
        )
        .where(OutboxMessage.status == OutboxStatus.FAILED)
        .order_by(OutboxMessage.created_at.desc())
        .limit(limit)
    ).all()
    total = db.scalar(
        select(func.count())
        .select_from(OutboxMessage)
        .where(OutboxMessage.status == OutboxStatus.FAILED)
    )
    return [FailedMail(*row) for row in rows], total or 0


def retry_failed(
    db: Session, message_id: uuid.UUID | None = None, clock: Callable[[], datetime] = utcnow
) -> int:
    """Queue failed messages again (one, or all when ``message_id`` is None) with fresh attempts.

    Returns how many were queued; a message that is no longer failed is left alone.
    """
    query = update(OutboxMessage).where(OutboxMessage.status == OutboxStatus.FAILED)
    if message_id is not None:
        query = query.where(OutboxMessage.id == message_id)
    queued: int = db.execute(
        query.values(status=OutboxStatus.PENDING, attempts=0, next_attempt_at=clock())
    ).rowcount  # type: ignore[attr-defined]
    if queued:
        db.info[OUTBOX_DIRTY] = True
    return queued
