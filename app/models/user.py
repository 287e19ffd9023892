"""People who sign in to Laurel."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import String, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, IdMixin, TimestampMixin

if TYPE_CHECKING:
    from app.models.organization import Membership


class User(IdMixin, TimestampMixin, Base):
    """An educator, coach, admin or platform operator; e-mail is stored lower-cased."""

    __tablename__ = "users"

    email: Mapped[str] = mapped_column(String(320), unique=True)
    display_name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    email_verified_at: Mapped[datetime | None]
    is_platform_admin: Mapped[bool] = mapped_column(default=False)
    is_active: Mapped[bool] = mapped_column(default=True)
    did: Mapped[str | None] = mapped_column(String(500))
    deletion_requested_at: Mapped[datetime | None]
    deletion_due_at: Mapped[datetime | None]
    """When the account's personal data will be erased (None: no deletion pending)."""
    deletion_revokes_credentials: Mapped[bool] = mapped_column(
        default=False, server_default=false()
    )
    deleted_at: Mapped[datetime | None]
    """When the personal data was erased; the row stays, pseudonymized, for aggregates."""

    memberships: Mapped[list[Membership]] = relationship(
        back_populates="user", cascade="all, delete-orphan", lazy="selectin"
    )

    @property
    def is_verified(self) -> bool:
        """Whether the person proved they own the e-mail address."""
        return self.email_verified_at is not None
