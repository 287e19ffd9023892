"""Open Badges credentials Laurel issues, the issuers' signing keys and status lists."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    ForeignKey,
    Index,
    LargeBinary,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, IdMixin, utcnow
from app.models.organization import Organization
from app.models.user import User


class SigningKey(IdMixin, Base):
    """An issuer's key: Ed25519 for Data Integrity, RSA for VC-JWT; private half encrypted."""

    __tablename__ = "signing_keys"
    __table_args__ = (
        Index("ix_signing_keys_org_retired", "organization_id", "retired_at"),
        Index(
            "uq_signing_keys_current",
            "organization_id",
            "algorithm",
            unique=True,
            sqlite_where=text("retired_at IS NULL"),
            postgresql_where=text("retired_at IS NULL"),
        ),
    )

    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE")
    )
    algorithm: Mapped[str] = mapped_column(String(20))
    key_id: Mapped[str] = mapped_column(String(80))
    public_jwk: Mapped[dict[str, Any]] = mapped_column(JSON)
    private_key_encrypted: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    retired_at: Mapped[datetime | None]


class StatusList(IdMixin, Base):
    """A Bitstring Status List of one organization; indexes are handed out in a scrambled order."""

    __tablename__ = "status_lists"
    __table_args__ = (UniqueConstraint("organization_id", "purpose", "sequence"),)

    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE")
    )
    purpose: Mapped[str] = mapped_column(String(20), default="revocation")
    sequence: Mapped[int]
    size: Mapped[int]
    bits: Mapped[bytes] = mapped_column(LargeBinary)
    allocated: Mapped[int] = mapped_column(default=0)
    offset: Mapped[int]
    stride: Mapped[int]
    signed_credential: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow)

    organization: Mapped[Organization] = relationship(lazy="joined")


class IssuedCredential(IdMixin, Base):
    """One OpenBadgeCredential issued by an organization, kept in both signed forms."""

    __tablename__ = "issued_credentials"
    __table_args__ = (
        UniqueConstraint("status_list_id", "status_index"),
        Index("ix_issued_credentials_recipient", "recipient_user_id", "issued_at"),
        Index("ix_issued_credentials_org_issued", "organization_id", "issued_at"),
    )

    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id", ondelete="RESTRICT")
    )
    recipient_user_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    recipient_email: Mapped[str] = mapped_column(String(320))
    achievement_name: Mapped[str] = mapped_column(String(200))
    idempotency_key: Mapped[str] = mapped_column(String(200), unique=True)
    credential_json: Mapped[dict[str, Any]] = mapped_column(JSON)
    credential_jwt: Mapped[str] = mapped_column(Text)
    status_list_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("status_lists.id"))
    status_index: Mapped[int]
    issued_at: Mapped[datetime] = mapped_column(default=utcnow)
    valid_from: Mapped[datetime]
    valid_until: Mapped[datetime | None]
    revoked_at: Mapped[datetime | None]
    revocation_reason: Mapped[str | None] = mapped_column(String(500))
    is_public: Mapped[bool] = mapped_column(default=False)
    supersedes_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("issued_credentials.id", ondelete="SET NULL")
    )
    superseded_at: Mapped[datetime | None]
    expiry_reminder_sent_at: Mapped[datetime | None]
    image_svg: Mapped[str] = mapped_column(Text)

    organization: Mapped[Organization] = relationship(lazy="joined")
    recipient: Mapped[User | None] = relationship()
    status_list: Mapped[StatusList] = relationship()

    @property
    def state(self) -> str:
        """'revoked', 'superseded', 'expired' or 'active', as the wallet shows it."""
        if self.revoked_at is not None:
            return "revoked"
        if self.superseded_at is not None:
            return "superseded"
        if self.valid_until is not None and self.valid_until <= utcnow():
            return "expired"
        return "active"
