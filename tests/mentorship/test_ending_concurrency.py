"""Ending the same mentorship twice at once (a double click), on real separate connections:
one request ends it and is audited once; the other is told it has already ended."""

from __future__ import annotations

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from app.errors import Conflict
from app.models import AuditEvent, Mentorship, Organization, Role, User
from app.services.mentorship import pairs
from app.settings import Settings
from tests.race_support import all_at_once
from tests.support import make_org, make_user


def test_ending_a_mentorship_twice_at_once_ends_and_audits_once(
    fresh_engine: Engine, settings: Settings
) -> None:
    with Session(fresh_engine, expire_on_commit=False) as db:
        org = make_org(db)
        admin = make_user(db, "admin@school.org", org=org, role=Role.ADMIN)
        coach = make_user(db, "coach@school.org", org=org, role=Role.COACH)
        teacher = make_user(db, "ana@school.org", org=org)
        made = pairs.assign(db, settings, org, admin, coach_id=coach.id, teacher_id=teacher.id)
        db.commit()

    def read(db: Session) -> Mentorship:
        return db.get_one(Mentorship, made.id)

    def end(db: Session, _: object) -> object:
        return pairs.end(db, db.get_one(Organization, org.id), db.get_one(User, admin.id), made.id)

    results = all_at_once(fresh_engine, [(read, end), (read, end)])

    assert sorted(type(result).__name__ for result in results) == ["Conflict", "Mentorship"]
    refused = next(result for result in results if isinstance(result, Conflict))
    assert "already ended" in refused.detail
    with Session(fresh_engine) as db:
        audits = db.scalar(select(func.count()).where(AuditEvent.action == "mentorship.ended"))
        assert audits == 1
