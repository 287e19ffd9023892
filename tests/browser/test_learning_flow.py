"""A teacher learns in a real browser; an admin authors. Every page passes axe-core."""

from __future__ import annotations

import io
import json
import re
from urllib.parse import quote

import pytest
from pypdf import PdfReader
from sqlalchemy import select

from app.demo.district import seed_demo
from app.models import Organization
from tests.browser.conftest import LiveServer, assert_accessible
from tests.learning_support import published

pytestmark = pytest.mark.browser
MODULE = "Formative Assessment in Five Minutes"


def _sign_in(page, base: str, email: str, password: str) -> None:
    page.goto(base + "/signin")
    page.get_by_label("E-mail address").first.fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Sign in", exact=True).click()
    page.get_by_role("heading", name=re.compile("Hello")).wait_for()


def test_teacher_finds_learns_completes_and_downloads_a_transcript(page, live_server: LiveServer):
    base = live_server.url
    with live_server.sessions() as db:
        seed_demo(db, live_server.settings)
        db.commit()
    _sign_in(page, base, "teacher@riverbend.example", "laurel-demo-teacher")

    page.get_by_role("link", name="Modules", exact=True).click()
    assert_accessible(page)
    page.get_by_label("Search modules").fill("exit ticket")
    page.keyboard.press("Enter")
    page.get_by_role("heading", name=re.compile("1 module for")).wait_for()
    assert_accessible(page)
    page.get_by_role("link", name=MODULE).click()
    assert_accessible(page)
    page.get_by_role("button", name="Enroll in this module").focus()
    page.keyboard.press("Enter")
    page.get_by_role("status").filter(has_text="You are enrolled").wait_for()
    assert_accessible(page)

    page.get_by_role("link", name="Continue: Key ideas").click()
    assert page.get_by_role("heading", name="Why it matters").is_visible()
    assert_accessible(page)
    for _ in range(3):  # reading, video, optional resource
        page.get_by_role("button", name="Mark as done and continue").click()
        page.get_by_role("status").filter(has_text="is done").wait_for()
        assert_accessible(page)

    page.get_by_label("Your reflection").fill("I will try a one-question exit ticket on Friday.")
    page.get_by_text("Saved.").wait_for()  # autosave, with JavaScript on
    page.get_by_role("button", name="Save reflection").click()
    page.get_by_role("status").filter(has_text="reflection is saved").wait_for()
    assert_accessible(page)

    # Leave and come back later: the dashboard continues where the teacher left off.
    page.goto(base + "/learning")
    assert_accessible(page)
    page.get_by_role("link", name=re.compile("Continue where you left off")).click()
    page.get_by_role("link", name="Continue: Check your understanding").click()
    assert_accessible(page)

    page.get_by_label("It only matters for students who struggle.").check()
    page.get_by_role("button", name="Submit answers").click()
    page.get_by_role("status").filter(has_text="you need 100%").wait_for()
    assert_accessible(page)

    page.get_by_label(re.compile("^Quick checks|^An exit ticket")).focus()
    page.keyboard.press("Space")  # keyboard only
    page.get_by_label("Try it in one lesson").focus()
    page.keyboard.press("Space")
    page.get_by_label("Notice what students do").focus()
    page.keyboard.press("Space")
    page.get_by_role("button", name="Submit answers").focus()
    page.keyboard.press("Enter")
    page.get_by_role("heading", name="You completed this module").wait_for()
    assert_accessible(page)

    page.get_by_label(re.compile("^5")).check()
    page.get_by_label("Comment (optional)").fill("Practical and short.")
    page.get_by_role("button", name="Send feedback").click()
    page.get_by_role("heading", name="My learning").wait_for()
    assert "1.00 PD hours" in page.content()
    assert_accessible(page)

    page.get_by_role("link", name="PD transcript").click()
    assert_accessible(page)
    with page.expect_download() as info:
        page.get_by_role("link", name="Download PDF").click()
    pdf = PdfReader(io.BytesIO(open(info.value.path(), "rb").read()))  # noqa: SIM115
    text = "".join(p.extract_text() for p in pdf.pages)
    for expected in ("Priya Raman", "Riverbend Unified School District", MODULE, "Total"):
        assert expected in text

    for path in ("/learning/goals", "/pathways"):
        page.goto(base + path)
        assert_accessible(page)
    page.get_by_role("link", name="Assessment for Learning").click()
    assert_accessible(page)


