"""Walking a thread's pages the way people and scripts do: HTML by its "Next page" links, the
API page by page up to ``page_count`` (posts) or the last next_cursor (threads)."""

from __future__ import annotations

import html
import re
from typing import Any

from fastapi.testclient import TestClient

from app.models import Post
from app.services.identity import access_tokens, sessions
from app.settings import Settings
from app.web.access import SESSION_COOKIE
from tests.api_pages import walk

POST_ANCHOR = re.compile(r'<article class="post[^"]*" id="post-([0-9a-f-]{36})"')
THREAD_LINK = re.compile(r'href="[^"]*/threads/([0-9a-f-]{36})"')
NEXT_LINK = re.compile(r'<a href="([^"]+)" rel="next">Next page</a>')
MAX_PAGES = 200


def walk_html(client: TestClient, url: str, pattern: re.Pattern[str] = POST_ANCHOR) -> list[str]:
    """Ids found on the page at ``url`` and every page reached by its "Next page" links."""
    found: list[str] = []
    for _ in range(MAX_PAGES):
        response = client.get(url)
        assert response.status_code == 200, response.text
        found += pattern.findall(response.text)
        link = NEXT_LINK.search(response.text)
        if link is None:
            return found
        url = html.unescape(link.group(1))
    raise AssertionError(f"more than {MAX_PAGES} pages")


def walk_api_posts(client: TestClient, url: str, headers: dict[str, str]) -> list[str]:
    """Post ids of every API page of a thread; the page after the last is a 404."""
    found: list[str] = []
    for page in range(1, MAX_PAGES):
        response = client.get(url, params={"page": page}, headers=headers)
        assert response.status_code == 200, response.text
        body = response.json()
        found += [post["id"] for post in body["posts"]]
        if page == body["page_count"]:
            beyond = client.get(url, params={"page": page + 1}, headers=headers)
            assert beyond.status_code == 404, beyond.text
            assert f"There is no page {page + 1}" in beyond.json()["detail"]
            return found
    raise AssertionError(f"more than {MAX_PAGES} pages")


def walk_api_threads(
    client: TestClient, url: str, headers: dict[str, str], limit: int
) -> list[list[str]]:
    """Thread ids of every API page of a community (``limit`` a page), following next_cursor."""
    return [[t["id"] for t in page] for page in walk(client, url, headers, limit=limit)]


def sign_in(client: TestClient, db: Any, settings: Settings, user: Any) -> dict[str, str]:
    """A session cookie on ``client`` and, returned, API headers for ``user``."""
    raw_session = sessions.start_session(db, settings, user, ip=None, user_agent="tests")
    _token, raw_token = access_tokens.create_token(
        db, user, name="walker", scopes=["communities:read"], expires_in_days=1
    )
    db.commit()
    client.cookies.set(SESSION_COOKIE, raw_session)
    return {"Authorization": f"Bearer {raw_token}"}


def ids(posts: list[Post]) -> list[str]:
    """Post ids as the pages show them."""
    return [str(post.id) for post in posts]
