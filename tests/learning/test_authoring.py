"""Authoring: who may author, drafts, versions, publishing, import and export."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app.db import utcnow
from app.models import Enrollment, Module, ModuleFormat, ModuleStatus, Role, Section
from tests.learning_support import module_doc, published
from tests.support import WebClient, make_org, make_user


@pytest.fixture
def orgs(db):
    riverbend = make_org(db, name="Riverbend")
    lakeside = make_org(db, "lakeside", name="Lakeside")
    make_user(db, "admin@riverbend.org", org=riverbend, role=Role.ADMIN)
    make_user(db, "teacher@riverbend.org", org=riverbend)
    make_user(db, "admin@lakeside.org", org=lakeside, role=Role.ADMIN)
    return riverbend, lakeside


def _modules(db) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(Module)) or 0


def _upload(web: WebClient, slug: str, content: bytes):
    return web.post(
        f"/orgs/{slug}/modules/import",
        files={"document": ("module.json", content, "application/json")},
    )


def test_admin_authors_publishes_and_teacher_sees_it(web: WebClient, web2: WebClient, db, orgs):
    web.sign_in("admin@riverbend.org")
    created = web.post("/orgs/riverbend/modules", {"title": "Station Rotation"})
    assert created.status_code == 303
    edit = created.headers["location"]
    module_id = uuid.UUID(edit.split("/")[4])
    saved = web.post(
        edit,
        {
            "title": "Station Rotation",
            "summary": "Blended learning in three stations",
            "subject": "Blended learning",
            "grade_band": "3-5",
            "estimated_minutes": "40",
            "pd_hours": "1",
            "tags": "blended, stations",
            "format": "self_paced",
        },
    )
    assert saved.status_code == 303, saved.text
    base = f"/orgs/riverbend/modules/{module_id}"
    assert web.post(f"{base}/sections", {"section_title": "Lern"}).status_code == 303
    section_id = db.scalar(select(Section.id).where(Section.title == "Lern"))
    blank = web.post(f"{base}/sections/{section_id}/rename", {"title": "  "})
    assert blank.status_code == 422
    assert "up to 200 characters" in blank.text
    renamed = web.post(f"{base}/sections/{section_id}/rename", {"title": "Learn"})
    assert renamed.status_code == 303
    db.expire_all()
    assert db.get(Section, section_id).title == "Learn"
    for title in ("First", "Second"):
        added = web.post(
            f"{base}/activities",
            {"section_id": str(section_id), "kind": "reading", "title": title, "body": "Hi"},
        )
        assert added.status_code == 303
    quiz = web.post(
        f"{base}/activities",
        {
            "section_id": str(section_id),
            "kind": "quiz",
            "title": "Quiz",
            "questions": "Pick one\n*Right\nWrong",
        },
    )
    assert quiz.status_code == 303
    video = web.post(
        f"{base}/activities",
        {"section_id": str(section_id), "kind": "video", "title": "V", "url": "https://v.example"},
    )
    assert video.status_code == 422
    assert "transcript" in video.text
    second = db.scalar(select(Module).where(Module.id == module_id)).activities[1]
    assert web.post(f"{base}/items/{second.id}/move", {"direction": "up"}).status_code == 303
    db.expire_all()
    assert [a.title for a in db.get(Module, second.module_id).activities] == [
        "Second",
        "First",
        "Quiz",
    ]

    web2.sign_in("teacher@riverbend.org")
    assert web2.get(f"/modules/{module_id}").status_code == 404  # drafts are invisible
    assert "Station Rotation" not in web2.page("/modules")
    assert web.get(f"/modules/{module_id}?preview=1").status_code == 200

    unknown = web.post(f"{base}/retire")
    assert unknown.status_code == 422
    assert "Unknown action." in unknown.text
    assert web.post(f"{base}/publish").status_code == 303
    assert "Station Rotation" in web2.get("/modules?q=stations").text
    locked = web.post(f"{base}/sections", {"section_title": "More"})
    assert locked.status_code == 409
    assert web.post(f"{base}/sections/{section_id}/rename", {"title": "X"}).status_code == 409


def test_teachers_cannot_author_and_admins_stay_in_their_org(web: WebClient, db, orgs):
    riverbend, _ = orgs
    module = published(db, riverbend)
    web.sign_in("teacher@riverbend.org")
    assert web.get("/orgs/riverbend/modules").status_code == 403
    assert web.post("/orgs/riverbend/modules", {"title": "Sneaky"}).status_code == 403
    assert web.post(f"/orgs/riverbend/modules/{module.id}/archive").status_code == 403
    web.client.cookies.clear()
    web.sign_in("admin@lakeside.org")
    assert web.get(f"/orgs/riverbend/modules/{module.id}/edit").status_code == 403
    assert web.get(f"/orgs/lakeside/modules/{module.id}/edit").status_code == 404
    assert web.post(f"/orgs/lakeside/modules/{module.id}/archive").status_code == 404
    assert web.get(f"/modules/{module.id}").status_code == 404  # another org's catalog
    db.expire_all()
    assert db.get(Module, module.id).status == ModuleStatus.PUBLISHED
    assert _modules(db) == 1


def test_new_version_keeps_enrolled_teachers_on_theirs(web: WebClient, web2: WebClient, db, orgs):
    riverbend, _ = orgs
    v1 = published(db, riverbend)
    web2.sign_in("teacher@riverbend.org")
    web2.post(f"/modules/{v1.id}/enroll")
    web2.post(f"/modules/{v1.id}/activities/{v1.activities[0].id}/done")

    web.sign_in("admin@riverbend.org")
    made = web.post(f"/orgs/riverbend/modules/{v1.id}/new-version")
    assert made.status_code == 303
    v2_id = made.headers["location"].split("/")[4]
    web.post(
        f"/orgs/riverbend/modules/{v2_id}/edit",
        {"title": "Exit Tickets 2", "estimated_minutes": "30", "pd_hours": "2"},
    )
    assert web.post(f"/orgs/riverbend/modules/{v2_id}/publish").status_code == 303

    catalog = web2.get("/modules").text
    assert "Exit Tickets 2" in catalog
    assert "Exit Tickets That Work" not in catalog
    mine = web2.get(f"/modules/{v1.id}")
    assert mine.status_code == 200
    assert "Move to version 2" in mine.text
    moved = web2.post(f"/modules/{v1.id}/move-to-latest")
    assert moved.status_code == 303
    db.expire_all()
    enrollment = db.scalar(select(Enrollment))
    assert str(enrollment.module_id) == v2_id
    page = web2.get(f"/modules/{v2_id}").text
    assert "Continue: Your plan" in page  # the reading done in version 1 still counts


def test_import_and_export_round_trip(web: WebClient, db, orgs):
    web.sign_in("admin@riverbend.org")
    response = _upload(web, "riverbend", json.dumps(module_doc()).encode())
    assert response.status_code == 303
    module_id = response.headers["location"].split("/")[4]
    exported = web.get(f"/orgs/riverbend/modules/{module_id}/export")
    assert exported.status_code == 200
    document = exported.json()
    assert document["$schema"].endswith("module-document/v1")
    assert document["sections"][0]["activities"][2]["questions"][0]["id"] == "q1"
    again = _upload(web, "riverbend", exported.content)
    assert again.status_code == 303
    assert _modules(db) == 2


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b"this is not json", "not valid JSON"),
        (b"\xff\xfe", "not UTF-8"),
        (b"[1, 2]", "one JSON object"),
        (json.dumps({**module_doc(), "colour": "red"}, indent=1).encode(), "colour, line"),
        (
            json.dumps({**module_doc(), "estimated_minutes": 999999}, indent=1).encode(),
            "estimated_minutes, line",
        ),
        (json.dumps({**module_doc(), "tags": ["x"] * 21}).encode(), "tags"),
        (
            json.dumps(
                module_doc(
                    sections=[{"title": "S", "activities": [{"kind": "video", "title": "V"}]}]
                ),
                indent=2,
            ).encode(),
            "sections.0.activities.0, line 23",
        ),
    ],
)
def test_bad_imports_are_refused_with_the_field_and_line(
    web: WebClient, db, orgs, content, message
):
    web.sign_in("admin@riverbend.org")
    response = _upload(web, "riverbend", content)
    assert response.status_code == 422
    assert message in response.text
    assert _modules(db) == 0


def test_cohort_capacity_dates_and_prerequisites(web: WebClient, web2: WebClient, db, orgs):
    riverbend, _ = orgs
    today = utcnow().date()
    cohort = published(
        db,
        riverbend,
        "Cohort Course",
        format="cohort",
        starts_on=str(today),
        ends_on=str(today + timedelta(days=30)),
        capacity=1,
    )
    assert cohort.format == ModuleFormat.COHORT
    make_user(db, "other@riverbend.org", org=riverbend)
    web.sign_in("teacher@riverbend.org")
    assert web.post(f"/modules/{cohort.id}/enroll").status_code == 303
    web2.sign_in("other@riverbend.org")
    full = web2.post(f"/modules/{cohort.id}/enroll")
    assert full.status_code == 409
    assert "full" in full.text

    closed = published(
        db,
        riverbend,
        "Closed Course",
        format="cohort",
        starts_on=str(today - timedelta(days=30)),
        ends_on=str(today - timedelta(days=1)),
        capacity=10,
    )
    refused = web2.post(f"/modules/{closed.id}/enroll")
    assert refused.status_code == 409
    assert "closed" in refused.text

    advanced = published(db, riverbend, "Advanced Course")
    from app.models import ModulePrerequisite

    advanced.prerequisites.append(ModulePrerequisite(required_family_id=cohort.family_id))
    db.commit()
    blocked = web2.post(f"/modules/{advanced.id}/enroll")
    assert blocked.status_code == 409
    assert "Complete these modules first: Cohort Course" in blocked.text
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(Enrollment)) == 1


def test_admin_edits_an_activity_of_a_draft(web: WebClient, db, orgs):
    riverbend, _ = orgs
    web.sign_in("admin@riverbend.org")
    response = _upload(web, "riverbend", json.dumps(module_doc()).encode())
    module_id = uuid.UUID(response.headers["location"].split("/")[4])
    quiz = db.get(Module, module_id).activities[2]
    url = f"/orgs/riverbend/modules/{module_id}/activities/{quiz.id}/edit"
    form = web.get(url)
    assert form.status_code == 200
    assert "*A quick end-of-lesson check" in form.text
    saved = web.post(
        url,
        {
            "kind": "quiz",
            "title": "Quick check",
            "required": "1",
            "pass_mark": "50",
            "questions": "Best?\n*Yes\nNo\n\nPick two\n*A\n*B\nC",
        },
    )
    assert saved.status_code == 303
    db.expire_all()
    edited = db.get(Module, module_id).activities[2]
    assert edited.title == "Quick check"
    assert edited.key == quiz.key
    assert edited.questions[1]["multiple"] is True
    bad = web.post(url, {"kind": "video", "title": "Video", "url": "https://v.example"})
    assert bad.status_code == 422
    assert "transcript" in bad.text
    db.expire_all()
    assert db.get(Module, module_id).activities[2].kind.value == "quiz"
    published_module = published(db, riverbend, "Fixed")
    locked = web.post(
        f"/orgs/riverbend/modules/{published_module.id}/activities/"
        f"{published_module.activities[0].id}/edit",
        {"kind": "reading", "title": "Changed"},
    )
    assert locked.status_code == 409


def test_admin_creates_a_pathway_in_order(web: WebClient, db, orgs):
    riverbend, _ = orgs
    first = published(db, riverbend, "First Steps")
    second = published(db, riverbend, "Second Steps")
    web.sign_in("admin@riverbend.org")
    assert web.get("/orgs/riverbend/pathways").status_code == 200
    none = web.post("/orgs/riverbend/pathways", {"title": "Growth", "summary": ""})
    assert none.status_code == 422
    assert "at least one module" in none.text
    bad = web.post("/orgs/riverbend/pathways", {"title": "Growth", f"pos-{first.family_id}": "x"})
    assert bad.status_code == 422
    assert "Positions must be whole numbers." in bad.text
    assert 'value="Growth"' in bad.text
    assert 'value="x"' in bad.text
    made = web.post(
        "/orgs/riverbend/pathways",
        {"title": "Growth", f"pos-{second.family_id}": "1", f"pos-{first.family_id}": "2"},
    )
    assert made.status_code == 303
    db.expire_all()
    from app.models import Pathway

    pathway = db.scalar(select(Pathway))
    assert [s.family_id for s in pathway.steps] == [second.family_id, first.family_id]
    web.client.cookies.clear()
    web.sign_in("teacher@riverbend.org")
    assert web.post("/orgs/riverbend/pathways", {"title": "Mine"}).status_code == 403
