"""No state-changing request succeeds on the strength of a browser's cookies alone.

Every POST/PUT/PATCH/DELETE page route refuses a form without a CSRF token, or with a token made
for another browser, with one status and nothing written; every JSON write route demands a bearer
token, so a signed-in browser's cookies (and even a valid CSRF header) are not enough.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from app.web import csrf
from tests.route_table import ServedRoute, app_routes
from tests.websec.conftest import World, fill, row_counts, sign_in_as

WRITES = {"POST", "PUT", "PATCH", "DELETE"}
PAGE_WRITE_ROUTES = 63  # today's number; fewer found means the walk broke
API_WRITE_ROUTES = 21
# Public JSON endpoints that act for nobody (a bearer token only raises their rate limit).
PUBLIC_API = {"/api/v1/verify", "/api/v1/verify/batch"}
COACH_AREAS = ("/review", "/coaching", "/orgs/{slug}/review", "/orgs/{slug}/mentorships")
TEACHER_AREAS = ("/evidence", "/micro-credentials/", "/modules/", "/learning", "/wallet/")


def _writes(app, *, api: bool) -> list[ServedRoute]:
    return [r for r in app_routes(app) if r.methods & WRITES and r.path.startswith("/api/") == api]


def _who(path: str) -> str:
    """The demo account whose role the route is for."""
    if path.startswith(COACH_AREAS):
        return "coach"
    if path.startswith(TEACHER_AREAS):
        return "teacher"
    return "admin"


@pytest.fixture
def browser_client(app) -> Iterator[TestClient]:
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as client:
        yield client


def _refusal(client: TestClient, route: ServedRoute, world: World, token: str | None) -> str:
    """Send the route's form with this CSRF token; describe what was wrong with the answer."""
    path = fill(route.path, world.params)
    form = {"title": "CSRF", "body": "CSRF", "name": "CSRF", "email": "csrf@example.org"}
    if token is not None:
        form[csrf.CSRF_FIELD] = token
    (method,) = route.methods
    response = client.request(method, path, data=form)
    if response.status_code == 403 and "did not come from Laurel" in response.text:
        return ""
    return f"{route.name} with token {token!r}: {response.status_code}"


def test_every_form_route_refuses_a_missing_or_foreign_csrf_token(
    app, db, settings, world: World, browser_client: TestClient
) -> None:
    routes = _writes(app, api=False)
    browser_client.get("/signin")
    assert csrf.CSRF_COOKIE in browser_client.cookies  # the browser has its own CSRF cookie
    foreign = csrf.form_token(settings.secret, csrf.new_cookie_value())
    before = row_counts(db)
    problems, checked, signed_in_as = [], 0, ""
    for route in sorted(routes, key=lambda r: _who(r.path)):
        if _who(route.path) != signed_in_as:
            if row_counts(db) != before:
                problems.append(f"rows changed while signed in as {signed_in_as}")
            signed_in_as = _who(route.path)
            sign_in_as(browser_client, db, settings, world.users[signed_in_as])
            before = row_counts(db)
        for token in (None, foreign):
            problems.append(_refusal(browser_client, route, world, token))
            checked += 1
    if row_counts(db) != before:
        problems.append(f"rows changed while signed in as {signed_in_as}")
    assert [p for p in problems if p] == []
    assert len(routes) >= PAGE_WRITE_ROUTES
    assert checked == 2 * len(routes)


def test_json_write_routes_ignore_a_signed_in_browsers_cookies(
    app, db, settings, world: World, browser_client: TestClient
) -> None:
    routes = [r for r in _writes(app, api=True) if r.path not in PUBLIC_API]
    sign_in_as(browser_client, db, settings, world.users["admin"])
    assert browser_client.get("/account").status_code == 200  # sets the CSRF cookie
    cookie = browser_client.cookies[csrf.CSRF_COOKIE]
    header = {csrf.CSRF_HEADER: csrf.form_token(settings.secret, cookie)}
    before = row_counts(db)
    problems = []
    for route in routes:
        (method,) = route.methods
        response = browser_client.request(
            method, fill(route.path, world.params), json={"title": "CSRF"}, headers=header
        )
        if response.status_code != 401 or response.json()["error"] != "unauthorized":
            problems.append(f"{route.name}: {response.status_code}")
    assert problems == []
    assert row_counts(db) == before
    assert len(routes) >= API_WRITE_ROUTES
    assert len(PUBLIC_API & {r.path for r in _writes(app, api=True)}) == len(PUBLIC_API)


def test_csrf_cookie_is_not_readable_by_scripts_nor_sent_cross_site(browser_client) -> None:
    response = browser_client.get("/signin")
    cookie = response.headers["set-cookie"].lower()
    assert cookie.startswith(f"{csrf.CSRF_COOKIE}=")
    assert "httponly" in cookie
    assert "samesite=lax" in cookie
