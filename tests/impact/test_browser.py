"""In Chromium: an admin opens the impact dashboard, changes the period with the plain form and
downloads a CSV table; a teacher shares her demographics on her profile; a coach opens her own
figures. axe-core finds no WCAG 2.1 A/AA violation on these pages."""

from __future__ import annotations

import pytest

from app.demo.district import seed_demo
from tests.browser.conftest import assert_accessible, browser, live_server, page  # noqa: F401
from tests.browser.test_credential_flow import sign_in, sign_out

pytestmark = pytest.mark.browser

ADMIN = ("admin@riverbend.example", "laurel-demo-admin")
COACH = ("coach@riverbend.example", "laurel-demo-coach")
TEACHER = ("teacher@riverbend.example", "laurel-demo-teacher")


def test_dashboard_profile_and_coach_view(live_server, page) -> None:  # noqa: F811
    with live_server.sessions() as db:
        seed_demo(db, live_server.settings)
        db.commit()
    base = live_server.url

    sign_in(page, base, *ADMIN)
    page.goto(base + "/orgs/riverbend/admin/impact")
    page.get_by_role("heading", name="Impact in", exact=False).wait_for()
    assert (
        page.get_by_role("img", name="Enrollments, completions and credentials by month").count()
        == 1
    )
    assert_accessible(page)
    page.get_by_label("From (YYYY-MM-DD)").fill("2020-01-01")
    page.get_by_role("button", name="Show").click()
    page.wait_for_url("**from=2020-01-01**")
    assert "From 2020-01-01" in page.get_by_role("main").inner_text()
    with page.expect_download() as download:
        page.get_by_role("link", name="Download “Members by school” as CSV").click()
    path = download.value.path()
    assert path is not None
    with open(path, encoding="utf-8") as csv_file:
        assert csv_file.readline().startswith("School,Completed a module")
    page.goto(base + "/orgs/riverbend/admin/impact?from=2026-02-30")
    page.get_by_role("alert").wait_for()
    assert_accessible(page)
    sign_out(page)

    sign_in(page, base, *TEACHER)
    page.goto(base + "/learning/goals")
    assert not page.get_by_label("Count my answers below in my organization's reports").is_checked()
    assert_accessible(page)
    page.get_by_label("Count my answers below in my organization's reports").check()
    page.get_by_label("Years of teaching experience").select_option("3-5")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(base + "/learning")
    page.goto(base + "/learning/goals")
    assert page.get_by_label("Count my answers below in my organization's reports").is_checked()
    sign_out(page)

    sign_in(page, base, *COACH)
    page.goto(base + "/orgs/riverbend/coach/impact")
    page.get_by_role("heading", name="Your reviewing in", exact=False).wait_for()
    assert_accessible(page)
