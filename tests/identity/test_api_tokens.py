"""Personal access tokens and the JSON API."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.models import AccessToken, Membership, Role
from tests.api_pages import items
from tests.support import WebClient, make_org, make_user


def create_token(web: WebClient, scopes: list[str], name: str = "script") -> str:
    response = web.post(
        "/account/tokens", {"name": name, "scopes": scopes, "expires_in_days": "30"}
    )
    assert response.status_code == 201, response.text
    return re.search(r'value="(lrl_[^"]+)"', response.text).group(1)


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def admin_web(web: WebClient, db) -> WebClient:
    org = make_org(db)
    make_user(db, "boss@school.org", org=org, role=Role.ADMIN)
    make_user(db, "t@school.org", org=org, name="Tess Teacher")
    web.sign_in("boss@school.org")
    return web


def test_token_is_shown_once_and_stored_hashed(admin_web: WebClient, db) -> None:
    raw = create_token(admin_web, ["account:read"])
    row = db.scalar(select(AccessToken))
    assert row.token_hash != raw
    assert raw not in row.token_hash
    assert row.prefix == raw[:10]
    account = admin_web.get("/account")
    assert raw not in account.text
    assert row.prefix in account.text

    me = admin_web.client.get("/api/v1/me", headers=bearer(raw))
    assert me.status_code == 200
    assert me.json()["email"] == "boss@school.org"
    assert me.json()["memberships"][0]["role"] == "admin"


def test_scopes_are_enforced(admin_web: WebClient) -> None:
    raw = create_token(admin_web, ["account:read"])
    response = admin_web.client.get("/api/v1/orgs", headers=bearer(raw))
    assert response.status_code == 403
    assert response.json() == {
        "error": "forbidden",
        "detail": "This access token lacks the 'orgs:read' scope.",
    }


def test_revoked_token_stops_working(admin_web: WebClient, db) -> None:
    raw = create_token(admin_web, ["account:read"])
    token_id = db.scalar(select(AccessToken.id))
    admin_web.post(f"/account/tokens/{token_id}/revoke")
    response = admin_web.client.get("/api/v1/me", headers=bearer(raw))
    assert response.status_code == 401
    assert response.json()["error"] == "unauthorized"
    assert response.headers["www-authenticate"] == "Bearer"


def test_bad_token_requests_get_clear_errors(admin_web: WebClient) -> None:
    for headers in ({}, {"Authorization": "Basic abc"}, bearer("lrl_made_up")):
        response = admin_web.client.get("/api/v1/me", headers=headers)
        assert response.status_code == 401
        assert set(response.json()) == {"error", "detail"}


@pytest.mark.parametrize(
    ("form", "message"),
    [
        ({"name": "", "scopes": ["account:read"]}, "Give the token a name"),
        ({"name": "x", "scopes": []}, "Choose at least one scope"),
        ({"name": "x", "scopes": ["root"]}, "Unknown scope: root"),
        ({"name": "x", "scopes": ["account:read"], "expires_in_days": "9999"}, "1 to 366"),
        ({"name": "x", "scopes": ["account:read"], "expires_in_days": "soon"}, "whole number"),
    ],
)
def test_token_form_errors(admin_web: WebClient, db, form, message) -> None:
    response = admin_web.post("/account/tokens", form)
    assert response.status_code == 422
    assert message in response.text
    assert db.scalar(select(AccessToken)) is None


def test_admin_manages_members_through_the_api(admin_web: WebClient, db) -> None:
    raw = create_token(admin_web, ["orgs:read", "orgs:admin"])
    client = admin_web.client
    members = items(client.get("/api/v1/orgs/riverbend/members", headers=bearer(raw)))
    assert {m["email"] for m in members} == {"boss@school.org", "t@school.org"}
    teacher = next(m for m in members if m["email"] == "t@school.org")

    changed = client.patch(
        f"/api/v1/orgs/riverbend/members/{teacher['membership_id']}",
        json={"role": "coach"},
        headers=bearer(raw),
    )
    assert changed.status_code == 200
    assert changed.json()["role"] == "coach"

    invited = client.post(
        "/api/v1/orgs/riverbend/invitations",
        json={"email": "new@school.org", "role": "teacher"},
        headers=bearer(raw),
    )
    assert invited.status_code == 201
    assert invited.json()["email"] == "new@school.org"

    bad = client.post(
        "/api/v1/orgs/riverbend/invitations",
        json={"email": "new@school.org", "role": "wizard"},
        headers=bearer(raw),
    )
    assert bad.status_code == 422
    assert bad.json()["error"] == "invalid_request"
    unknown = client.get("/api/v1/orgs/atlantis/members", headers=bearer(raw))
    assert unknown.status_code == 404
    assert unknown.json()["error"] == "not_found"


def test_teacher_token_cannot_list_members_or_change_roles(web: WebClient, db) -> None:
    org = make_org(db)
    make_user(db, "boss@school.org", org=org, role=Role.ADMIN)
    make_user(db, "t@school.org", org=org)
    web.sign_in("t@school.org")
    raw = create_token(web, ["orgs:read", "orgs:admin"])
    listed = web.client.get("/api/v1/orgs/riverbend/members", headers=bearer(raw))
    assert listed.status_code == 403
    target = db.scalar(select(Membership).where(Membership.role == Role.ADMIN))
    changed = web.client.patch(
        f"/api/v1/orgs/riverbend/members/{target.id}",
        json={"role": "teacher"},
        headers=bearer(raw),
    )
    assert changed.status_code == 403
    assert web.client.get("/api/v1/orgs/riverbend", headers=bearer(raw)).status_code == 200


def test_openapi_documents_the_api(web: WebClient) -> None:
    spec = web.get("/api/openapi.json").json()
    assert "/api/v1/me" in spec["paths"]
    assert "/api/v1/orgs/{slug}/members" in spec["paths"]
