"""A teacher finds a module, enrolls, learns, passes a quiz, completes it and gets PD hours."""

from __future__ import annotations

import io
from decimal import Decimal

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from app.models import (
    ActivityProgress,
    Enrollment,
    EnrollmentStatus,
    ModuleFeedback,
    QuizAttempt,
    Role,
)
from tests.learning_support import published
from tests.support import WebClient, make_org, make_user


@pytest.fixture
def setting(db):
    org = make_org(db, name="Riverbend Unified")
    make_user(db, "teacher@school.org", org=org, name="Priya Raman")
    module = published(db, org)
    return org, module


def _count(db, model) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(model)) or 0


def test_teacher_learns_and_completes_a_module(web: WebClient, db, setting) -> None:
    _org, module = setting
    reading, reflection, quiz, evidence = module.activities
    web.sign_in("teacher@school.org")

    found = web.get("/modules?q=exit+tickets")
    assert found.status_code == 200
    assert "Exit Tickets That Work" in found.text
    assert "0 modules" in web.get("/modules?q=photosynthesis").text

    assert web.post(f"/modules/{module.id}/enroll").status_code == 303
    page = web.get(f"/modules/{module.id}")
    assert "Continue: Key ideas" in page.text

    shown = web.get(f"/modules/{module.id}/activities/{reading.id}")
    assert "<h1>Exit tickets</h1>" in shown.text
    assert web.post(f"/modules/{module.id}/activities/{reading.id}/done").status_code == 303

    saved = web.post(
        f"/modules/{module.id}/activities/{reflection.id}/reflection", {"response": "Try it"}
    )
    assert saved.status_code == 303
    autosave = web.post(
        f"/modules/{module.id}/activities/{reflection.id}/reflection",
        {"response": "Try it on Friday"},
        headers={"X-Autosave": "1"},
    )
    assert autosave.status_code == 204

    url = f"/modules/{module.id}/activities/{quiz.id}/quiz"
    failed = web.post(url, {"attempt": "1", "q-q1": "b", "q-q2": ["a", "b"]})
    assert failed.status_code == 303
    assert "(correct)" not in web.page(f"/modules/{module.id}/activities/{quiz.id}")
    # Leave and come back: the dashboard offers to continue.
    assert "Continue where you left off" in web.get("/learning").text
    passed = web.post(url, {"attempt": "2", "q-q1": "a", "q-q2": ["a", "b"]})
    assert passed.status_code == 303
    assert passed.headers["location"].endswith("#complete")
    assert "(correct)" in web.get(f"/modules/{module.id}/activities/{quiz.id}").text

    db.expire_all()
    enrollment = db.scalar(select(Enrollment))
    assert enrollment.status == EnrollmentStatus.COMPLETED
    assert enrollment.pd_hours_awarded == Decimal("1.50")
    assert (
        db.scalar(
            select(ActivityProgress.response_text).where(
                ActivityProgress.activity_id == reflection.id
            )
        )
        == "Try it on Friday"
    )

    rated = web.post(f"/modules/{module.id}/feedback", {"rating": "5", "comment": "Useful"})
    assert rated.status_code == 303
    assert db.scalar(select(ModuleFeedback.rating)) == 5
    assert "1.50 PD hours" in web.get("/learning").text

    csv_text = web.get("/learning/transcript?download=csv").text
    assert "Exit Tickets That Work" in csv_text
    assert "Total" in csv_text
    pdf = web.get("/learning/transcript?download=pdf")
    assert pdf.headers["content-type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    for expected in ("Priya Raman", "Riverbend Unified", "Exit Tickets That Work", "Total", "1.50"):
        assert expected in text
    del evidence


def test_quiz_bad_input_is_refused_without_side_effects(web: WebClient, db, setting) -> None:
    _org, module = setting
    quiz = module.activities[2]
    web.sign_in("teacher@school.org")
    url = f"/modules/{module.id}/activities/{quiz.id}/quiz"
    not_enrolled = web.post(url, {"attempt": "1", "q-q1": "a"})
    assert not_enrolled.status_code == 403
    web.post(f"/modules/{module.id}/enroll")
    other_quiz = web.post(url, {"attempt": "1", "q-zz": "a"})
    assert other_quiz.status_code == 422
    assert "not for this quiz" in other_quiz.text
    bad_choice = web.post(url, {"attempt": "1", "q-q1": "z"})
    assert bad_choice.status_code == 422
    assert web.post(url, {"attempt": "1", "q-q1": "b"}).status_code == 303
    twice = web.post(url, {"attempt": "1", "q-q1": "b"})
    assert twice.status_code == 409
    assert "already submitted" in twice.text
    assert _count(db, QuizAttempt) == 1
    tampered = web.post(f"/modules/{module.id}/activities/{module.id}/done")
    assert tampered.status_code == 404
    assert web.get(f"/modules/{module.id}/activities/not-a-uuid").status_code == 400


def test_markdown_never_runs_script(web: WebClient, db) -> None:
    org = make_org(db)
    make_user(db, "t@school.org", org=org)
    body = '<script>alert(1)</script>\n\n[click](javascript:alert(1)) <iframe src="x"></iframe>'
    module = published(
        db,
        org,
        sections=[{"title": "S", "activities": [{"kind": "reading", "title": "R", "body": body}]}],
    )
    web.sign_in("t@school.org")
    web.post(f"/modules/{module.id}/enroll")
    page = web.get(f"/modules/{module.id}/activities/{module.activities[0].id}").text
    assert "<script>alert" not in page
    assert "<iframe" not in page
    assert 'href="javascript:' not in page


def test_unenroll_and_come_back_keeps_progress(web: WebClient, db, setting) -> None:
    _org, module = setting
    web.sign_in("teacher@school.org")
    web.post(f"/modules/{module.id}/enroll")
    web.post(f"/modules/{module.id}/activities/{module.activities[0].id}/done")
    assert web.post(f"/modules/{module.id}/unenroll").status_code == 303
    assert "Enroll in this module" in web.get(f"/modules/{module.id}").text
    web.post(f"/modules/{module.id}/enroll")
    assert "Continue: Your plan" in web.get(f"/modules/{module.id}").text
    assert _count(db, Enrollment) == 1
    again = web.post(f"/modules/{module.id}/enroll")
    assert again.status_code == 409


def test_feedback_only_after_completion_and_in_range(web: WebClient, db, setting) -> None:
    _org, module = setting
    web.sign_in("teacher@school.org")
    web.post(f"/modules/{module.id}/enroll")
    early = web.post(f"/modules/{module.id}/feedback", {"rating": "4"})
    assert early.status_code == 409
    assert _count(db, ModuleFeedback) == 0


def test_transcript_rejects_bad_dates(web: WebClient, db, setting) -> None:
    web.sign_in("teacher@school.org")
    bad = web.get("/learning/transcript?start=2026-13-01")
    assert bad.status_code == 422
    assert "YYYY-MM-DD" in bad.text
    backwards = web.get("/learning/transcript?start=2026-05-01&end=2026-01-01")
    assert backwards.status_code == 422
    assert Role.TEACHER