def test_malicious_markdown_never_runs_a_script(page, live_server: LiveServer):
    base = live_server.url
    with live_server.sessions() as db:
        seed_demo(db, live_server.settings)
        org = db.scalar(select(Organization).where(Organization.slug == "riverbend"))
        body = (
            "<script>alert('xss')</script>\n\n<img src=x onerror=alert(1)>\n\n"
            '[click me](javascript:alert(1))\n\n<iframe src="javascript:alert(1)"></iframe>'
        )
        module = published(
            db,
            org,
            "Hostile Markdown",
            sections=[
                {"title": "S", "activities": [{"kind": "reading", "title": "R", "body": body}]}
            ],
        )
        module_id, activity_id = module.id, module.activities[0].id
    dialogs: list[str] = []
    page.on("dialog", lambda d: (dialogs.append(d.message), d.dismiss()))
    _sign_in(page, base, "teacher2@riverbend.example", "laurel-demo-teacher2")
    page.goto(f"{base}/modules/{module_id}")
    page.get_by_role("button", name="Enroll in this module").click()
    page.goto(f"{base}/modules/{module_id}/activities/{activity_id}")
    page.get_by_role("heading", name="R").wait_for()  # the activity itself, not an error page
    link = page.get_by_text("click me")
    assert link.count() == 1  # the link text survives; its javascript: address does not
    link.click()
    page.wait_for_timeout(300)
    assert dialogs == []
    assert page.locator("main script, main iframe").count() == 0
    assert_accessible(page)


def test_admin_authors_a_module_in_the_browser(page, live_server: LiveServer, tmp_path):
    base = live_server.url
    with live_server.sessions() as db:
        seed_demo(db, live_server.settings)
        db.commit()
    _sign_in(page, base, "admin@riverbend.example", "laurel-demo-admin")
    page.goto(base + "/orgs/riverbend/modules")
    assert_accessible(page)
    page.get_by_label("Title").fill("Station Rotation Basics")
    page.get_by_role("button", name="Create draft").click()
    page.get_by_role("heading", name=re.compile("Station Rotation Basics")).wait_for()
    assert_accessible(page)
    page.get_by_label("New section title").fill("Learn")
    page.get_by_role("button", name="Add section").click()
    # the kind first (no JavaScript needed), then only that kind's fields
    assert page.get_by_label("Questions").count() == 0
    page.get_by_label("Kind of activity").select_option("quiz")
    page.get_by_role("button", name="Show its fields").click()
    page.get_by_label("Questions").wait_for()
    assert page.get_by_label(re.compile("^Text \\(Markdown\\)")).count() == 0
    assert_accessible(page)
    page.get_by_label("Kind of activity").select_option("evidence")
    page.get_by_role("button", name="Change kind").click()
    credential = page.get_by_label("Micro-credential this evidence counts toward")
    assert "Formative Assessment in Practice" in credential.inner_text()
    assert page.get_by_label("Questions").count() == 0
    page.get_by_label("Kind of activity").select_option("reading")
    page.get_by_role("button", name="Change kind").click()
    page.get_by_label("Activity title").fill("What is station rotation?")
    page.get_by_label(re.compile("^Text \\(Markdown\\)")).fill("Three **stations**, one class.")
    page.get_by_role("button", name="Add activity").click()
    page.get_by_role("status").filter(has_text="Activity added").wait_for()
    assert_accessible(page)
    page.get_by_role("link", name="Edit What is station rotation?").click()
    assert_accessible(page)
    page.get_by_label("Activity title").fill("What is a station rotation?")
    page.get_by_role("button", name="Save activity").click()
    page.get_by_role("status").filter(has_text="Activity saved").wait_for()
    page.get_by_label("Module to complete first").select_option(
        label="Formative Assessment in Five Minutes"
    )
    page.get_by_role("button", name="Add prerequisite").click()
    page.get_by_role("status").filter(has_text="is now a prerequisite").wait_for()
    assert_accessible(page)
    page.get_by_role("link", name="Preview as a teacher").click()
    page.get_by_role("link", name="Formative Assessment in Five Minutes").wait_for()
    assert_accessible(page)
    page.go_back()
    page.get_by_role("button", name="Publish version 1").click()
    page.get_by_role("status").filter(has_text="is published").wait_for()
    assert_accessible(page)

    page.goto(base + "/orgs/riverbend/pathways")
    assert_accessible(page)
    page.get_by_label("Title").fill("Blended Learning Starter")
    page.get_by_label("Position of “Station Rotation Basics”").fill("1")
    page.get_by_role("button", name="Create pathway").click()
    page.get_by_role("status").filter(has_text="created").wait_for()
    assert_accessible(page)

    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"title": "Oops", "colour": "red"}, indent=2))
    page.goto(base + "/orgs/riverbend/modules")
    page.get_by_label("Module document (.json)").set_input_files(str(bad))
    page.get_by_role("button", name="Import as draft").click()
    page.get_by_role("alert").wait_for()
    assert "colour, line 3" in page.get_by_role("alert").inner_text()
    assert_accessible(page)


