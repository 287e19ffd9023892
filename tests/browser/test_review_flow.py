"""Issue #5 end to end in Chromium: a teacher submits evidence with a file, a coach scores the
rubric and says "Not yet", the teacher revises and resubmits, the coach says "Earned"; both are
notified. Then (#6, #7) the credential verifies from its baked PNG and the teacher shares the
evidence as an exemplar. axe-core checks every page on the way."""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select

from app.demo.district import seed_demo
from app.models import JoinPolicy, Organization, User
from app.services.communities import membership as communities
from tests.browser.conftest import LiveServer, assert_accessible
from tests.browser.test_credential_flow import sign_in, sign_out, verify_upload
from tests.review.support import MINIMAL_PDF, make_definition

pytestmark = pytest.mark.browser

NAME = "Classroom Discourse Routines"
TEACHER = ("teacher@riverbend.example", "laurel-demo-teacher")
COACH = ("coach@riverbend.example", "laurel-demo-coach")
PHONE = {"width": 390, "height": 844}


def prepare(live_server: LiveServer) -> None:
    with live_server.sessions() as db:
        seed_demo(db, live_server.settings)
        org = db.scalar(select(Organization).where(Organization.slug == "riverbend"))
        assert org is not None
        definition = make_definition(db, org, name=NAME)
        coach = db.scalar(select(User).where(User.email == COACH[0]))
        teacher = db.scalar(select(User).where(User.email == TEACHER[0]))
        assert coach is not None
        assert teacher is not None
        communities.create_community(
            db,
            org,
            coach,
            slug="discourse",
            name="Discourse circle",
            join_policy=JoinPolicy.OPEN,
            attached_kind="micro_credential",
            attached_ref=str(definition.family_id),
        )
        db.commit()
        communities.join(db, communities.access(db, org, "discourse", teacher))
        db.commit()


def open_notifications(page, base: str, expected: str) -> None:
    page.get_by_role("link", name="Notifications").click()
    assert expected in page.get_by_role("main").inner_text()
    assert_accessible(page)


def score(page, levels: dict[str, str], decision: str, feedback: str) -> None:
    for criterion, level in levels.items():
        page.get_by_role("group", name=criterion).get_by_label(level).check()
    page.get_by_label("Overall feedback").fill(feedback)
    page.get_by_role("group", name="Decision").get_by_label(decision, exact=True).check()
    page.get_by_role("button", name="Record decision").click()


def home_shows_the_feedback(page, base: str) -> None:
    """The teacher's home lists the returned evidence with the coach's words, on a desktop and
    on a phone (no horizontal scroll), and passes axe."""
    for size in ({"width": 1280, "height": 800}, PHONE):
        page.set_viewport_size(size)
        page.goto(base + "/")
        waiting = page.get_by_role("region", name="Feedback waiting")
        assert "Plan who speaks first" in waiting.inner_text()
        assert waiting.get_by_role("link", name=NAME).is_visible()
        for title in ("Continue where you left off", "PD hours this school year", "What is due"):
            assert page.get_by_role("heading", name=title).is_visible(), title
        assert page.evaluate("() => document.documentElement.scrollWidth <= innerWidth")
        assert_accessible(page)
    page.set_viewport_size({"width": 1280, "height": 800})


def feedback_beside_the_form(page) -> None:
    """While revising, the coach's feedback is open beside the form (desktop) or directly above
    it (phone): visible, outside any closed disclosure, and before the form."""
    feedback = page.get_by_role("complementary", name=re.compile("coach's feedback"))
    text = page.get_by_text("Plan who speaks first", exact=False).first
    reflection = page.get_by_role("textbox", name="Reflection", exact=True)
    for size, beside in (({"width": 1280, "height": 800}, True), (PHONE, False)):
        page.set_viewport_size(size)
        assert text.is_visible()
        assert feedback.evaluate("el => el.closest('details') === null")
        box, field = text.bounding_box(), reflection.bounding_box()
        assert box is not None
        assert field is not None
        if beside:
            assert box["x"] + box["width"] <= field["x"]  # to its left
            assert box["y"] < field["y"] + field["height"]
        else:
            assert box["y"] + box["height"] <= field["y"]  # directly above
        assert page.evaluate("() => document.documentElement.scrollWidth <= innerWidth")
        assert_accessible(page)
    page.set_viewport_size({"width": 1280, "height": 800})


