"""Who may see the impact pages, CSV files, state report and API: the organization's admins (and
platform admins); coaches see only their own reviewing figures; a refused state report leaves no
audit entry; bad dates get a clear message, never a server error."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app.models import AuditEvent
from tests.impact.support import bearer, small_org
from tests.support import make_user

ADMIN_ONLY = [
    "/orgs/riverbend/admin/impact",
    "/orgs/riverbend/admin/impact/summary.csv",
    "/orgs/riverbend/admin/impact/by-school.csv",
    "/orgs/riverbend/admin/impact/state-report.csv",
]


@pytest.fixture
def api(app):
    with TestClient(app) as client:
        yield client


@pytest.fixture
def world(db):
    return small_org(db)


def _audits(db) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(AuditEvent)) or 0


def test_anonymous_callers_are_sent_to_sign_in(web, world) -> None:
    for path in [*ADMIN_ONLY, "/orgs/riverbend/coach/impact"]:
        response = web.get(path)
        assert response.status_code == 303, path
        assert response.headers["location"].startswith("/signin?next=")


@pytest.mark.parametrize("who", ["teacher", "coach", "other_admin"])
def test_only_the_organizations_admins_see_its_impact(web, db, world, who) -> None:
    user = {"teacher": world.teachers[0], "coach": world.coach, "other_admin": world.other_admin}
    web.sign_in(user[who].email)
    before = _audits(db)
    for path in ADMIN_ONLY:
        response = web.get(path)
        assert response.status_code == 403, (who, path)
        assert "suppressed" not in response.text
    assert _audits(db) == before


def test_admins_and_platform_admins_see_it(web, db, world) -> None:
    web.sign_in(world.admin.email)
    for path in ADMIN_ONLY:
        assert web.get(path).status_code == 200, path
    assert web.get("/orgs/riverbend/admin/impact/nothing-here.csv").status_code == 404
    assert web.get("/orgs/no-such-org/admin/impact").status_code == 404
    platform = make_user(db, "root@laurel.example", platform_admin=True)
    web.client.cookies.clear()
    web.sign_in(platform.email)
    assert web.get("/orgs/riverbend/admin/impact").status_code == 200


def test_the_coach_view(web, db, world) -> None:
    web.sign_in(world.teachers[0].email)
    assert web.get("/orgs/riverbend/coach/impact").status_code == 403
    web.client.cookies.clear()
    web.sign_in(world.other_admin.email)
    assert web.get("/orgs/riverbend/coach/impact").status_code == 403
    web.client.cookies.clear()
    web.sign_in(world.coach.email)
    page = web.page("/orgs/riverbend/coach/impact")
    assert '<th scope="row">Your decisions</th><td>1</td>' in page
    assert "2.0 hours" in page  # the median turnaround of her one decision
    assert "Teacher Number" not in page  # no teacher is named
    bad = web.get("/orgs/riverbend/coach/impact?from=yesterday")
    assert bad.status_code == 422
    assert "YYYY-MM-DD" in bad.text


def test_the_api_is_for_admin_tokens_with_the_scope(api, db, world) -> None:
    url = "/api/v1/orgs/riverbend/impact"
    assert api.get(url).status_code == 401
    for user in (world.teachers[0], world.coach, world.other_admin):
        assert api.get(url, headers=bearer(db, user)).status_code == 403
    assert api.get(url, headers=bearer(db, world.admin, ["orgs:read"])).status_code == 403
    assert api.get(url, headers=bearer(db, world.admin)).status_code == 200
    assert (
        api.get("/api/v1/orgs/nowhere/impact", headers=bearer(db, world.admin)).status_code == 404
    )


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("from=2026-13-45", "Enter the start date as YYYY-MM-DD"),
        ("to=tomorrow", "Enter the end date as YYYY-MM-DD"),
        ("from=2026-06-01&to=2026-01-01", "The end date is before the start date"),
        ("from=2001-01-01&to=2026-01-01", "ten years or less"),
        ("from=1900-01-01&to=1901-01-01", "between 2000 and 2999"),
        ("from=2026-02-30", "Enter the start date as YYYY-MM-DD"),
    ],
)
def test_bad_dates_get_a_clear_message(web, api, db, world, query, message) -> None:
    web.sign_in(world.admin.email)
    page = web.get(f"/orgs/riverbend/admin/impact?{query}")
    assert page.status_code == 422
    assert message in page.text
    assert 'aria-invalid="true"' in page.text
    for path in ("summary.csv", "state-report.csv"):
        download = web.get(f"/orgs/riverbend/admin/impact/{path}?{query}")
        assert download.status_code == 422
        assert message in download.text
    response = api.get(f"/api/v1/orgs/riverbend/impact?{query}", headers=bearer(db, world.admin))
    assert response.status_code == 422
    assert message in response.json()["detail"]


def test_an_overlong_date_is_refused(web, api, db, world) -> None:
    web.sign_in(world.admin.email)
    assert web.get("/orgs/riverbend/admin/impact?from=" + "9" * 200).status_code == 400
    response = api.get(
        "/api/v1/orgs/riverbend/impact?to=" + "9" * 200, headers=bearer(db, world.admin)
    )
    assert response.status_code == 422