def _evidence_task(page, base: str, module: str) -> None:
    """Enroll in a demo module and open its evidence task."""
    page.goto(base + "/modules?q=" + quote(module))
    page.get_by_role("link", name=module).click()
    page.get_by_role("button", name="Enroll in this module").click()
    page.get_by_role("status").filter(has_text="You are enrolled").wait_for()
    page.get_by_role("link", name="Show it in your classroom").click()
    page.get_by_role("heading", name="Show it in your classroom").wait_for()


def test_prerequisites_and_evidence_tasks_lead_to_the_right_pages(page, live_server: LiveServer):
    base = live_server.url
    with live_server.sessions() as db:
        seed_demo(db, live_server.settings)
        db.commit()
    _sign_in(page, base, "teacher2@riverbend.example", "laurel-demo-teacher2")

    # prerequisites are named, with links, before enrolling
    page.goto(base + "/modules?q=" + quote("Feedback That Moves Learning Forward"))
    page.get_by_role("link", name="Feedback That Moves Learning Forward").click()
    assert_accessible(page)
    page.get_by_role("link", name=MODULE).click()
    page.get_by_role("heading", name=MODULE).wait_for()

    # no evidence yet: the task says so and leads to the micro-credential's evidence form
    _evidence_task(page, base, MODULE)
    assert page.locator("[data-standing]").inner_text() == "Not started"
    assert "coming soon" not in page.content()
    assert_accessible(page)
    page.get_by_role(
        "link", name="Start your evidence for Formative Assessment in Practice"
    ).click()
    page.get_by_role("heading", name="Evidence for Formative Assessment in Practice").wait_for()
    assert_accessible(page)

    # earned in the demo: the task says Earned and opens that submission
    _evidence_task(page, base, "Digital Citizenship for Middle School")
    assert page.locator("[data-standing]").inner_text() == "Earned"
    assert_accessible(page)
    page.get_by_role("link", name="Open your evidence for Digital Citizenship Instruction").click()
    page.get_by_role("heading", name="Evidence for Digital Citizenship Instruction").wait_for()
    assert "/evidence/" in page.url
    assert_accessible(page)
