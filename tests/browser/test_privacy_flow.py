"""A teacher downloads her data and deletes her account; an admin reads the audit trail and
sets retention; axe-core finds no WCAG 2.1 A/AA violation on these pages."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from sqlalchemy import select

from app.db import utcnow
from app.models import Role, User
from app.services.privacy import deletion, exports
from tests.browser.conftest import LiveServer, assert_accessible
from tests.support import PASSWORD, make_org, make_user

pytestmark = pytest.mark.browser
TEACHER = "tamsin@maplewood.example"
ADMIN = "arlo@maplewood.example"


def _sign_in(page, base: str, email: str) -> None:
    page.goto(base + "/signin")
    page.get_by_label("E-mail address").first.fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.get_by_role("heading", name="Hello", exact=False).first.wait_for()


def test_download_my_data_then_delete_my_account(page, live_server: LiveServer) -> None:
    base = live_server.url
    with live_server.sessions() as db:
        org = make_org(db, "maplewood", "Maplewood Schools")
        make_user(db, ADMIN, org=org, role=Role.ADMIN, name="Arlo Admin")
        make_user(db, TEACHER, org=org, name="Tamsin Teacher")

    page.goto(base + "/privacy")
    assert page.get_by_role("heading", name="Privacy at Laurel").is_visible()
    assert "72 hours" in page.content()
    assert_accessible(page)

    _sign_in(page, base, TEACHER)
    page.get_by_role("link", name="Privacy").click()  # the footer link
    assert "Maplewood Schools" in page.content()
    assert_accessible(page)

    page.goto(base + "/account")
    page.get_by_role("link", name="Download a copy of your data").click()
    page.get_by_role("heading", name="Download your data").wait_for()
    assert_accessible(page)
    page.get_by_role("button", name="Prepare a copy of my data").click()
    assert "preparing your copy" in page.get_by_role("status").first.inner_text()
    assert_accessible(page)

    exports.build_pending_exports(live_server.sessions, live_server.settings)
    page.reload()
    link = page.get_by_role("link", name="Download ZIP", exact=False).first
    link.wait_for()
    assert_accessible(page)
    with page.expect_download() as waiting:
        link.click()
    download = waiting.value
    content = download.path().read_bytes()
    archive = zipfile.ZipFile(io.BytesIO(content))
    index = json.loads(archive.read("index.json"))
    assert index["person"] == TEACHER
    assert json.loads(archive.read("profile.json"))["user"]["display_name"] == "Tamsin Teacher"

    page.goto(base + "/account/access")
    page.get_by_role("heading", name="Who accessed your records").wait_for()
    assert_accessible(page)

    page.goto(base + "/account")
    page.get_by_role("link", name="Delete your account").click()
    page.get_by_role("heading", name="Delete your account").wait_for()
    assert_accessible(page)
    page.get_by_role("button", name="Delete my account").click()  # nothing typed
    assert page.get_by_role("alert").first.is_visible()
    assert_accessible(page)  # the error state too
    page.get_by_label("Keep them verifiable").check()
    page.get_by_label("To confirm, type your e-mail address or your password").fill(TEACHER)
    page.get_by_role("button", name="Delete my account").click()
    page.get_by_role("navigation").get_by_role("link", name="Sign in").wait_for()
    assert "will be deleted on" in page.get_by_role("status").first.inner_text()
    assert_accessible(page)

    # within the grace period, signing in shows a banner with a way to keep the account
    _sign_in(page, base, TEACHER)
    assert "scheduled for deletion" in page.content()
    assert_accessible(page)
    page.get_by_role("button", name="Keep my account").first.click()
    assert "will not be deleted" in page.get_by_role("status").first.inner_text()
    assert "scheduled for deletion" not in page.content()
    with live_server.sessions() as db:
        teacher = db.scalar(select(User).where(User.email == TEACHER))
        assert teacher is not None
        assert teacher.deletion_due_at is None
        assert teacher.deleted_at is None

    # she deletes it for good: asked again, the grace period over, the scheduled run erases it
    page.goto(base + "/account/delete")
    page.get_by_label("Revoke them").check()
    page.get_by_label("To confirm, type your e-mail address or your password").fill(PASSWORD)
    page.get_by_role("button", name="Delete my account").click()
    page.get_by_role("navigation").get_by_role("link", name="Sign in").wait_for()
    with live_server.sessions() as db:
        teacher = db.scalar(select(User).where(User.email == TEACHER))
        assert teacher is not None
        teacher.deletion_due_at = utcnow()
        db.commit()
        teacher_id = teacher.id
    assert deletion.erase_due(live_server.sessions, live_server.settings) == 1
    page.goto(base + "/signin")
    page.get_by_label("E-mail address").first.fill(TEACHER)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in", exact=True).click()
    assert page.get_by_role("alert").first.is_visible()  # the account is gone
    with live_server.sessions() as db:
        erased = db.get(User, teacher_id)
        assert erased is not None
        assert erased.display_name == "Deleted account"
        assert erased.deleted_at is not None


def test_admin_privacy_pages(page, live_server: LiveServer) -> None:
    base = live_server.url
    with live_server.sessions() as db:
        org = make_org(db, "birchfield", "Birchfield Schools")
        make_user(db, "bea@birchfield.example", org=org, role=Role.ADMIN, name="Bea Admin")
    _sign_in(page, base, "bea@birchfield.example")
    page.goto(base + "/orgs/birchfield/admin/privacy")
    page.get_by_role("heading", name="Privacy settings", exact=False).wait_for()
    assert_accessible(page)
    page.get_by_label("Delete evidence files this many months after the decision").fill("0")
    page.get_by_role("button", name="Save retention").click()
    assert page.get_by_role("alert").first.is_visible()
    assert_accessible(page)
    page.get_by_label("Delete evidence files this many months after the decision").fill("18")
    page.get_by_role("button", name="Save retention").click()
    assert "deleted 18 months after" in page.content()

    page.goto(base + "/orgs/birchfield/admin/audit")
    page.get_by_role("heading", name="Audit trail", exact=False).wait_for()
    assert "Evidence retention period changed" in page.content()
    assert_accessible(page)
    page.get_by_label("From (date)").fill("2000-01-01")
    page.get_by_role("button", name="Search").click()
    assert "Evidence retention period changed" in page.content()
    assert_accessible(page)
