"""A teacher finishes the last two activities of a module in two tabs at the same moment, on real
separate connections: the module is completed once (never left active with everything done)."""

from __future__ import annotations

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from app.models import AuditEvent, Enrollment, EnrollmentStatus, User
from app.services import enrollment, learner, organizations
from app.settings import Settings
from tests.learning_support import published
from tests.race_support import while_other_holds
from tests.support import make_user

READINGS = [
    {"kind": "reading", "title": "First idea", "body": "One."},
    {"kind": "reading", "title": "Second idea", "body": "Two."},
]


def test_finishing_the_last_two_activities_at_once_completes_the_module(
    fresh_engine: Engine, settings: Settings
) -> None:
    with Session(fresh_engine, expire_on_commit=False) as db:
        org = organizations.create_organization(db, None, slug="race", name="Race District")
        db.commit()
        teacher = make_user(db, "t@race.org", org=org)
        module = published(db, org, sections=[{"title": "Read", "activities": READINGS}])
        first, second = (a.id for a in module.activities)
        enrollment.enroll(db, teacher, module.id)
        db.commit()

    def finish(db: Session, activity_id: object) -> object:
        view = learner.learner_view(db, db.get_one(User, teacher.id), module.id)
        return enrollment.mark_done(db, settings, view, activity_id)  # type: ignore[arg-type]

    while_other_holds(
        fresh_engine,
        lambda db, _: finish(db, first),
        lambda _db: None,
        lambda db, _: finish(db, second),
    )

    with Session(fresh_engine) as db:
        row = db.scalars(select(Enrollment)).one()
        assert row.status == EnrollmentStatus.COMPLETED
        completions = db.scalar(select(func.count()).where(AuditEvent.action == "module.completed"))
        assert completions == 1
