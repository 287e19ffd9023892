"""Mentorship fixtures: a district with an admin, two coaches and three teachers, and another."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from app.models import Mentorship, Organization, Role, User
from app.services.identity import access_tokens
from app.services.mentorship import pairs as coaching
from tests.support import make_org, make_user


@dataclass
class World:
    org: Organization
    admin: User
    coach: User
    coach2: User
    ana: User
    ben: User
    cleo: User
    other_admin: User


@pytest.fixture
def world(db) -> World:
    org = make_org(db)
    other = make_org(db, "hillside")
    return World(
        org=org,
        admin=make_user(db, "admin@school.org", org=org, role=Role.ADMIN, name="Dana Admin"),
        coach=make_user(db, "coach@school.org", org=org, role=Role.COACH, name="Casey Coach"),
        coach2=make_user(db, "coach2@school.org", org=org, role=Role.COACH, name="Cory Coach"),
        ana=make_user(db, "ana@school.org", org=org, name="Ana Alvarez"),
        ben=make_user(db, "ben@school.org", org=org, name="Ben Brown"),
        cleo=make_user(db, "cleo@school.org", org=org, name="Cleo Chen"),
        other_admin=make_user(
            db, "boss@hillside.org", org=other, role=Role.ADMIN, name="Otto Other"
        ),
    )


def pair(db, settings, world: World, coach: User, teacher: User) -> Mentorship:
    """Assign through the service, committed."""
    made = coaching.assign(
        db, settings, world.org, world.admin, coach_id=coach.id, teacher_id=teacher.id
    )
    db.commit()
    return made


def token_for(db, user: User, *scopes: str) -> dict[str, str]:
    """Bearer headers for a fresh personal access token of the user."""
    _token, raw = access_tokens.create_token(
        db, user, name="test", scopes=list(scopes), expires_in_days=1
    )
    db.commit()
    return {"Authorization": f"Bearer {raw}"}
