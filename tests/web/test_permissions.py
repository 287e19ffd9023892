"""Every route declares who may call it, and each role reaches only what it should."""

from __future__ import annotations

import importlib
import pkgutil

import pytest
from fastapi.routing import APIRoute, APIRouter
from sqlalchemy import select

import app.routers
from app.models import Membership, Role
from app.web.access import ACCESS_DEPENDENCIES
from tests.route_table import app_routes
from tests.support import WebClient, make_org, make_user


def _declared_access(dependant) -> bool:
    for dep in dependant.dependencies:
        call = dep.call
        if call in ACCESS_DEPENDENCIES or isinstance(
            call, tuple(c for c in ACCESS_DEPENDENCIES if isinstance(c, type))
        ):
            return True
        if _declared_access(dep):
            return True
    return False


def _route_name(methods: set[str] | None, path: str | None) -> str:
    return f"{sorted(methods or ())} {path}"


def _routes_defined_in_routers() -> list[str]:
    """Every APIRoute of every APIRouter in app.routers, found without asking the app."""
    routers = {
        id(value): value
        for module_info in pkgutil.walk_packages(app.routers.__path__, "app.routers.")
        for value in vars(importlib.import_module(module_info.name)).values()
        if isinstance(value, APIRouter)
    }
    return [
        _route_name(route.methods, route.path)
        for router in routers.values()
        for route in router.routes
        if isinstance(route, APIRoute)
    ]


def test_every_route_declares_who_may_call_it(app) -> None:
    served = app_routes(app)
    undeclared = [r.name for r in served if not _declared_access(r.dependant)]
    assert undeclared == []
    defined = _routes_defined_in_routers()
    assert len(defined) > 150  # Laurel defines some 200 routes; none found means the walk broke
    assert sorted(r.name for r in served) == sorted(defined)


@pytest.fixture
def people(db):
    riverbend = make_org(db)
    lakeside = make_org(db, "lakeside")
    for role in Role:
        make_user(db, f"{role.value}@riverbend.org", org=riverbend, role=role)
    make_user(db, "admin@lakeside.org", org=lakeside, role=Role.ADMIN)
    make_user(db, "loner@nowhere.org")
    make_user(db, "root@laurel.org", platform_admin=True)
    return riverbend


ROLE_MATRIX = [
    # (who, path, expected status)
    ("teacher@riverbend.org", "/orgs/riverbend/members", 403),
    ("coach@riverbend.org", "/orgs/riverbend/members", 200),
    ("admin@riverbend.org", "/orgs/riverbend/members", 200),
    ("admin@lakeside.org", "/orgs/riverbend/members", 403),
    ("loner@nowhere.org", "/orgs/riverbend/members", 403),
    ("root@laurel.org", "/orgs/riverbend/members", 200),
    ("teacher@riverbend.org", "/orgs/riverbend/settings/sso", 403),
    ("coach@riverbend.org", "/orgs/riverbend/settings/sso", 403),
    ("admin@riverbend.org", "/orgs/riverbend/settings/sso", 200),
    ("admin@lakeside.org", "/orgs/riverbend/settings/sso", 403),
    ("admin@riverbend.org", "/admin/organizations", 403),
    ("root@laurel.org", "/admin/organizations", 200),
    ("admin@riverbend.org", "/admin/organizations/riverbend/domains", 403),
    ("root@laurel.org", "/admin/organizations/riverbend/domains", 200),
]


@pytest.mark.parametrize(("who", "path", "status"), ROLE_MATRIX)
def test_pages_by_role(web: WebClient, people, who, path, status) -> None:
    web.sign_in(who)
    assert web.get(path).status_code == status


@pytest.mark.parametrize(
    "path",
    ["/orgs/riverbend/members", "/orgs/riverbend/settings/sso", "/admin/organizations", "/account"],
)
def test_anonymous_visitors_are_sent_to_sign_in(web: WebClient, people, path) -> None:
    response = web.get(path)
    assert response.status_code == 303
    assert response.headers["location"] == f"/signin?next={path}"


@pytest.mark.parametrize(
    "who", ["teacher@riverbend.org", "coach@riverbend.org", "admin@lakeside.org"]
)
def test_only_admins_of_the_organization_change_roles(web: WebClient, db, people, who) -> None:
    target = db.scalar(
        select(Membership).join(Membership.user).where(Membership.role == Role.TEACHER)
    )
    web.sign_in(who)
    response = web.post(f"/orgs/riverbend/members/{target.id}/role", {"role": "admin"})
    assert response.status_code == 403
    db.expire_all()
    assert db.get(Membership, target.id).role == Role.TEACHER
    invite = web.post("/orgs/riverbend/invitations", {"email": "x@y.org", "role": "admin"})
    assert invite.status_code == 403


MEMBER_CONTROLS = {
    "Coaching assignments": "/orgs/riverbend/mentorships",
    "role forms": "/role",
    "remove buttons": "/remove",
    "invitation form": "Send invitation",
    "pending invitations": "invited@riverbend.org",
}


@pytest.mark.parametrize(
    ("who", "manages"),
    [("coach@riverbend.org", False), ("admin@riverbend.org", True), ("root@laurel.org", True)],
)
def test_the_member_list_offers_its_controls_to_administrators_only(
    web: WebClient, people, who, manages
) -> None:
    web.sign_in("admin@riverbend.org")
    invited = web.post(
        "/orgs/riverbend/invitations", {"email": "invited@riverbend.org", "role": "teacher"}
    )
    assert invited.status_code == 303
    web.sign_in(who)
    page = web.get("/orgs/riverbend/members").text
    assert "teacher@riverbend.org" in page
    assert {name: marker in page for name, marker in MEMBER_CONTROLS.items()} == dict.fromkeys(
        MEMBER_CONTROLS, manages
    )