def coach_opens_the_submission(page, base: str) -> None:
    page.get_by_role("link", name="Review", exact=True).click()
    page.get_by_label("Micro-credential").select_option(label=f"{NAME} (v1)")
    page.get_by_role("button", name="Show").click()
    assert_accessible(page)
    page.get_by_role("link", name=re.compile(f"Priya Raman.*{NAME}")).click()
    page.get_by_role("heading", name="Rubric").wait_for()
    assert_accessible(page)


def test_evidence_not_yet_resubmit_earned_verify_share(page, live_server: LiveServer, tmp_path):
    base = live_server.url
    prepare(live_server)
    plan = tmp_path / "lesson-plan.pdf"
    plan.write_bytes(MINIMAL_PDF)

    sign_in(page, base, *TEACHER)
    page.get_by_role("link", name="Micro-credentials").click()
    page.get_by_role("link", name=NAME).click()
    assert_accessible(page)
    page.get_by_role("link", name="Start or continue your evidence").click()
    assert "student names or faces" in page.get_by_role("main").inner_text()
    page.get_by_role("textbox", name="Reflection", exact=True).fill(
        "We tried turn-and-talk twice a week."
    )
    page.get_by_label("Add files").set_input_files(str(plan))
    page.get_by_role("button", name="Submit for review").click()
    assert "privacy" in page.get_by_role("main").inner_text().lower()  # not confirmed yet
    assert_accessible(page)
    page.get_by_label("My evidence shows no student names").check()
    page.get_by_label("Add files").set_input_files(str(plan))
    page.get_by_role("button", name="Submit for review").click()
    page.get_by_text("waiting for review").first.wait_for()
    assert_accessible(page)
    evidence_url = page.url
    sign_out(page)

    sign_in(page, base, *COACH)
    open_notifications(page, base, NAME)
    coach_opens_the_submission(page, base)
    assert "lesson-plan.pdf" in page.get_by_role("main").inner_text()
    score(
        page,
        {
            "Planning": "2 · Developing",
            "Classroom practice": "3 · Proficient",
            "Reflection": "2 · Developing",
        },
        "Not yet",
        "Plan who speaks first, and bring one sample of student talk.",
    )
    page.get_by_role("status").wait_for()
    assert_accessible(page)
    sign_out(page)

    sign_in(page, base, *TEACHER)
    open_notifications(page, base, "Not yet")
    home_shows_the_feedback(page, base)
    page.goto(evidence_url)
    assert "Plan who speaks first" in page.get_by_role("main").inner_text()
    assert_accessible(page)
    page.get_by_role("button", name="Revise and resubmit").click()
    feedback_beside_the_form(page)
    page.get_by_role("textbox", name="Reflection", exact=True).fill(
        "We tried turn-and-talk twice a week.\nStudents with sentence frames spoke first."
    )
    page.get_by_label("My evidence shows no student names").check()
    page.get_by_role("button", name="Submit for review").click()
    page.get_by_text("waiting for review").first.wait_for()
    sign_out(page)

    sign_in(page, base, *COACH)
    coach_opens_the_submission(page, base)
    assert "What changed since attempt 1" in page.get_by_role("main").inner_text()
    assert "sentence frames" in page.locator(".changes").inner_text()
    score(
        page,
        {
            "Planning": "3 · Proficient",
            "Classroom practice": "4 · Exemplary",
            "Reflection": "3 · Proficient",
        },
        "Earned",
        "Clear routines; the frames made the difference.",
    )
    page.get_by_role("status").wait_for()
    sign_out(page)

    sign_in(page, base, *TEACHER)
    open_notifications(page, base, f"You earned {NAME}")
    page.goto(evidence_url)
    assert "You earned this micro-credential" in page.get_by_role("main").inner_text()
    page.get_by_label("I agree to share a copy").check()
    page.get_by_role("button", name="Share as an exemplar").click()
    assert "exemplar" in page.get_by_role("status").inner_text()
    assert_accessible(page)

    page.get_by_role("link", name="My credentials", exact=True).click()
    page.get_by_role("button", name=f"Publish {NAME}").click()
    with page.expect_download() as download_info:
        page.locator("li, tr, article, section").filter(has_text=NAME).first.get_by_role(
            "link", name="badge image (PNG)"
        ).click()
    png = tmp_path / "earned.png"
    download_info.value.save_as(png)
    sign_out(page)
    assert "Valid." in verify_upload(page, base, str(png))
