"""Pathways (ordered modules) and what a teacher says about their goals and skills."""

from __future__ import annotations

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, IdMixin, TimestampMixin, str_enum
from app.models.module import ModuleStatus, Standard
from app.models.organization import Organization


class Pathway(IdMixin, TimestampMixin, Base):
    """An ordered set of modules that together earn a stacked credential (later)."""

    __tablename__ = "pathways"

    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[ModuleStatus] = mapped_column(
        str_enum(ModuleStatus, "pathway_status"), default=ModuleStatus.PUBLISHED
    )

    organization: Mapped[Organization] = relationship(lazy="joined")
    steps: Mapped[list[PathwayStep]] = relationship(
        cascade="all, delete-orphan", order_by="PathwayStep.position"
    )


class PathwayStep(IdMixin, Base):
    """One module (by family, so new versions count) at a position in a pathway."""

    __tablename__ = "pathway_steps"
    __table_args__ = (UniqueConstraint("pathway_id", "family_id"),)

    pathway_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("pathways.id", ondelete="CASCADE"))
    family_id: Mapped[uuid.UUID] = mapped_column(index=True)
    position: Mapped[int] = mapped_column(default=0)


class PathwayCompletion(IdMixin, Base):
    """A teacher finished every module of a pathway."""

    __tablename__ = "pathway_completions"
    __table_args__ = (UniqueConstraint("user_id", "pathway_id"),)

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    pathway_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("pathways.id", ondelete="CASCADE"), index=True
    )
    completed_at: Mapped[datetime]


class LearnerProfile(IdMixin, TimestampMixin, Base):
    """A teacher's goals, grade band and subject, used for recommendations."""

    __tablename__ = "learner_profiles"

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), unique=True
    )
    goals: Mapped[str] = mapped_column(Text, default="")
    grade_band: Mapped[str] = mapped_column(String(40), default="")
    subject: Mapped[str] = mapped_column(String(80), default="")
    share_demographics: Mapped[bool] = mapped_column(default=False, server_default=false())
    """Whether the teacher chose to let reports count the fields below (off by default)."""
    gender: Mapped[str] = mapped_column(String(40), default="", server_default="")
    race_ethnicity: Mapped[str] = mapped_column(String(80), default="", server_default="")
    years_experience: Mapped[str] = mapped_column(String(20), default="", server_default="")


class SelfRating(IdMixin, Base):
    """A teacher's own rating (1 beginning to 4 leading) against one standard."""

    __tablename__ = "self_ratings"
    __table_args__ = (UniqueConstraint("user_id", "standard_id"),)

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    standard_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("standards.id", ondelete="CASCADE"))
    rating: Mapped[int]

    standard: Mapped[Standard] = relationship(lazy="joined")
