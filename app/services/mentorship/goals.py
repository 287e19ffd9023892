"""Coaching goals: either party of an active mentorship sets them and closes them."""

from __future__ import annotations

import uuid
from datetime import date

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import utcnow
from app.errors import Invalid, NotFound
from app.kit import links
from app.kit.keyset import Order, PageRequest, Slice, sort_key
from app.models import CoachingGoal, GoalStatus, Mentorship, User
from app.services.mentorship.pairs import KIND, other_party, require_open
from app.services.notifications import delivery as notifications
from app.settings import Settings

GOAL_TITLE_MAX = 200
GOAL_DESCRIPTION_MAX = 5_000
GOAL_ORDER = Order(
    sort_key(CoachingGoal.status != GoalStatus.OPEN),
    sort_key(CoachingGoal.created_at),
    sort_key(CoachingGoal.id),
)


def goals(db: Session, mentorship: Mentorship) -> list[CoachingGoal]:
    """The mentorship's goals: open ones first, then by when they were set."""
    query = select(CoachingGoal).where(CoachingGoal.mentorship_id == mentorship.id)
    return list(db.scalars(query.order_by(*GOAL_ORDER.clauses())))


def goals_page(db: Session, mentorship: Mentorship, page: PageRequest) -> Slice[CoachingGoal]:
    """A page of ``goals`` after a cursor."""
    query = select(CoachingGoal).where(CoachingGoal.mentorship_id == mentorship.id)
    return GOAL_ORDER.scalars(db, query, page)


def parse_due(value: str) -> date | None:
    """A due date from a form (YYYY-MM-DD), None when blank, else Invalid."""
    value = value.strip()
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise Invalid("Give the due date as YYYY-MM-DD.", field="due_on") from exc


def add_goal(
    db: Session,
    settings: Settings,
    mentorship: Mentorship,
    user: User,
    *,
    title: str,
    description: str = "",
    due_on: date | None = None,
) -> CoachingGoal:
    """Set a goal (coach or teacher); the other party is notified."""
    require_open(mentorship)
    title = " ".join(title.split())
    if not title or len(title) > GOAL_TITLE_MAX:
        raise Invalid(
            f"Give the goal a title of at most {GOAL_TITLE_MAX} characters.", field="title"
        )
    description = description.strip()
    if len(description) > GOAL_DESCRIPTION_MAX:
        raise Invalid(
            f"Keep the description under {GOAL_DESCRIPTION_MAX} characters.", field="description"
        )
    goal = CoachingGoal(
        mentorship_id=mentorship.id,
        title=title,
        description=description,
        due_on=due_on,
        created_by_id=user.id,
    )
    db.add(goal)
    notifications.notify(
        db,
        settings,
        other_party(mentorship, user),
        KIND,
        f"{user.display_name} set a coaching goal: {title}",
        links.COACHING.path_for(mentorship_id=mentorship.id),
        body=description,
        actor=user,
    )
    return goal


def set_goal_status(
    db: Session, mentorship: Mentorship, goal_id: uuid.UUID, status: GoalStatus
) -> CoachingGoal:
    """Mark a goal achieved or dropped (or open again); either party may."""
    require_open(mentorship)
    goal = db.get(CoachingGoal, goal_id)
    if goal is None or goal.mentorship_id != mentorship.id:
        raise NotFound("There is no such goal on this coaching page.")
    goal.status = status
    goal.closed_at = None if status == GoalStatus.OPEN else utcnow()
    return goal


def parse_status(value: str) -> GoalStatus:
    """A goal status from a form or JSON value, or Invalid."""
    try:
        return GoalStatus(value)
    except ValueError as exc:
        raise Invalid("Choose open, achieved or dropped.", field="status") from exc


def due_for_teacher(db: Session, user: User, limit: int = 5) -> list[CoachingGoal]:
    """Open goals with a due date in the teacher's current coaching, soonest first (one query;
    each goal's ``mentorship_id`` leads to its coaching page)."""
    return list(
        db.scalars(
            select(CoachingGoal)
            .join(Mentorship, Mentorship.id == CoachingGoal.mentorship_id)
            .where(
                Mentorship.teacher_id == user.id,
                Mentorship.ended_at.is_(None),
                CoachingGoal.status == GoalStatus.OPEN,
                CoachingGoal.due_on.is_not(None),
            )
            .order_by(CoachingGoal.due_on, CoachingGoal.title, CoachingGoal.id)
            .limit(limit)
        )
    )
