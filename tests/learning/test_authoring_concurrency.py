"""An administrator double-clicks publish or archive on a module, on real separate connections:
one request changes it and is audited once; the other is told it already changed."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from app.models import AuditEvent, Module, ModuleStatus, Role, User
from app.services.learning import authoring, module_io
from app.services.learning.module_document import ModuleDoc
from app.services.orgs import organizations
from tests.learning_support import module_doc
from tests.race_support import all_at_once
from tests.support import make_user

Step = Callable[[Session, User, Module], None]


@pytest.mark.parametrize(
    ("start", "step", "event", "end"),
    [
        (ModuleStatus.DRAFT, authoring.publish, "module.published", ModuleStatus.PUBLISHED),
        (ModuleStatus.PUBLISHED, authoring.archive, "module.archived", ModuleStatus.ARCHIVED),
    ],
)
def test_a_double_click_changes_the_module_and_audits_once(
    fresh_engine: Engine, start: ModuleStatus, step: Step, event: str, end: ModuleStatus
) -> None:
    with Session(fresh_engine, expire_on_commit=False) as db:
        org = organizations.create_organization(db, None, slug="race", name="Race District")
        db.commit()
        admin = make_user(db, "admin@race.org", org=org, role=Role.ADMIN)
        module = module_io.import_module(db, org, None, ModuleDoc.model_validate(module_doc()))
        module.status = start
        db.commit()

    def read(db: Session) -> Module:
        return db.get_one(Module, module.id)

    def act(db: Session, row: Module) -> str:
        step(db, db.get_one(User, admin.id), row)
        return "changed"

    results = all_at_once(fresh_engine, [(read, act), (read, act)])

    assert sorted(type(result).__name__ for result in results) == ["Conflict", "str"], results
    with Session(fresh_engine) as db:
        assert db.get_one(Module, module.id).status == end
        assert db.scalar(select(func.count()).where(AuditEvent.action == event)) == 1
