"""Demo coaching: the coach mentors both demo teachers, with goals, messages and a note."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import utcnow
from app.kit.markdown import render_markdown
from app.models import CoachingGoal, CoachingMessage, GoalStatus, Mentorship, Organization, User
from app.settings import Settings

GOALS = [
    ("Use exit tickets three times a week", "Short, one-question checks tied to the lesson goal."),
    ("Submit evidence for the formative assessment micro-credential", ""),
]
# (author is the coach?, private?, body)
MESSAGES = [
    (True, False, "Welcome! I'm looking forward to working with you this term."),
    (False, False, "Thanks! I'd like to focus on **formative assessment** first."),
    (True, False, "Great choice. Try an exit ticket this week and tell me how it went."),
    (True, True, "Confident with tech; wants quick wins. Check in after the first week."),
]


def seed_mentorship(
    db: Session,
    settings: Settings,  # noqa: ARG001 - the signature all demo seeders share
    org: Organization,
    people: list[User],
) -> None:
    """Pair the coach with teacher and teacher2 (idempotent: existing pairs are left alone).

    Rows are added directly, so seeding sends no notifications or e-mail.
    """
    admin, coach, *teachers = people
    for teacher in teachers:
        exists = db.scalar(
            select(Mentorship.id).where(
                Mentorship.organization_id == org.id,
                Mentorship.coach_id == coach.id,
                Mentorship.teacher_id == teacher.id,
            )
        )
        if exists is None:
            _seed_pair(db, org, admin, coach, teacher)
    db.flush()


def _seed_pair(db: Session, org: Organization, admin: User, coach: User, teacher: User) -> None:
    start = utcnow() - timedelta(days=14)
    mentorship = Mentorship(
        organization_id=org.id,
        coach_id=coach.id,
        teacher_id=teacher.id,
        assigned_by_id=admin.id,
        created_at=start,
    )
    db.add(mentorship)
    db.flush()
    for offset, (title, description) in enumerate(GOALS):
        db.add(
            CoachingGoal(
                mentorship_id=mentorship.id,
                title=title,
                description=description,
                status=GoalStatus.OPEN,
                due_on=(start + timedelta(days=30 + 14 * offset)).date(),
                created_by_id=coach.id,
                created_at=start + timedelta(hours=offset + 1),
            )
        )
    for hours, (by_coach, private, body) in enumerate(MESSAGES, start=2):
        db.add(
            CoachingMessage(
                mentorship_id=mentorship.id,
                author_id=coach.id if by_coach else teacher.id,
                body=body,
                body_html=render_markdown(body, "post"),
                private=private,
                created_at=start + timedelta(hours=hours),
            )
        )
