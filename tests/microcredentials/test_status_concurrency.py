"""An administrator double-clicks publish or archive on a micro-credential, on real separate
connections: one request changes it and is audited once; the other is told it already changed."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import Engine, func, select
from sqlalchemy.orm import Session

from app.models import AuditEvent, DefinitionStatus, MicroCredential, User
from app.services.microcredentials import definitions
from app.services.orgs import organizations
from app.settings import Settings
from tests.microcredentials.support import admin_of, make_definition
from tests.race_support import all_at_once

Step = Callable[[Session, User, MicroCredential], MicroCredential]


@pytest.mark.parametrize(
    ("published", "step", "event", "end"),
    [
        (False, definitions.publish, "microcredential.published", DefinitionStatus.PUBLISHED),
        (True, definitions.archive, "microcredential.archived", DefinitionStatus.ARCHIVED),
    ],
)
def test_a_double_click_changes_the_definition_and_audits_once(
    fresh_engine: Engine,
    settings: Settings,
    published: bool,
    step: Step,
    event: str,
    end: DefinitionStatus,
) -> None:
    with Session(fresh_engine, expire_on_commit=False) as db:
        org = organizations.create_organization(db, None, slug="race", name="Race District")
        db.commit()
        definition = make_definition(db, org, settings, publish=published)
        admin = admin_of(db, org)
        db.commit()

    def read(db: Session) -> MicroCredential:
        return db.get_one(MicroCredential, definition.id)

    def act(db: Session, row: MicroCredential) -> MicroCredential:
        return step(db, db.get_one(User, admin.id), row)

    results = all_at_once(fresh_engine, [(read, act), (read, act)])

    names = sorted(type(result).__name__ for result in results)
    assert names == ["Conflict", "MicroCredential"], results
    with Session(fresh_engine) as db:
        assert db.get_one(MicroCredential, definition.id).status == end
        assert db.scalar(select(func.count()).where(AuditEvent.action == event)) == 1
