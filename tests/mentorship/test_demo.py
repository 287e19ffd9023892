"""The demo coaching data: the coach mentors both teachers; seeding twice changes nothing."""

from __future__ import annotations

from sqlalchemy import func, select

from app.demo.district import DEMO_ACCOUNTS, DEMO_ORG_SLUG, seed_demo
from app.demo.mentorship import seed_mentorship
from app.models import CoachingGoal, CoachingMessage, Mentorship, Organization, User
from app.services.mentorship.messages import conversation
from app.services.mentorship.pairs import mentees


def counts(db) -> tuple[int, ...]:
    return tuple(
        db.scalar(select(func.count()).select_from(model)) or 0
        for model in (Mentorship, CoachingGoal, CoachingMessage)
    )


def test_seed_mentorship_is_idempotent(db, settings) -> None:
    seed_demo(db, settings)
    org = db.scalar(select(Organization).where(Organization.slug == DEMO_ORG_SLUG))
    people = [db.scalar(select(User).where(User.email == a.email)) for a in DEMO_ACCOUNTS]
    seed_mentorship(db, settings, org, people)
    db.commit()
    first = counts(db)
    assert first == (2, 4, 8)
    seed_mentorship(db, settings, org, people)
    db.commit()
    assert counts(db) == first

    admin, coach, _teacher, _teacher2 = people
    assert {m.mentorship.teacher.email for m in mentees(db, coach)} == {
        "teacher@riverbend.example",
        "teacher2@riverbend.example",
    }
    mentorship = mentees(db, coach)[0].mentorship
    assert sum(m.private for m in conversation(db, mentorship, coach)) == 1
    assert sum(m.private for m in conversation(db, mentorship, mentorship.teacher)) == 0
    assert admin.id == mentorship.assigned_by_id
