"""Responses are gzip-compressed when the browser accepts it, except small ones and media that
is compressed already; the CSRF token in compressed pages is masked afresh on every response."""

from __future__ import annotations

import gzip
import re

from app.web import csrf
from tests.support import PASSWORD, WebClient, make_org, make_user

TOKEN = re.compile(r'name="csrf_token" value="([0-9a-f]+)"')


def _raw(web: WebClient, path: str, encoding: str) -> tuple[dict[str, str], bytes]:
    """The response's headers and its bytes exactly as sent (httpx would decode them)."""
    with web.client.stream("GET", path, headers={"Accept-Encoding": encoding}) as response:
        assert response.status_code == 200, (path, response.status_code)
        return dict(response.headers), b"".join(response.iter_raw())


def test_a_page_comes_back_gzip_encoded_and_decodes_to_the_page(web: WebClient, db) -> None:
    make_user(db, "ada@school.org", org=make_org(db))
    web.sign_in("ada@school.org")
    web.page("/")  # the dashboard shows (and so uses up) the welcome message
    checked = 0
    for path in ("/", "/modules", "/account"):
        headers, body = _raw(web, path, "gzip, deflate, br")
        plain_headers, plain = _raw(web, path, "identity")
        assert headers["content-encoding"] == "gzip"
        assert "accept-encoding" in headers["vary"].lower()
        assert "content-encoding" not in plain_headers
        page = gzip.decompress(body)
        assert len(body) < len(page) / 2  # a real saving
        assert page.lower().startswith(b"<!doctype html>")
        assert TOKEN.sub("", page.decode()) == TOKEN.sub("", plain.decode())  # same page
        checked += 1
    assert checked == 3


def test_small_responses_and_compressed_media_are_sent_as_they_are(web: WebClient) -> None:
    small_headers, small = _raw(web, "/healthz", "gzip")
    assert "content-encoding" not in small_headers
    assert small == b'{"status":"ok"}'
    png_headers, png = _raw(web, "/static/swagger-ui/favicon.png", "gzip")
    assert png_headers["content-type"] == "image/png"
    assert "content-encoding" not in png_headers
    assert png.startswith(b"\x89PNG")
    script_headers, script = _raw(web, "/static/swagger-ui/swagger-ui-bundle.js", "gzip")
    assert script_headers["content-encoding"] == "gzip"
    assert len(gzip.decompress(script)) > 3 * len(script)


def test_the_csrf_token_differs_on_every_page_and_each_one_is_accepted(web: WebClient, db) -> None:
    make_user(db, "ada@school.org")
    tokens = [TOKEN.search(web.page("/signin")).group(1) for _ in range(3)]  # type: ignore[union-attr]
    assert len(set(tokens)) == 3
    cookie = web.client.cookies[csrf.CSRF_COOKIE]
    assert csrf.form_token(web.settings.secret, cookie) not in web.page("/signin")
    signed_in = [
        web.post(
            "/signin", {"email": "ada@school.org", "password": PASSWORD, "csrf_token": t}
        ).status_code
        for t in tokens
    ]
    assert signed_in == [303, 303, 303]
    flipped = tokens[0][:-1] + ("0" if tokens[0][-1] != "0" else "1")
    refused = web.post("/signin", {"email": "ada@school.org", "csrf_token": flipped})
    assert refused.status_code == 403
