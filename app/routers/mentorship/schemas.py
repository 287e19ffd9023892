"""JSON shapes for mentorships, coaching goals and messages."""

from __future__ import annotations

import uuid
from datetime import date, datetime

from pydantic import BaseModel, ConfigDict, Field

from app.models import CoachingGoal, CoachingMessage, GoalStatus, Mentorship, User


class PersonRead(BaseModel):
    """A coach or a teacher."""

    id: uuid.UUID
    display_name: str

    @classmethod
    def of(cls, user: User) -> PersonRead:
        """Build from a user."""
        return cls(id=user.id, display_name=user.display_name)


class MentorshipRead(BaseModel):
    """A mentorship the caller is part of, and the caller's side of it."""

    id: uuid.UUID
    organization_slug: str
    coach: PersonRead
    teacher: PersonRead
    my_role: str = Field(description="'coach' or 'teacher'")
    created_at: datetime
    ended_at: datetime | None

    @classmethod
    def build(cls, mentorship: Mentorship, caller: User) -> MentorshipRead:
        """Build from a mentorship row, as seen by ``caller``."""
        return cls(
            id=mentorship.id,
            organization_slug=mentorship.organization.slug,
            coach=PersonRead.of(mentorship.coach),
            teacher=PersonRead.of(mentorship.teacher),
            my_role="coach" if caller.id == mentorship.coach_id else "teacher",
            created_at=mentorship.created_at,
            ended_at=mentorship.ended_at,
        )


class MessageCreate(BaseModel):
    """A message (Markdown), or with ``private`` a coach's private note."""

    body: str = Field(min_length=1, max_length=10_000)
    private: bool = False


class MessageRead(BaseModel):
    """A message or (only to its author) a private note."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    author_id: uuid.UUID | None
    body: str = Field(description="Markdown source")
    body_html: str = Field(description="Sanitized HTML")
    private: bool
    created_at: datetime

    @classmethod
    def build(cls, message: CoachingMessage) -> MessageRead:
        """Build from a message row."""
        return cls.model_validate(message)


class GoalCreate(BaseModel):
    """A new coaching goal."""

    title: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=5_000)
    due_on: date | None = None


class GoalUpdate(BaseModel):
    """A goal's new status."""

    status: GoalStatus


class GoalRead(BaseModel):
    """A coaching goal."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    title: str
    description: str
    status: GoalStatus
    due_on: date | None
    created_by_id: uuid.UUID | None
    created_at: datetime
    closed_at: datetime | None

    @classmethod
    def build(cls, goal: CoachingGoal) -> GoalRead:
        """Build from a goal row."""
        return cls.model_validate(goal)
