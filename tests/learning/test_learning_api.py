"""The learning JSON API: catalog, module, enrollment, progress and transcript."""

from __future__ import annotations

from sqlalchemy import func, select

from app.models import Enrollment
from tests.api_pages import items
from tests.identity.test_api_tokens import bearer, create_token
from tests.learning_support import published
from tests.support import WebClient, make_org, make_user


def test_teacher_uses_the_learning_api(web: WebClient, db) -> None:
    org = make_org(db)
    make_user(db, "t@school.org", org=org, name="Tess Teacher")
    module = published(db, org)
    web.sign_in("t@school.org")
    token = bearer(create_token(web, ["learning:read", "learning:write"]))
    api = web.client

    found = api.get("/api/v1/modules", params={"q": "exit tickets"}, headers=token).json()
    assert found["total"] == 1
    assert found["items"][0]["standards"][0]["code"] == "ISTE-E-2.7"
    detail = api.get(f"/api/v1/modules/{module.id}", headers=token).json()
    assert detail["enrollment"] is None
    assert "questions" not in str(detail)

    enrolled = api.post(f"/api/v1/modules/{module.id}/enrollment", headers=token)
    assert enrolled.status_code == 201
    assert enrolled.json()["continue_activity_id"] == str(module.activities[0].id)
    again = api.post(f"/api/v1/modules/{module.id}/enrollment", headers=token)
    assert again.status_code == 409
    assert again.json()["error"] == "conflict"

    reading = module.activities[0]
    done = api.post(f"/api/v1/modules/{module.id}/activities/{reading.id}/done", headers=token)
    assert done.status_code == 200
    assert done.json()["percent_complete"] == 33
    quiz = module.activities[2]
    refused = api.post(f"/api/v1/modules/{module.id}/activities/{quiz.id}/done", headers=token)
    assert refused.status_code == 422

    mine = items(api.get("/api/v1/enrollments", headers=token))
    assert mine[0]["module_title"] == "Exit Tickets That Work"
    transcript = api.get("/api/v1/transcript", headers=token).json()
    assert transcript["total_hours"] == "0"
    assert api.get("/api/v1/transcript?start=nope", headers=token).status_code == 422
    backwards = api.get("/api/v1/transcript?start=2026-02-01&end=2026-01-01", headers=token)
    assert backwards.json()["rows"] == []
    assert api.delete(f"/api/v1/modules/{module.id}/enrollment", headers=token).status_code == 204


def test_scopes_are_required(web: WebClient, db) -> None:
    org = make_org(db)
    make_user(db, "t@school.org", org=org)
    module = published(db, org)
    web.sign_in("t@school.org")
    read_only = bearer(create_token(web, ["learning:read"]))
    response = web.client.post(f"/api/v1/modules/{module.id}/enrollment", headers=read_only)
    assert response.status_code == 403
    assert "learning:write" in response.json()["detail"]
    assert web.client.get("/api/v1/modules").status_code == 401
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(Enrollment)) == 0


def test_openapi_documents_learning(web: WebClient) -> None:
    paths = web.get("/api/openapi.json").json()["paths"]
    for path in ("/api/v1/modules", "/api/v1/enrollments", "/api/v1/transcript"):
        assert path in paths
