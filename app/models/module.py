"""Learning modules (one row per version), their sections, activities and standards."""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, IdMixin, TimestampMixin, str_enum
from app.models.organization import Organization


class ModuleStatus(enum.StrEnum):
    """Where a module version is in its life."""

    DRAFT = "draft"
    PUBLISHED = "published"
    ARCHIVED = "archived"


class ModuleFormat(enum.StrEnum):
    """Self-paced, or a cohort with dates and a capacity."""

    SELF_PACED = "self_paced"
    COHORT = "cohort"


class ActivityKind(enum.StrEnum):
    """What a teacher does in an activity."""

    READING = "reading"
    VIDEO = "video"
    RESOURCE = "resource"
    REFLECTION = "reflection"
    QUIZ = "quiz"
    EVIDENCE = "evidence"


class Standard(IdMixin, Base):
    """A standard a module aligns with, e.g. ISTE Standards for Educators 2.1."""

    __tablename__ = "standards"

    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    url: Mapped[str | None] = mapped_column(String(500))


class ModuleStandard(Base):
    """Alignment of a module version with a standard."""

    __tablename__ = "module_standards"

    module_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("modules.id", ondelete="CASCADE"), primary_key=True
    )
    standard_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("standards.id", ondelete="CASCADE"), primary_key=True, index=True
    )


class ModulePrerequisite(Base):
    """A module (any version of ``required_family_id``) to complete before enrolling."""

    __tablename__ = "module_prerequisites"

    module_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("modules.id", ondelete="CASCADE"), primary_key=True
    )
    required_family_id: Mapped[uuid.UUID] = mapped_column(primary_key=True)


class Module(IdMixin, TimestampMixin, Base):
    """One version of a module. Versions of the same module share ``family_id``."""

    __tablename__ = "modules"
    __table_args__ = (
        UniqueConstraint("family_id", "version"),
        Index("ix_modules_catalog", "status", "is_current", "organization_id"),
    )

    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    family_id: Mapped[uuid.UUID] = mapped_column(index=True)
    version: Mapped[int] = mapped_column(default=1)
    status: Mapped[ModuleStatus] = mapped_column(
        str_enum(ModuleStatus, "module_status"), default=ModuleStatus.DRAFT
    )
    is_current: Mapped[bool] = mapped_column(default=True)
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    cover_image_url: Mapped[str | None] = mapped_column(String(500))
    grade_band: Mapped[str] = mapped_column(String(40), default="", index=True)
    subject: Mapped[str] = mapped_column(String(80), default="", index=True)
    language: Mapped[str] = mapped_column(String(10), default="en")
    estimated_minutes: Mapped[int] = mapped_column(default=30)
    pd_hours: Mapped[Decimal] = mapped_column(Numeric(5, 2), default=Decimal("0"))
    format: Mapped[ModuleFormat] = mapped_column(
        str_enum(ModuleFormat, "module_format"), default=ModuleFormat.SELF_PACED
    )
    starts_on: Mapped[date | None]
    ends_on: Mapped[date | None]
    capacity: Mapped[int | None]
    tags: Mapped[list[str]] = mapped_column(JSON, default=list)
    search_text: Mapped[str] = mapped_column(Text, default="")
    published_at: Mapped[datetime | None]
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )

    organization: Mapped[Organization] = relationship(lazy="joined")
    sections: Mapped[list[Section]] = relationship(
        back_populates="module",
        cascade="all, delete-orphan",
        order_by="Section.position",
    )
    standards: Mapped[list[Standard]] = relationship(
        secondary="module_standards", order_by="Standard.code"
    )
    prerequisites: Mapped[list[ModulePrerequisite]] = relationship(cascade="all, delete-orphan")

    @property
    def activities(self) -> list[Activity]:
        """Every activity in order."""
        return [a for s in self.sections for a in s.activities]


class Section(IdMixin, Base):
    """An ordered part of a module."""

    __tablename__ = "module_sections"

    module_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("modules.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    title: Mapped[str] = mapped_column(String(200))

    module: Mapped[Module] = relationship(back_populates="sections")
    activities: Mapped[list[Activity]] = relationship(
        back_populates="section", cascade="all, delete-orphan", order_by="Activity.position"
    )


class Activity(IdMixin, Base):
    """One thing to do in a section. ``key`` stays the same across module versions."""

    __tablename__ = "module_activities"

    section_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("module_sections.id", ondelete="CASCADE"), index=True
    )
    module_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("modules.id", ondelete="CASCADE"), index=True
    )
    key: Mapped[uuid.UUID] = mapped_column(default=uuid.uuid4)
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[ActivityKind] = mapped_column(str_enum(ActivityKind, "activity_kind"))
    title: Mapped[str] = mapped_column(String(200))
    required: Mapped[bool] = mapped_column(default=True)
    body: Mapped[str] = mapped_column(Text, default="")
    url: Mapped[str | None] = mapped_column(String(500))
    transcript_url: Mapped[str | None] = mapped_column(String(500))
    pass_mark: Mapped[int | None]
    evidence_target: Mapped[str | None] = mapped_column(String(200))
    questions: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)

    section: Mapped[Section] = relationship(back_populates="activities")
