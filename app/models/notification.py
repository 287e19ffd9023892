"""In-app notifications and each person's e-mail and digest preferences."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, IdMixin, utcnow
from app.models.user import User


class Notification(IdMixin, Base):
    """Something that happened for a person: shown in the bell until read."""

    __tablename__ = "notifications"
    __table_args__ = (
        Index("ix_notifications_user_read", "user_id", "read_at"),
        Index("ix_notifications_user_created", "user_id", "created_at"),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    actor_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(40))
    title: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text, default="")
    url: Mapped[str] = mapped_column(String(500))
    read_at: Mapped[datetime | None]
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    actor: Mapped[User | None] = relationship(foreign_keys=[actor_id], lazy="joined")


class NotificationPreference(IdMixin, Base):
    """Whether a person wants e-mail for one kind of notification (no row: the kind's default)."""

    __tablename__ = "notification_preferences"
    __table_args__ = (UniqueConstraint("user_id", "kind"),)

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(40))
    email: Mapped[bool] = mapped_column(default=True)


class DigestSubscription(IdMixin, Base):
    """How often a person gets the community digest: ``off``, ``daily`` or ``weekly``."""

    __tablename__ = "digest_subscriptions"
    __table_args__ = (Index("ix_digest_subscriptions_frequency", "frequency"),)

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), unique=True
    )
    frequency: Mapped[str] = mapped_column(String(10), default="weekly")
    last_sent_at: Mapped[datetime | None]
