"""Community fixtures: a district with a coach (facilitator), teachers and two communities."""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from app.models import Community, JoinPolicy, Organization, Role, User
from app.services.communities import membership as communities
from app.services.identity import sessions
from app.web.access import SESSION_COOKIE
from tests.support import WebClient, make_org, make_user

BASE = "/orgs/riverbend/communities"


@dataclass
class World:
    org: Organization
    coach: User
    ana: User
    ben: User
    cleo: User
    outsider: User
    open: Community
    private: Community


@pytest.fixture
def world(db) -> World:
    org = make_org(db)
    coach = make_user(db, "coach@school.org", org=org, role=Role.COACH, name="Casey Coach")
    ana = make_user(db, "ana@school.org", org=org, name="Ana Alvarez")
    ben = make_user(db, "ben@school.org", org=org, name="Ben Brown")
    cleo = make_user(db, "cleo@school.org", org=org, name="Cleo Chen")
    outsider = make_user(db, "out@elsewhere.org", name="Otto Outsider")
    open_c = communities.create_community(
        db, org, coach, slug="math", name="Math circle", guidelines="Be kind. Cite sources."
    )
    private = communities.create_community(
        db, org, coach, slug="coaches", name="Coaches lounge", join_policy=JoinPolicy.REQUEST
    )
    db.commit()
    return World(org, coach, ana, ben, cleo, outsider, open_c, private)


def count(db, model) -> int:
    """Rows of a model, read fresh."""
    db.expire_all()
    return db.scalar(select(func.count()).select_from(model)) or 0


def login(web: WebClient, email: str) -> None:
    """Sign in without the password form (argon2 is slow; the form itself is tested elsewhere)."""
    db = web.db
    user = db.scalar(select(User).where(User.email == email))
    assert user is not None, email
    raw = sessions.start_session(db, web.settings, user, ip=None, user_agent="tests")
    db.commit()
    for cookie in list(web.client.cookies.jar):
        if cookie.name == SESSION_COOKIE:
            web.client.cookies.jar.clear(cookie.domain, cookie.path, cookie.name)
    web.client.cookies.set(SESSION_COOKIE, raw)
