"""Every place that redirects to a caller-given location stays on this site."""

from __future__ import annotations

import html
import os
import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient

from app.models import Notification
from app.web import csrf
from app.web.common import safe_next
from tests.websec.conftest import World, sign_in_as

PAYLOADS = [
    "https://evil.example/",
    "//evil.example",
    "///evil.example",
    "/\\evil.example",
    "\\/evil.example",
    "\\\\evil.example",
    "http:evil.example",
    "https:/evil.example",
    "%2F%2Fevil.example",
    "javascript:alert(1)",
    "/\t/evil.example",
    "/\n/evil.example",
    "/\r\n/evil.example",
    " //evil.example",
    "/\\/evil.example",
    "data:text/html,<script>alert(1)</script>",
]
FULL = os.environ.get("LAUREL_SECURITY_FULL") == "1"
# Each sign-in with a password costs an argon2 hash: one by default, all of them nightly.
SIGN_IN_PAYLOADS = PAYLOADS if FULL else ["/\\evil.example"]
HIDDEN_NEXT = re.compile(r'name="next" value="([^"]*)"')


def stays_here(location: str) -> bool:
    """A path on this site: one ``/``, not followed by ``/`` or ``\\``, no control characters."""
    return (
        location.startswith("/")
        and location[1:2] not in ("/", "\\")
        and not re.search(r"[\x00-\x1f\x7f\\]", location)
    )


def _token(client: TestClient, settings) -> str:
    """The browser's form token (its CSRF cookie comes with the sign-in page)."""
    if csrf.CSRF_COOKIE not in client.cookies:
        client.get("/signin")
    return csrf.form_token(settings.secret, client.cookies[csrf.CSRF_COOKIE])


@pytest.fixture
def client(app) -> Iterator[TestClient]:
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as browser:
        yield browser


@pytest.mark.parametrize("payload", PAYLOADS)
def test_safe_next_keeps_only_paths_on_this_site(payload: str) -> None:
    assert safe_next(payload) == "/"


def test_signed_in_visit_to_signin_redirects_only_here(
    client: TestClient, db, settings, world: World
) -> None:
    sign_in_as(client, db, settings, world.users["teacher"])
    locations = [client.get("/signin", params={"next": p}).headers["location"] for p in PAYLOADS]
    assert [loc for loc in locations if not stays_here(loc)] == []
    assert len(locations) == len(PAYLOADS)


def test_signin_and_sso_forms_carry_only_a_local_next(client: TestClient, world: World) -> None:
    pages = [client.get("/signin", params={"next": p}) for p in PAYLOADS]
    pages += [client.get("/sso/start", params={"org": "nowhere", "next": p}) for p in PAYLOADS]
    carried = [html.unescape(v) for page in pages for v in HIDDEN_NEXT.findall(page.text)]
    assert len(carried) >= 2 * len(PAYLOADS)
    assert [v for v in carried if not stays_here(v)] == []


@pytest.mark.parametrize("payload", SIGN_IN_PAYLOADS)
def test_signing_in_continues_only_on_this_site(
    client: TestClient, settings, world: World, payload: str
) -> None:
    response = client.post(
        "/signin",
        data={
            "email": "teacher@riverbend.example",
            "password": "laurel-demo-teacher",
            "next": payload,
            "csrf_token": _token(client, settings),
        },
    )
    assert response.status_code == 303, response.text[-1500:]
    assert stays_here(response.headers["location"]), response.headers["location"]


def test_a_notification_link_never_leaves_the_site(
    client: TestClient, db, settings, world: World
) -> None:
    teacher = world.users["teacher"]
    notes = [Notification(user_id=teacher, kind="test", title="x", url=p) for p in PAYLOADS]
    db.add_all(notes)
    db.commit()
    token = _token(client, settings)
    sign_in_as(client, db, settings, teacher)
    locations = [
        client.post(f"/notifications/{n.id}/read", data={"csrf_token": token}) for n in notes
    ]
    assert [r.status_code for r in locations] == [303] * len(PAYLOADS)
    assert [r.headers["location"] for r in locations] == ["/notifications"] * len(PAYLOADS)
