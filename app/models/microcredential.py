"""Micro-credential definitions (the future OB 3.0 ``Achievement``) and the awards people earn."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Numeric, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, IdMixin, TimestampMixin, str_enum
from app.models.organization import Organization


class DefinitionStatus(enum.StrEnum):
    """Where a micro-credential definition is in its life."""

    DRAFT = "draft"
    PUBLISHED = "published"
    ARCHIVED = "archived"


class AwardRule(enum.StrEnum):
    """How a micro-credential is earned."""

    REVIEW = "review"  # a coach reviews submitted evidence against the rubric
    COMPLETION = "completion"  # completing the linked module(s) or pathway is enough


class MicroCredential(IdMixin, TimestampMixin, Base):
    """One version of a micro-credential definition, authored by an organization's admins.

    Versions share ``family_id``; once anyone has submitted evidence against a version it is
    frozen and an edit creates the next version (``is_current`` moves to it).

    ``evidence_requirements``: ``[{"key", "kind": "reflection"|"files"|"links", "label",
    "guidance", "required"}]``. ``rubric``: ``[{"key", "name", "description", "levels":
    [{"level", "label", "descriptor", "points"}]}]``. ``alignments``: ``[{"name", "url",
    "code", "framework"}]``. The pass rule is ``pass_rule`` (``"min_level"`` every criterion at
    ``pass_value`` or above, or ``"min_points"`` total at least ``pass_value``).
    """

    __tablename__ = "micro_credentials"
    __table_args__ = (
        UniqueConstraint("family_id", "version"),
        Index("ix_micro_credentials_org_status", "organization_id", "status", "is_current"),
        Index(
            "uq_micro_credentials_current",
            "family_id",
            unique=True,
            sqlite_where=text("is_current"),
            postgresql_where=text("is_current"),
        ),
    )

    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE")
    )
    family_id: Mapped[uuid.UUID] = mapped_column(index=True)
    version: Mapped[int] = mapped_column(default=1)
    is_current: Mapped[bool] = mapped_column(default=True)
    status: Mapped[DefinitionStatus] = mapped_column(
        str_enum(DefinitionStatus, "definition_status"), default=DefinitionStatus.DRAFT
    )
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    criteria: Mapped[str] = mapped_column(Text, default="")
    competencies: Mapped[list[str]] = mapped_column(JSON, default=list)
    evidence_requirements: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    rubric: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    pass_rule: Mapped[str] = mapped_column(String(20), default="min_level")
    pass_value: Mapped[int] = mapped_column(default=3)
    alignments: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    achievement_type: Mapped[str] = mapped_column(String(40), default="MicroCredential")
    award_rule: Mapped[AwardRule] = mapped_column(
        str_enum(AwardRule, "award_rule"), default=AwardRule.REVIEW
    )
    pd_hours: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal("0"))
    validity_months: Mapped[int | None]
    pathway_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("pathways.id", ondelete="SET NULL"), index=True
    )
    image_key: Mapped[str | None] = mapped_column(String(100))
    image_content_type: Mapped[str | None] = mapped_column(String(40))
    published_at: Mapped[datetime | None]
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )

    organization: Mapped[Organization] = relationship(lazy="joined")
    modules: Mapped[list[MicroCredentialModule]] = relationship(cascade="all, delete-orphan")


class MicroCredentialModule(Base):
    """A module family whose completion counts toward (or, for completion badges, earns) one."""

    __tablename__ = "micro_credential_modules"

    micro_credential_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("micro_credentials.id", ondelete="CASCADE"), primary_key=True
    )
    module_family_id: Mapped[uuid.UUID] = mapped_column(primary_key=True, index=True)
