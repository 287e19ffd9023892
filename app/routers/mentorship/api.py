"""JSON API: mentorships, their goals and messages (tokens with coaching:read / coaching:write).

Only the coach and the teacher of a mentorship see it; for anyone else it does not exist (404).
"""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends

from app.models import User
from app.routers.mentorship.schemas import (
    GoalCreate,
    GoalRead,
    GoalUpdate,
    MentorshipRead,
    MessageCreate,
    MessageRead,
)
from app.services.mentorship import goals as coaching_goals
from app.services.mentorship import messages as coaching_messages
from app.services.mentorship import pairs as coaching
from app.web.access import ApiToken, AppSettings, Db
from app.web.api_errors import ERROR_RESPONSES
from app.web.common import TransactionalRoute
from app.web.paging import Page, Paging

router = APIRouter(
    prefix="/api/v1", route_class=TransactionalRoute, tags=["coaching"], responses=ERROR_RESPONSES
)
Reader = Annotated[User, Depends(ApiToken("coaching:read"))]
Writer = Annotated[User, Depends(ApiToken("coaching:write"))]


@router.get("/mentorships", response_model=Page[MentorshipRead])
def my_mentorships(db: Db, user: Reader, paging: Paging) -> Page[MentorshipRead]:
    """Mentorships where the caller is the coach or the teacher (active first, newest first)."""
    rows = coaching.mine_page(db, user, paging)
    return Page[MentorshipRead].of(rows, lambda m: MentorshipRead.build(m, user))


@router.get("/mentorships/{mentorship_id}/messages", response_model=Page[MessageRead])
def messages(db: Db, user: Reader, mentorship_id: uuid.UUID, paging: Paging) -> Page[MessageRead]:
    """The conversation, oldest first (a coach also gets their own private notes)."""
    mentorship = coaching.get_for(db, user, mentorship_id)
    rows = coaching_messages.conversation_page(db, mentorship, user, paging)
    return Page[MessageRead].of(rows, MessageRead.build)


@router.post("/mentorships/{mentorship_id}/messages", response_model=MessageRead, status_code=201)
def send_message(
    db: Db, settings: AppSettings, user: Writer, mentorship_id: uuid.UUID, body: MessageCreate
) -> MessageRead:
    """Send a message to the other party, or (the coach) keep a private note."""
    mentorship = coaching.get_for(db, user, mentorship_id)
    message = coaching_messages.post_message(
        db, settings, mentorship, user, body.body, private=body.private
    )
    db.flush()
    return MessageRead.build(message)


@router.get("/mentorships/{mentorship_id}/goals", response_model=Page[GoalRead])
def goals(db: Db, user: Reader, mentorship_id: uuid.UUID, paging: Paging) -> Page[GoalRead]:
    """The mentorship's goals, open ones first."""
    mentorship = coaching.get_for(db, user, mentorship_id)
    return Page[GoalRead].of(coaching_goals.goals_page(db, mentorship, paging), GoalRead.build)


@router.post("/mentorships/{mentorship_id}/goals", response_model=GoalRead, status_code=201)
def add_goal(
    db: Db, settings: AppSettings, user: Writer, mentorship_id: uuid.UUID, body: GoalCreate
) -> GoalRead:
    """Set a goal (the other party is notified)."""
    mentorship = coaching.get_for(db, user, mentorship_id)
    goal = coaching_goals.add_goal(
        db,
        settings,
        mentorship,
        user,
        title=body.title,
        description=body.description,
        due_on=body.due_on,
    )
    db.flush()
    return GoalRead.build(goal)


@router.patch("/mentorships/{mentorship_id}/goals/{goal_id}", response_model=GoalRead)
def update_goal(
    db: Db, user: Writer, mentorship_id: uuid.UUID, goal_id: uuid.UUID, body: GoalUpdate
) -> GoalRead:
    """Mark a goal achieved, dropped or open again."""
    mentorship = coaching.get_for(db, user, mentorship_id)
    goal = coaching_goals.set_goal_status(db, mentorship, goal_id, body.status)
    db.flush()
    return GoalRead.build(goal)
