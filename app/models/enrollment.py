"""Enrollments, per-activity progress, quiz attempts and end-of-module feedback."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Numeric, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, IdMixin, TimestampMixin, str_enum
from app.models.module import Module
from app.models.user import User


class EnrollmentStatus(enum.StrEnum):
    """Where a teacher is with a module."""

    ACTIVE = "active"
    COMPLETED = "completed"
    WITHDRAWN = "withdrawn"


class Enrollment(IdMixin, TimestampMixin, Base):
    """A teacher in one module (pinned to the version they enrolled in)."""

    __tablename__ = "enrollments"
    __table_args__ = (
        UniqueConstraint("user_id", "family_id"),
        Index("ix_enrollments_module_status", "module_id", "status"),
        Index("ix_enrollments_family_status", "family_id", "status"),
        Index("ix_enrollments_status_user_family", "status", "user_id", "family_id"),
    )

    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    module_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("modules.id", ondelete="CASCADE"))
    family_id: Mapped[uuid.UUID]
    status: Mapped[EnrollmentStatus] = mapped_column(
        str_enum(EnrollmentStatus, "enrollment_status"), default=EnrollmentStatus.ACTIVE
    )
    enrolled_at: Mapped[datetime]
    completed_at: Mapped[datetime | None] = mapped_column(index=True)
    pd_hours_awarded: Mapped[Decimal | None] = mapped_column(Numeric(5, 2))
    last_activity_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("module_activities.id", ondelete="SET NULL")
    )

    user: Mapped[User] = relationship()
    module: Mapped[Module] = relationship()
    progress: Mapped[list[ActivityProgress]] = relationship(
        back_populates="enrollment", cascade="all, delete-orphan"
    )


class ActivityProgress(IdMixin, TimestampMixin, Base):
    """A teacher's state in one activity: completion and, for reflections, the text."""

    __tablename__ = "activity_progress"
    __table_args__ = (UniqueConstraint("enrollment_id", "activity_id"),)

    enrollment_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("enrollments.id", ondelete="CASCADE")
    )
    activity_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("module_activities.id", ondelete="CASCADE"), index=True
    )
    completed_at: Mapped[datetime | None]
    response_text: Mapped[str | None] = mapped_column(Text)

    enrollment: Mapped[Enrollment] = relationship(back_populates="progress")


class QuizAttempt(IdMixin, Base):
    """One submitted attempt at a quiz; the unique number stops double submissions."""

    __tablename__ = "quiz_attempts"
    __table_args__ = (UniqueConstraint("enrollment_id", "activity_id", "attempt_no"),)

    enrollment_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("enrollments.id", ondelete="CASCADE")
    )
    activity_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("module_activities.id", ondelete="CASCADE"), index=True
    )
    attempt_no: Mapped[int]
    answers: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    score: Mapped[int]
    passed: Mapped[bool]
    submitted_at: Mapped[datetime]


class ModuleFeedback(IdMixin, TimestampMixin, Base):
    """The optional end-of-module survey: a 1-5 rating and a comment."""

    __tablename__ = "module_feedback"

    enrollment_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("enrollments.id", ondelete="CASCADE"), unique=True
    )
    module_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("modules.id", ondelete="CASCADE"), index=True
    )
    rating: Mapped[int | None]
    comment: Mapped[str | None] = mapped_column(String(2000))
