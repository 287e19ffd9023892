"""Recommendations (deterministic, explained), pathways, goals and the demo seed."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.db import utcnow
from app.demo.district import seed_demo
from app.models import (
    Enrollment,
    EnrollmentStatus,
    Module,
    Pathway,
    PathwayCompletion,
    Role,
    User,
)
from app.services.learning import recommendations
from tests.learning_support import published
from tests.support import WebClient, make_org, make_user

STANDARD = {"code": "ISTE-E-2.4", "name": "Collaborator", "url": "https://iste.org/standards"}


@pytest.fixture
def seeded(db):
    org = make_org(db)
    teacher = make_user(db, "t@school.org", org=org)
    colleague = make_user(db, "c@school.org", org=org)
    goal = published(db, org, "Exit Tickets Daily", tags=["exit tickets"], standards=[])
    gap = published(db, org, "Team Planning Protocols", standards=[STANDARD], tags=["plc"])
    band = published(db, org, "Middle School Discourse", grade_band="6-8", standards=[], tags=[])
    popular = published(db, org, "Popular Choice", grade_band="K-2", subject="Art", standards=[])
    published(db, org, "Unrelated Course", grade_band="K-2", subject="Art", standards=[])
    db.add(
        Enrollment(
            user_id=colleague.id,
            module_id=popular.id,
            family_id=popular.family_id,
            enrolled_at=utcnow(),
            status=EnrollmentStatus.COMPLETED,
            completed_at=utcnow(),
        )
    )
    db.commit()
    return teacher, goal, gap, band, popular


def test_recommendations_follow_goals_gaps_band_and_colleagues(web: WebClient, db, seeded):
    teacher = seeded[0]
    web.sign_in("t@school.org")
    saved = web.post(
        "/learning/goals",
        {
            "goals": "Use exit tickets every day",
            "grade_band": "6-8",
            "subject": "Assessment",
            "rating-ISTE-E-2.4": "1",
        },
    )
    assert saved.status_code == 303
    db.expire_all()
    user = db.get(User, teacher.id)
    picks = recommendations.recommend(db, user)
    assert [r.module.title for r in picks] == [
        "Exit Tickets Daily",
        "Team Planning Protocols",
        "Middle School Discourse",
        "Popular Choice",
    ]
    assert picks == recommendations.recommend(db, user)  # deterministic
    assert "because you set the goal “Use exit tickets every day”" in picks[0].reasons
    assert any("rated yourself beginning on ISTE-E-2.4" in r for r in picks[1].reasons)
    assert "1 colleague in your organization completed it" in picks[3].reasons
    page = web.get("/learning").text
    assert "because you set the goal" in page
    assert "Unrelated Course" not in page


def test_goals_form_rejects_bad_ratings(web: WebClient, db, seeded):
    web.sign_in("t@school.org")
    bad = web.post("/learning/goals", {"goals": "x", "rating-ISTE-E-2.4": "9"})
    assert bad.status_code == 422
    assert "Choose a level" in bad.text
    unknown = web.post("/learning/goals", {"goals": "x", "rating-NOPE": "1"})
    assert unknown.status_code == 422


def test_completing_every_module_of_a_pathway_is_recorded(web: WebClient, db, settings) -> None:
    seed_demo(db, settings)
    db.commit()
    pathway = db.scalar(select(Pathway))
    teacher = db.scalar(select(User).where(User.email == "teacher@riverbend.example"))
    families = [s.family_id for s in pathway.steps]
    modules = [db.scalar(select(Module).where(Module.family_id == f)) for f in families]
    web.sign_in("teacher@riverbend.example", "laurel-demo-teacher")
    for module in modules:
        assert web.post(f"/modules/{module.id}/enroll").status_code == 303, module.title
        for activity in module.activities:
            if activity.kind.value in ("reading", "video"):
                web.post(f"/modules/{module.id}/activities/{activity.id}/done")
            elif activity.kind.value == "reflection":
                web.post(
                    f"/modules/{module.id}/activities/{activity.id}/reflection", {"response": "ok"}
                )
            elif activity.kind.value == "quiz":
                web.post(
                    f"/modules/{module.id}/activities/{activity.id}/quiz",
                    {"attempt": "1", "q-q1": "a", "q-q2": ["a", "b"]},
                )
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(PathwayCompletion)) == 1
    page = web.get(f"/pathways/{pathway.id}").text
    assert "You completed this pathway" in page
    assert teacher is not None


def test_demo_seed_is_idempotent_and_lively(db, settings) -> None:
    seed_demo(db, settings)
    db.commit()
    seed_demo(db, settings)
    db.commit()
    assert db.scalar(select(func.count()).select_from(Module)) == 12
    assert db.scalar(select(func.count()).select_from(Pathway)) == 1
    assert Role.TEACHER
