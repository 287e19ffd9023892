"""Every response carries the security headers, whatever its route, caller or status."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient

from app.middleware import CSP
from app.web import api_docs
from tests.route_table import app_routes
from tests.websec.conftest import World, fill, sign_in_as

GET_ROUTES = 98  # the GET routes Laurel serves today; fewer found means the walk broke
ALWAYS = {
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "same-origin",
    "strict-transport-security": "max-age=31536000; includeSubDomains",
}
# Public, non-personal documents that choose their own (public) caching.
PUBLIC_DOCUMENTS = {
    "/orgs/{slug}/did.json",
    "/orgs/{slug}/profile",
    "/orgs/{slug}/jwks.json",
    "/.well-known/jwks.json",
    "/status/{slug}/{sequence}",
    "/micro-credentials/{definition_id}/image",
}


def header_problems(response: httpx.Response, *, signed_in: bool) -> list[str]:
    """What is missing or wrong in one response's security headers."""
    where = f"{response.request.method} {response.request.url.path} ({response.status_code})"
    policy = response.headers.get("content-security-policy", "")
    problems = [
        f"{where}: {name}={response.headers.get(name)!r}"
        for name, value in ALWAYS.items()
        if response.headers.get(name) != value
        and not (name == "content-security-policy" and _own_strict_policy(policy))
    ]
    if "frame-ancestors 'none'" not in policy:
        problems.append(f"{where}: framing allowed by {policy!r}")
    cache = response.headers.get("cache-control", "")
    if signed_in and "no-store" not in cache:
        problems.append(f"{where}: a signed-in response may be stored: {cache!r}")
    return problems


def _own_strict_policy(policy: str) -> bool:
    """A file or image's own policy: nothing loads from anywhere, no framing."""
    return policy.startswith("default-src 'none';") and "frame-ancestors 'none'" in policy


# The headers come from middleware that touches no database: one backend is enough.
pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture
def https_client(app) -> Iterator[TestClient]:
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as client:
        yield client


def test_every_get_route_sends_the_headers_anonymous_and_signed_in(
    app, db, settings, world: World, https_client: TestClient
) -> None:
    gets = [r for r in app_routes(app) if "GET" in r.methods]
    problems: list[str] = []
    statuses: Counter[int] = Counter()
    checked = 0
    for signed_in in (False, True):
        if signed_in:
            sign_in_as(https_client, db, settings, world.users["admin"])
        for route in gets:
            response = https_client.get(fill(route.path, world.params))
            public_document = route.path in PUBLIC_DOCUMENTS
            problems += header_problems(response, signed_in=signed_in and not public_document)
            statuses[response.status_code] += 1
            checked += 1
    assert problems == []
    assert len(gets) >= GET_ROUTES
    assert checked == 2 * len(gets)
    assert {200, 303}.issubset(statuses), statuses


def _errors(client: TestClient, world: World) -> dict[str, Any]:
    slug = world.params["slug"]
    return {
        "404 unknown page": client.get("/no/such/page"),
        "404 unknown module": client.get("/modules/00000000-0000-0000-0000-000000000000"),
        "403 teacher on admin page": client.get(f"/orgs/{slug}/settings/sso"),
        "403 CSRF refused": client.post("/account/did", data={"did": "x"}),
        "405 wrong method": client.put("/signin"),
        "400 bad id": client.get("/modules/not-a-uuid"),
        "422 NUL in query": client.get("/modules?q=%00"),
        "413 too large": client.post(
            "/signin",
            content=b"x" * (2 << 20),
            headers={"content-type": "application/x-www-form-urlencoded"},
        ),
        "401 API without token": client.get("/api/v1/me"),
        "static file": client.get("/static/css/laurel.css"),
    }


def test_error_responses_and_static_files_send_the_headers(
    app, db, settings, world: World, https_client: TestClient
) -> None:
    sign_in_as(https_client, db, settings, world.users["teacher"])
    responses = _errors(https_client, world)
    settings.verify_rate_limit_per_minute = 1
    for _ in range(2):
        responses["429 too many"] = https_client.post(
            "/api/v1/verify", json={"credential": "not a credential"}
        )
    problems = [
        p
        for label, response in responses.items()
        for p in header_problems(response, signed_in=label != "static file")
        if not p.startswith(label)
    ]
    statuses = {label: r.status_code for label, r in responses.items()}
    assert statuses == {
        "404 unknown page": 404,
        "404 unknown module": 404,
        "403 teacher on admin page": 403,
        "403 CSRF refused": 403,
        "405 wrong method": 405,
        "400 bad id": 400,
        "422 NUL in query": 422,
        "413 too large": 413,
        "401 API without token": 401,
        "static file": 200,
        "429 too many": 429,
    }
    assert problems == []


def test_api_docs_load_only_local_assets_under_their_own_policy(https_client) -> None:
    page = https_client.get("/api/docs")
    assert page.status_code == 200
    assert page.headers["content-security-policy"] == api_docs.CSP
    assert header_problems(page, signed_in=False) == []  # its own strict policy, never framed
    assets = re.findall(r'(?:src|href)="([^"]+)"', page.text)
    assert "<script>" not in page.text  # no inline script for the policy to allow
    assert all(a.startswith("/") for a in assets), assets
    types = {a: https_client.get(a).headers.get("content-type", "") for a in assets}
    assert len(types) == 5
    assert types == {
        "/static/swagger-ui/swagger-ui.css": "text/css; charset=utf-8",
        "/static/swagger-ui/favicon.png": "image/png",
        "/api/openapi.json": "application/json",
        "/static/swagger-ui/swagger-ui-bundle.js": "text/javascript; charset=utf-8",
        "/static/js/api-docs.js": "text/javascript; charset=utf-8",
    }
