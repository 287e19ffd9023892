"""Mentorship: a coach assigned to a teacher, their coaching goals and their conversation."""

from __future__ import annotations

import enum
import uuid
from datetime import date, datetime

from sqlalchemy import ForeignKey, Index, String, Text, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, IdMixin, str_enum, utcnow
from app.models.organization import Organization
from app.models.user import User


class GoalStatus(enum.StrEnum):
    """Where a coaching goal stands."""

    OPEN = "open"
    ACHIEVED = "achieved"
    DROPPED = "dropped"


class Mentorship(IdMixin, Base):
    """An admin's assignment of a coach to a teacher in one organization (ended, not deleted)."""

    __tablename__ = "mentorships"
    __table_args__ = (
        Index(
            "uq_mentorships_active",
            "organization_id",
            "coach_id",
            "teacher_id",
            unique=True,
            sqlite_where=text("ended_at IS NULL"),
            postgresql_where=text("ended_at IS NULL"),
        ),
        Index("ix_mentorships_coach", "coach_id", "ended_at"),
        Index("ix_mentorships_teacher", "teacher_id", "ended_at"),
    )

    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE")
    )
    coach_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    teacher_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    assigned_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    ended_at: Mapped[datetime | None]

    organization: Mapped[Organization] = relationship(lazy="joined")
    coach: Mapped[User] = relationship(foreign_keys=[coach_id], lazy="joined")
    teacher: Mapped[User] = relationship(foreign_keys=[teacher_id], lazy="joined")


class CoachingGoal(IdMixin, Base):
    """A goal a coach and teacher set together."""

    __tablename__ = "coaching_goals"
    __table_args__ = (Index("ix_coaching_goals_mentorship", "mentorship_id", "status"),)

    mentorship_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("mentorships.id", ondelete="CASCADE")
    )
    title: Mapped[str] = mapped_column(String(200))
    description: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[GoalStatus] = mapped_column(
        str_enum(GoalStatus, "goal_status"), default=GoalStatus.OPEN
    )
    due_on: Mapped[date | None]
    created_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    closed_at: Mapped[datetime | None]


class CoachingMessage(IdMixin, Base):
    """A message between coach and teacher, or a coach's private note (``private``)."""

    __tablename__ = "coaching_messages"
    __table_args__ = (Index("ix_coaching_messages_mentorship", "mentorship_id", "created_at"),)

    mentorship_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("mentorships.id", ondelete="CASCADE")
    )
    author_id: Mapped[uuid.UUID | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    body_html: Mapped[str] = mapped_column(Text)
    private: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    author: Mapped[User | None] = relationship(lazy="joined")
