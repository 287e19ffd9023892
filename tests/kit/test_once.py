"""A one-way change takes only while the row is still as read: the second request is told."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import Conflict
from app.kit import once
from app.models import Organization
from tests.support import make_org


def _stored_name(db: Session, org: Organization) -> str:
    return db.scalars(select(Organization.name).where(Organization.id == org.id)).one()


def test_the_change_takes_while_the_condition_holds(db: Session) -> None:
    org = make_org(db)
    assert once.change(db, org, Organization.name == org.name, name="Renamed")
    assert org.name == "Renamed"
    assert _stored_name(db, org) == "Renamed"


def test_a_change_someone_else_made_first_is_not_made_again(db: Session) -> None:
    org = make_org(db)
    read_name = org.name
    assert once.change(db, org, Organization.name == read_name, name="First")
    assert not once.change(db, org, Organization.name == read_name, name="Second")
    assert org.name == "First"
    with pytest.raises(Conflict, match="Already renamed"):
        once.change_or_refuse(db, org, "Already renamed.", Organization.name == read_name, name="x")
    assert _stored_name(db, org) == "First"
