"""Platform-wide pages in a real browser: the API documentation, and the phone-size check."""

from __future__ import annotations

from typing import Any

import pytest

from app.demo.district import seed_demo
from tests.browser.conftest import PHONE, LiveServer, assert_accessible, open_menu

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


PHONE_PAGES = {
    "teacher": ["/", "/modules", "/wallet", "/account", "/notifications"],
    "coach": ["/", "/modules", "/coaching", "/review"],
    "admin": [
        "/",
        "/orgs/riverbend/admin",
        "/orgs/riverbend/members",
        "/orgs/riverbend/modules",
        "/orgs/riverbend/credentials",
        "/orgs/riverbend/settings/sso",
    ],
}


def test_each_role_s_pages_fit_a_phone_and_pass_axe(browser: Any, live_server: LiveServer) -> None:
    with live_server.sessions() as db:
        seed_demo(db, live_server.settings)
        db.commit()
    checked = 0
    for role, paths in PHONE_PAGES.items():
        context = browser.new_context(bypass_csp=True, viewport=PHONE)  # lets axe be injected
        page = context.new_page()
        try:
            page.goto(live_server.url + "/signin")
            page.get_by_label("E-mail address").first.fill(f"{role}@riverbend.example")
            page.get_by_label("Password").fill(f"laurel-demo-{role}")
            page.get_by_role("button", name="Sign in", exact=True).click()
            page.wait_for_url(live_server.url + "/")
            open_menu(page)  # on a phone every link sits behind "Menu"
            assert page.get_by_role("button", name="Sign out", exact=True).count() == 1
            for path in paths:
                response = page.goto(live_server.url + path)
                assert response is not None
                assert response.status == 200, (role, path, response.status)
                assert_accessible(page)  # axe, then the phone check at 390 x 844
                checked += 1
        finally:
            context.close()
    assert checked == 15
