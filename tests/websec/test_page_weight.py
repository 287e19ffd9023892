"""Page weight: every representative page, with the style sheets and scripts it loads, stays
under 40 KB uncompressed (images aside), for visitors and signed in as teacher, coach and admin."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.models import IssuedCredential
from tests.websec.conftest import World, fill, sign_in_as

LIMIT = 40 * 1024
ASSET = re.compile(r'<(?:link[^>]*rel="stylesheet"[^>]*href|script[^>]*src)="([^"]+)"')
PAGES = {
    None: ["/", "/signin", "/verify", "/credentials/{public_credential}"],
    "teacher": ["/", "/modules", "/modules/{module_id}", "/wallet", "/account"],
    "coach": ["/", "/modules", "/orgs/{slug}/members", "/orgs/{slug}/communities"],
    "admin": [
        "/",
        "/orgs/{slug}/admin",
        "/orgs/{slug}/members",
        "/orgs/{slug}/modules",
        "/orgs/{slug}/review",
        "/orgs/{slug}/credentials",
        "/orgs/{slug}/settings/sso",
    ],
}

pytestmark = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)


@pytest.fixture
def client(app) -> Iterator[TestClient]:
    with TestClient(app, base_url="https://testserver", follow_redirects=False) as test_client:
        test_client.headers["Accept-Encoding"] = "identity"  # count what the browser unpacks
        yield test_client


def test_each_page_with_its_css_and_js_weighs_under_40_kb(
    client: TestClient, db, settings, world: World
) -> None:
    weights: dict[str, int] = {}
    shown = db.scalars(select(IssuedCredential).order_by(IssuedCredential.issued_at)).first()
    assert shown is not None
    shown.is_public = True  # the holder chose to show it (rolled back after the test)
    db.commit()
    params = {**world.params, "public_credential": str(shown.id)}
    for role, paths in PAGES.items():
        client.cookies.clear()
        if role is not None:
            sign_in_as(client, db, settings, world.users[role])
        for path in paths:
            response = client.get(fill(path, params))
            assert response.status_code == 200, (role, path, response.status_code)
            assert ("Sign out" in response.text) == (role is not None), (role, path)
            assets = sorted(set(ASSET.findall(response.text)))
            assert assets, f"{path}: no style sheet found; the weight would be partial"
            sizes = [len(client.get(asset).content) for asset in assets]
            weights[f"{role or 'visitor'} {path}"] = len(response.content) + sum(sizes)
    heavy = {page: weight for page, weight in weights.items() if weight >= LIMIT}
    assert heavy == {}
    assert len(weights) == 20
    assert min(weights.values()) > 5 * 1024  # really the pages, not an error stub
