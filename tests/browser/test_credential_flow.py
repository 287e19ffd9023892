"""A teacher publishes a credential and downloads the baked PNG; an employer verifies it;
after the admin revokes it, the same check says revoked. Every page passes axe-core.

The public page's QR code is decoded from a screenshot of it as displayed (desktop and phone),
and on a 390 x 844 phone the public page and the verification result do not scroll sideways."""

from __future__ import annotations

import io

import pytest
import zxingcpp
from PIL import Image
from sqlalchemy import select

from app.demo.district import seed_demo
from app.models import Organization, User
from app.settings import Settings
from tests.browser.conftest import LiveServer, assert_accessible, open_menu
from tests.credentials_support import issue_to

pytestmark = pytest.mark.browser
PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


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


def verify_upload(page, base: str, path: str, email: str = "") -> str:
    page.goto(base + "/verify")
    page.get_by_label("Or a badge image or credential file").set_input_files(path)
    if email:
        page.get_by_label("The candidate's e-mail address (optional)").fill(email)
    page.get_by_role("button", name="Verify").click()
    page.get_by_role("heading", name="Verification result").wait_for()
    assert_accessible(page)
    page.get_by_text("Technical details").click()  # long identifiers, opened
    assert_no_sideways_scroll(page)
    return page.get_by_role("status").inner_text()


def assert_no_sideways_scroll(page) -> None:
    """The page fits the viewport's width (long identifiers wrap)."""
    wide, viewport = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
    assert wide <= viewport, f"{page.url}: {wide} px wide in a {viewport} px viewport"


def scanned_qr(page) -> list[str]:
    """What a QR reader finds in a screenshot of the page's QR code as it is displayed."""
    code = page.get_by_role("img", name="QR code linking to this page")
    shot = Image.open(io.BytesIO(code.screenshot()))
    return [found.text for found in zxingcpp.read_barcodes(shot)]


def badge_image_loaded(page, selector: str) -> bool:
    return bool(page.eval_on_selector(selector, "img => img.complete && img.naturalWidth > 0"))


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
    assert badge_image_loaded(page, ".wallet-card img")
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
    assert scanned_qr(page) == [public_url]
    assert badge_image_loaded(page, "img.badge-image")
    assert page.get_by_text(
        "Issued by Riverbend Unified School District (identity verified)"
    ).is_visible()
    assert not page.get_by_text("Every check").is_visible()  # behind "Technical details"
    page.get_by_text("Technical details").click()
    assert page.get_by_text("Every check").is_visible()
    page.set_viewport_size(PHONE)
    page.goto(public_url)
    assert_no_sideways_scroll(page)
    page.get_by_text("Technical details").click()
    assert_no_sideways_scroll(page)
    assert scanned_qr(page) == [public_url]
    assert_accessible(page)
    sign_out(page)

    assert "Valid." in verify_upload(page, base, str(png))
    elsewhere = verify_upload(page, base, str(png), email="someone@elsewhere.example")
    assert "This credential was issued to someone else." in elsewhere
    page.set_viewport_size(DESKTOP)

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
