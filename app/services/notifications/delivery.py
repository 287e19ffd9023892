"""Notifications: in-app (the bell) and, when the person's preference allows, by e-mail.

Other features add their kinds with ``register_kind`` and call ``notify``.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.db import utcnow
from app.errors import Invalid, NotFound
from app.kit import mail
from app.kit.keyset import Order, PageRequest, Slice, sort_key
from app.models import Notification, NotificationPreference, User
from app.settings import Settings


@dataclass(frozen=True)
class NotificationKind:
    """A kind of notification, as shown on the preferences page."""

    key: str
    label: str
    email_default: bool = True


KINDS: dict[str, NotificationKind] = {}
NEWEST_FIRST = Order(
    sort_key(Notification.created_at, descending=True), sort_key(Notification.id, descending=True)
)


def register_kind(key: str, label: str, *, email_default: bool = True) -> NotificationKind:
    """Add a kind to the registry (idempotent); returns it."""
    return KINDS.setdefault(key, NotificationKind(key, label, email_default))


register_kind("mention", "Someone mentions you in a community")
register_kind("reply", "Someone replies to a thread you started")
register_kind("moderation", "A facilitator acts on your post, or (facilitators) a post is reported")


def email_wanted(db: Session, user: User, kind: str) -> bool:
    """Whether the person wants e-mail for this kind (their choice, else the kind's default)."""
    choice = db.scalar(
        select(NotificationPreference.email).where(
            NotificationPreference.user_id == user.id, NotificationPreference.kind == kind
        )
    )
    return KINDS[kind].email_default if choice is None else choice


def notify(
    db: Session,
    settings: Settings,
    user: User,
    kind: str,
    title: str,
    url: str,
    *,
    body: str = "",
    actor: User | None = None,
) -> Notification | None:
    """Notify ``user`` in the app, and by e-mail if wanted; nobody is notified of their own act."""
    if kind not in KINDS:
        raise ValueError(f"unknown notification kind {kind!r}")
    if actor is not None and actor.id == user.id:
        return None
    note = Notification(
        user_id=user.id,
        actor_id=actor.id if actor else None,
        kind=kind,
        title=title[:300],
        body=body,
        url=url,
    )
    db.add(note)
    if user.is_active and email_wanted(db, user, kind):
        mail.queue_email(
            db,
            settings,
            user.email,
            "notification",
            title=title,
            body=body,
            link=f"{settings.base_url}{url}",
        )
    return note


def unread_count(db: Session, user: User) -> int:
    """How many notifications the person has not read."""
    return (
        db.scalar(
            select(func.count()).where(
                Notification.user_id == user.id, Notification.read_at.is_(None)
            )
        )
        or 0
    )


def recent(db: Session, user: User, limit: int = 50) -> list[Notification]:
    """The person's newest notifications."""
    query = select(Notification).where(Notification.user_id == user.id)
    return list(db.scalars(query.order_by(*NEWEST_FIRST.clauses()).limit(limit)))


def notifications_page(db: Session, user: User, page: PageRequest) -> Slice[Notification]:
    """A page of the person's notifications, newest first."""
    return NEWEST_FIRST.scalars(
        db, select(Notification).where(Notification.user_id == user.id), page
    )


def mark_read(db: Session, user: User, notification_id: uuid.UUID) -> Notification:
    """Mark one of the person's notifications read."""
    note = db.get(Notification, notification_id)
    if note is None or note.user_id != user.id:
        raise NotFound("That notification does not exist.")
    note.read_at = note.read_at or utcnow()
    return note


def mark_all_read(db: Session, user: User) -> None:
    """Mark every notification of the person read."""
    db.execute(
        update(Notification)
        .where(Notification.user_id == user.id, Notification.read_at.is_(None))
        .values(read_at=utcnow())
    )


def preferences(db: Session, user: User) -> dict[str, bool]:
    """E-mail on/off for every registered kind."""
    chosen = dict(
        db.execute(
            select(NotificationPreference.kind, NotificationPreference.email).where(
                NotificationPreference.user_id == user.id
            )
        ).all()
    )
    return {key: chosen.get(key, kind.email_default) for key, kind in KINDS.items()}


def save_preferences(db: Session, user: User, email_kinds: set[str]) -> None:
    """Store the person's e-mail choice for every registered kind."""
    unknown = email_kinds - KINDS.keys()
    if unknown:
        raise Invalid(f"Unknown notification kinds: {', '.join(sorted(unknown))}.")
    existing = {
        p.kind: p
        for p in db.scalars(
            select(NotificationPreference).where(NotificationPreference.user_id == user.id)
        )
    }
    for key in KINDS:
        row = existing.get(key) or NotificationPreference(user_id=user.id, kind=key)
        row.email = key in email_kinds
        db.add(row)
