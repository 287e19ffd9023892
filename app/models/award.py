"""Awards: a micro-credential someone earned, and the state of its signed credential."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, IdMixin, str_enum, utcnow
from app.models.credential import IssuedCredential
from app.models.microcredential import MicroCredential
from app.models.user import User


class AwardStatus(enum.StrEnum):
    """Whether the signed credential for an award exists yet."""

    PENDING = "pending"
    ISSUED = "issued"
    FAILED = "failed"


class Award(IdMixin, Base):
    """A micro-credential someone earned (by an Earned decision or by completion).

    The signed Open Badges credential is issued by ``awards.issue_for_award``; until then (or if
    signing failed) the award is shown as pending.
    """

    __tablename__ = "awards"
    __table_args__ = (
        UniqueConstraint("user_id", "micro_credential_id"),
        Index("ix_awards_org_awarded", "organization_id", "awarded_at"),
        Index("ix_awards_status", "status"),
    )

    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE")
    )
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    micro_credential_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("micro_credentials.id", ondelete="RESTRICT")
    )
    submission_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("submissions.id", ondelete="SET NULL"), unique=True
    )
    awarded_at: Mapped[datetime] = mapped_column(default=utcnow)
    awarded_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    status: Mapped[AwardStatus] = mapped_column(
        str_enum(AwardStatus, "award_status"), default=AwardStatus.PENDING
    )
    credential_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("issued_credentials.id", ondelete="SET NULL")
    )
    error: Mapped[str | None] = mapped_column(String(500))

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    micro_credential: Mapped[MicroCredential] = relationship(lazy="joined")
    credential: Mapped[IssuedCredential | None] = relationship()
