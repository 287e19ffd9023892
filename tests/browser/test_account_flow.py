"""A person signs up, verifies, signs in, uses the pages and signs out, in a real browser."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.demo.district import seed_demo
from app.models import Role, User
from app.services.orgs import organizations
from tests.browser.conftest import LiveServer, assert_accessible, open_menu

pytestmark = pytest.mark.browser


def test_sign_up_verify_sign_in_and_out(page, live_server: LiveServer) -> None:
    base = live_server.url
    page.goto(base + "/")
    assert_accessible(page)
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.textContent") == "Skip to main content"

    page.get_by_role("link", name="Create an account").first.click()
    assert_accessible(page)
    page.get_by_role("button", name="Create account").click()  # empty form
    assert page.get_by_role("alert").is_visible()
    assert_accessible(page)  # the error state too

    page.get_by_label("Your name").fill("Rosa Parks-Lee")
    page.get_by_label("E-mail address").fill("rosa@browser.example")
    page.get_by_label("Password").fill("a-proper-passphrase")
    page.keyboard.press("Enter")  # submit without the mouse
    page.get_by_role("heading", name="Check your e-mail").wait_for()
    assert_accessible(page)

    page.goto(live_server.mail_link("rosa@browser.example"))
    assert "/signin" in page.url
    assert "is confirmed" in page.get_by_role("status").inner_text()
    assert_accessible(page)

    page.get_by_label("E-mail address").first.fill("rosa@browser.example")
    page.get_by_label("Password").fill("a-proper-passphrase")
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.get_by_role("heading", name="Hello, Rosa Parks-Lee").wait_for()
    assert "not part of an organization yet" in page.content()
    assert_accessible(page)

    open_menu(page)
    page.get_by_role("link", name="Account").click()
    assert_accessible(page)
    open_menu(page)
    page.get_by_role("button", name="Sign out", exact=True).click()
    page.get_by_role("navigation").get_by_role("link", name="Sign in").wait_for()
    page.goto(base + "/account")
    assert "/signin" in page.url


def test_every_page_passes_axe(page, live_server: LiveServer) -> None:
    base = live_server.url
    with live_server.sessions() as db:
        seed_demo(db, live_server.settings)
        admin = db.scalar(select(User).where(User.email == "admin@riverbend.example"))
        admin.is_platform_admin = True
        db.commit()
    for path in (
        "/signin",
        "/password/forgot",
        "/password/reset?token=nope",
        "/no-such-page",
        "/invitations/not-a-token",
    ):
        page.goto(base + path)
        assert_accessible(page)

    page.goto(base + "/signin")
    page.get_by_label("E-mail address").first.fill("admin@riverbend.example")
    page.get_by_label("Password").fill("laurel-demo-admin")
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.get_by_role("heading", name=re.compile("Hello")).wait_for()
    assert_accessible(page)
    for path in (
        "/orgs/riverbend/members",
        "/orgs/riverbend/settings/sso",
        "/admin/organizations",
        "/admin/organizations/riverbend/domains",
        "/admin/mail",
        "/account",
    ):
        page.goto(base + path)
        assert_accessible(page)

    page.goto(base + "/orgs/riverbend/members")
    page.get_by_label("E-mail address").fill("new.teacher@browser.example")
    page.get_by_role("button", name="Send invitation").click()
    assert "Invitation sent" in page.get_by_role("status").inner_text()
    assert_accessible(page)
    page.goto(live_server.mail_link("new.teacher@browser.example"))
    assert_accessible(page)

    page.goto(base + "/account")
    page.get_by_label("Token name").fill("reports")
    page.get_by_label(re.compile("account:read")).check()
    page.get_by_role("button", name="Create token").click()
    assert page.get_by_label(re.compile("Token")).input_value().startswith("lrl_")
    assert_accessible(page)

    with live_server.sessions() as db:
        org = organizations.get_by_slug(db, "riverbend")
        assert org.name == "Riverbend Unified School District"
        assert any(m.role == Role.ADMIN for m in org.memberships)
