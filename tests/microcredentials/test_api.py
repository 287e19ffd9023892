"""The micro-credential JSON API: members read, administrators write."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from app.models import Role
from app.services.identity import access_tokens
from tests.api_pages import items
from tests.microcredentials.support import admin_of, fields, make_definition
from tests.support import make_org, make_user

SCOPES = ["microcredentials:read", "microcredentials:write"]


def bearer(db, user, scopes=SCOPES) -> dict[str, str]:
    _, raw = access_tokens.create_token(db, user, name="t", scopes=scopes, expires_in_days=1)
    db.commit()
    return {"Authorization": f"Bearer {raw}"}


@pytest.fixture
def api(app):
    with TestClient(app) as client:
        yield client


@pytest.fixture
def org(db):
    return make_org(db)


def body(**overrides):
    data = fields(**overrides)
    data["pd_hours"] = "3"
    data["validity_months"] = None
    return data


def test_admin_creates_edits_publishes_through_the_api(api, db, settings, org) -> None:
    admin = bearer(db, admin_of(db, org))
    created = api.post("/api/v1/orgs/riverbend/micro-credentials", json=body(), headers=admin)
    assert created.status_code == 201, created.text
    item = created.json()
    assert item["status"] == "draft"
    assert item["pass_rule_text"] == "Every criterion at level 3 (Proficient) or above"
    assert item["rubric"][0]["levels"][3]["label"] == "Exemplary"
    changed = api.patch(
        f"/api/v1/micro-credentials/{item['id']}", json={"pd_hours": "4.5"}, headers=admin
    )
    assert changed.json()["pd_hours"] == "4.50"
    assert changed.json()["name"] == "Formative Assessment in Practice"
    published = api.post(f"/api/v1/micro-credentials/{item['id']}/publish", headers=admin)
    assert published.json()["status"] == "published"
    listed = items(api.get("/api/v1/orgs/riverbend/micro-credentials", headers=admin))
    assert [d["id"] for d in listed] == [item["id"]]

    teacher = bearer(db, make_user(db, "ada@riverbend.org", org=org), ["microcredentials:read"])
    catalog = items(api.get("/api/v1/micro-credentials", headers=teacher))
    assert [d["name"] for d in catalog] == ["Formative Assessment in Practice"]


def test_bad_definitions_get_clear_errors(api, db, org) -> None:
    admin = bearer(db, admin_of(db, org))
    url = "/api/v1/orgs/riverbend/micro-credentials"
    rubric = fields()["rubric"]
    rubric[1]["levels"] = rubric[1]["levels"][:1]
    missing = api.post(url, json=body(rubric=rubric), headers=admin)
    assert missing.status_code == 422
    assert "needs at least two levels" in missing.json()["detail"]
    bad_rule = api.post(url, json=body(pass_value=7), headers=admin)
    assert bad_rule.status_code == 422
    assert "between 1 and 4" in bad_rule.json()["detail"]
    assert api.post(url, json={**body(), "extra": 1}, headers=admin).status_code == 422
    assert items(api.get(url, headers=admin)) == []


def test_who_may_do_what(api, db, settings, org) -> None:
    draft = make_definition(db, org, settings, publish=False)
    lakeside = make_org(db, "lakeside")
    other_admin = bearer(db, make_user(db, "boss@lakeside.org", org=lakeside, role=Role.ADMIN))
    coach = bearer(db, make_user(db, "coach@riverbend.org", org=org, role=Role.COACH))
    reader = bearer(db, make_user(db, "ada@riverbend.org", org=org), ["microcredentials:read"])
    create = "/api/v1/orgs/riverbend/micro-credentials"
    assert api.post(create, json=body(), headers=coach).status_code == 403
    assert api.post(create, json=body(), headers=other_admin).status_code == 403
    assert api.post(create, json=body(), headers=reader).status_code == 403  # scope
    patch = f"/api/v1/micro-credentials/{draft.id}"
    assert api.patch(patch, json={"name": "Mine"}, headers=other_admin).status_code == 404
    assert api.patch(patch, json={"name": "Mine"}, headers=coach).status_code == 404
    assert api.get(patch, headers=reader).status_code == 404  # drafts are invisible
    assert api.get("/api/v1/micro-credentials").status_code == 401
