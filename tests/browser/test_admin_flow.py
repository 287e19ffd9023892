"""An administrator opens the admin area from the navigation, follows it to the issued
credentials, revokes one after confirming with a reason, then rotates the issuer's keys after
confirming; on the way it opens the impact dashboard and downloads a table as CSV. Every page
passes axe-core."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.demo.district import seed_demo
from app.models import AuditEvent, Organization, SigningKey, User
from app.settings import Settings
from tests.browser.conftest import LiveServer, assert_accessible
from tests.browser.test_credential_flow import sign_in
from tests.credentials_support import issue_to

pytestmark = pytest.mark.browser

NAME = "Trauma-Informed Classrooms"  # a name no other browser test issues
ORG = "Riverbend Unified School District"


def test_admin_revokes_a_credential_and_rotates_the_keys(page, live_server: LiveServer) -> None:
    base = live_server.url
    with live_server.sessions() as db:
        seed_demo(db, live_server.settings)
        org = db.scalar(select(Organization).where(Organization.slug == "riverbend"))
        teacher = db.scalar(select(User).where(User.email == "teacher2@riverbend.example"))
        settings = Settings(base_url=base, secret_key="browser-test-secret-0123456789abcdef")
        issue_to(db, settings, org, teacher, name=NAME)  # not the teacher other tests use

    sign_in(page, base, "admin@riverbend.example", "laurel-demo-admin")
    main_nav = page.get_by_role("navigation", name="Main")
    assert main_nav.get_by_role("link", name="My credentials", exact=True).is_visible()
    main_nav.get_by_role("link", name="Admin", exact=True).click()
    if "/administer" in page.url:  # a platform administrator (another test made one) chooses
        page.get_by_role("heading", name="Administer an organization").wait_for()
        assert_accessible(page)
        page.get_by_role("link", name=ORG, exact=True).click()
    page.get_by_role("heading", name=f"Administer {ORG}", level=1).wait_for()
    assert_accessible(page)

    page.get_by_role("link", name="Impact dashboard and survey results").click()
    page.get_by_role("heading", name="Impact in", exact=False).first.wait_for()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download “Members by school” as CSV").click()
    with open(download.value.path(), encoding="utf-8") as table:
        assert table.readline().startswith("School,")
    page.go_back()
    page.get_by_role("heading", name=f"Administer {ORG}", level=1).wait_for()

    page.get_by_role("link", name="Issued credentials: renew or revoke").click()
    page.get_by_role("heading", name=f"Credentials issued by {ORG}").wait_for()
    assert_accessible(page)
    page.get_by_role("link", name=re.compile(f"Revoke… {NAME}")).first.click()
    page.get_by_role("heading", name=f"Revoke {NAME}?").wait_for()
    assert_accessible(page)

    page.get_by_role("button", name="Revoke the credential").click()  # no reason yet
    page.get_by_role("heading", name="There is a problem").wait_for()
    assert "Say why" in page.get_by_role("alert").inner_text()
    assert_accessible(page)
    page.get_by_label("Reason for revoking").fill("Issued in error")
    page.get_by_role("button", name="Revoke the credential").click()
    assert "is revoked" in page.get_by_role("status").inner_text()
    assert "Issued in error" in page.get_by_role("main").inner_text()
    assert_accessible(page)

    page.get_by_role("link", name=f"Administer {ORG}").click()
    page.get_by_role("link", name="DID document and signing keys").click()
    page.get_by_role("heading", name=f"Issuer identity of {ORG}").wait_for()
    assert "No key has been retired yet." in page.get_by_role("main").inner_text()
    assert_accessible(page)
    page.get_by_role("link", name="Rotate keys…").click()
    page.get_by_role("heading", name=f"Rotate the signing keys of {ORG}?").wait_for()
    assert "keep verifying" in page.get_by_role("main").inner_text()
    assert_accessible(page)
    with live_server.sessions() as db:
        assert db.scalar(select(SigningKey).where(SigningKey.retired_at.is_not(None))) is None
    page.get_by_role("button", name="Rotate the keys now").click()
    assert "New keys created" in page.get_by_role("status").inner_text()
    page.get_by_role("table", name=re.compile("Retired keys")).wait_for()
    assert_accessible(page)
    with live_server.sessions() as db:
        actions = set(db.scalars(select(AuditEvent.action)))
    assert {"credential.viewed", "credential.revoked", "issuer.keys_rotated"} <= actions
