"""A teacher acts on a module in two tabs at the same moment, on real separate connections:
finishing the last two activities completes it once (never left active with everything done),
a double-clicked "done" succeeds twice with one progress row, and leaving cannot withdraw a
module the other tab just completed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from app.errors import Conflict
from app.models import (
    Activity,
    ActivityProgress,
    AuditEvent,
    Enrollment,
    EnrollmentStatus,
    Module,
    User,
)
from app.services.learning import enrollment, learner
from app.services.orgs import organizations
from app.settings import Settings
from tests.learning_support import published
from tests.race_support import after_other_commits, all_at_once, while_other_holds
from tests.support import make_user

READINGS = [
    {"kind": "reading", "title": "First idea", "body": "One."},
    {"kind": "reading", "title": "Second idea", "body": "Two."},
]


def _enrolled(engine: Engine) -> tuple[User, Module, list[Any]]:
    with Session(engine, expire_on_commit=False) as db:
        org = organizations.create_organization(db, None, slug="race", name="Race District")
        db.commit()
        teacher = make_user(db, "t@race.org", org=org)
        module = published(db, org, sections=[{"title": "Read", "activities": READINGS}])
        enrollment.enroll(db, teacher, module.id)
        db.commit()
        return teacher, module, [a.id for a in module.activities]


def _finisher(settings: Settings, teacher: User, module: Module) -> Callable[[Session, Any], Any]:
    def finish(db: Session, activity_id: Any) -> Any:
        view = learner.learner_view(db, db.get_one(User, teacher.id), module.id)
        return enrollment.mark_done(db, settings, view, activity_id)

    return finish


def test_finishing_the_last_two_activities_at_once_completes_the_module(
    fresh_engine: Engine, settings: Settings
) -> None:
    teacher, module, (first, second) = _enrolled(fresh_engine)
    finish = _finisher(settings, teacher, module)

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


def test_a_double_clicked_done_succeeds_twice_with_one_progress_row(
    fresh_engine: Engine, settings: Settings
) -> None:
    teacher, module, (first, _second) = _enrolled(fresh_engine)
    finish = _finisher(settings, teacher, module)

    def view(db: Session) -> learner.Learner:
        return learner.learner_view(db, db.get_one(User, teacher.id), module.id)

    results = all_at_once(fresh_engine, [(view, lambda db, _: finish(db, first)) for _ in range(2)])

    assert [isinstance(result, Activity) for result in results] == [True, True], results
    with Session(fresh_engine) as db:
        rows = db.scalars(select(ActivityProgress)).all()
        assert [(row.activity_id, row.completed_at is not None) for row in rows] == [(first, True)]
        assert db.scalars(select(Enrollment)).one().status == EnrollmentStatus.ACTIVE


def test_leaving_cannot_withdraw_a_module_completed_meanwhile(
    fresh_engine: Engine, settings: Settings
) -> None:
    teacher, module, activities = _enrolled(fresh_engine)
    finish = _finisher(settings, teacher, module)

    def complete(db: Session, _: Any) -> None:
        for activity_id in activities:
            finish(db, activity_id)

    refused = after_other_commits(
        fresh_engine,
        lambda db: learner.learner_view(db, db.get_one(User, teacher.id), module.id),
        lambda db, _view: enrollment.unenroll(db, db.get_one(User, teacher.id), module.id),
        complete,
    )

    assert isinstance(refused, Conflict)
    with Session(fresh_engine) as db:
        assert db.scalars(select(Enrollment)).one().status == EnrollmentStatus.COMPLETED
