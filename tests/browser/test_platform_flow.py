"""Platform-wide pages in a real browser: the API documentation, and the phone-size check."""

from __future__ import annotations

from typing import Any

import pytest

from tests.browser.conftest import LiveServer

pytestmark = pytest.mark.browser


def test_api_docs_render_their_operations_under_the_sites_policy(
    browser: Any, live_server: LiveServer
) -> None:
    context = browser.new_context()  # the real policy: no bypass, so a blocked asset shows
    page = context.new_page()
    console: list[str] = []
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    page.on("pageerror", lambda error: console.append(f"pageerror: {error}"))
    outside: list[str] = []
    page.on(
        "request",
        lambda request: (
            None if request.url.startswith(live_server.url) else outside.append(request.url)
        ),
    )
    try:
        response = page.goto(live_server.url + "/api/docs")
        assert response is not None
        assert response.status == 200
        policy = response.headers["content-security-policy"]
        assert "'unsafe-eval'" not in policy
        assert "'unsafe-inline'" not in policy
        operation = page.locator(".opblock-summary-path", has_text="/api/v1/me").first
        operation.wait_for()
        assert page.get_by_role("heading", name="Laurel API").first.is_visible()
        shown = page.locator(".opblock-summary-path").count()
        assert shown >= 20, f"only {shown} operations rendered"
    finally:
        context.close()
    violations = [line for line in console if "Content Security Policy" in line]
    assert violations == []
    assert [line for line in console if line.startswith(("error", "pageerror"))] == []
    assert outside == []
