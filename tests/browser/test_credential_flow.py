"""A teacher publishes a credential and downloads the baked PNG; an employer verifies it;
after the admin revokes it, the same check says revoked. Every page passes axe-core."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.demo.district import seed_demo
from app.models import Organization, User
from app.settings import Settings
from tests.browser.conftest import LiveServer, assert_accessible, open_menu
from tests.credentials_support import issue_to

pytestmark = pytest.mark.browser


def sign_in(page, base: str, email: str, password: str) -> None:
    page.goto(base + "/signin")
    page.get_by_label("E-mail address").first.fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.get_by_role("heading", name="Hello", exact=False).wait_for()


def sign_out(page) -> None:
    open_menu(page)
    page.get_by_role("button", name="Sign out", exact=True).click()
    page.get_by_role("navigation").get_by_role("link", name="Sign in").wait_for()


def verify_upload(page, base: str, path: str) -> str:
    page.goto(base + "/verify")
    page.get_by_label("Or a badge image or credential file").set_input_files(path)
    page.get_by_role("button", name="Verify").click()
    page.get_by_role("heading", name="Verification result").wait_for()
    assert_accessible(page)
    return page.get_by_role("status").inner_text()


def test_publish_download_verify_revoke(page, live_server: LiveServer, tmp_path) -> None:
    base = live_server.url
    with live_server.sessions() as db:
        seed_demo(db, live_server.settings)
        org = db.scalar(select(Organization).where(Organization.slug == "riverbend"))
        teacher = db.scalar(select(User).where(User.email == "teacher@riverbend.example"))
        settings = Settings(base_url=base, secret_key="browser-test-secret-0123456789abcdef")
        issue_to(db, settings, org, teacher, name="Formative Assessment Design")

    sign_in(page, base, "teacher@riverbend.example", "laurel-demo-teacher")
    page.get_by_role("link", name="My credentials", exact=True).click()
    assert_accessible(page)
    page.get_by_role("button", name="Publish Formative Assessment Design").click()
    assert "Anyone with the link" in page.get_by_role("status").inner_text()
    with page.expect_download() as download_info:
        page.get_by_role("link", name="badge image (PNG)").click()
    png = tmp_path / "badge.png"
    download_info.value.save_as(png)
    page.get_by_role("link", name="public page").click()
    assert "Valid." in page.get_by_role("status").inner_text()
    assert_accessible(page)
    public_url = page.url
    sign_out(page)

    assert "Valid." in verify_upload(page, base, str(png))

    sign_in(page, base, "admin@riverbend.example", "laurel-demo-admin")
    page.goto(base + "/orgs/riverbend/credentials")
    assert_accessible(page)
    page.get_by_role("link", name="Revoke… Formative Assessment Design").first.click()
    assert_accessible(page)
    page.get_by_label("Reason for revoking").fill("Issued in error")
    page.get_by_role("button", name="Revoke the credential").click()
    assert "is revoked" in page.get_by_role("status").inner_text()
    sign_out(page)

    assert "Revoked." in verify_upload(page, base, str(png))
    page.goto(public_url)
    assert "Revoked." in page.get_by_role("status").inner_text()
