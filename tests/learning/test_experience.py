"""What a teacher and an author see between modules, evidence and credentials: evidence tasks,
prerequisites, the editor per activity kind, honest messages, the transcript with credentials,
certificates of completion and the demo's links."""

from __future__ import annotations

import io
import re
import uuid
from datetime import date
from decimal import Decimal

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from app.db import Base, utcnow
from app.demo.district import seed_demo
from app.models import (
    Activity,
    ActivityKind,
    Award,
    Enrollment,
    EnrollmentStatus,
    Module,
    ModulePrerequisite,
    Role,
    Section,
    Submission,
    SubmissionStatus,
)
from app.services.learning import pathways
from app.services.learning.transcript import Transcript, TranscriptRow, school_year, to_csv
from tests.identity.test_api_tokens import bearer, create_token
from tests.learning_support import module_doc, published
from tests.microcredentials.support import make_definition
from tests.microcredentials.test_completion_badges import completion
from tests.support import WebClient, make_org, make_user

READINGS = [
    {"title": "Learn", "activities": [{"kind": "reading", "title": "Key ideas", "body": "Read."}]}
]


@pytest.fixture
def world(db, settings):
    org = make_org(db, name="Riverbend Unified")
    other = make_org(db, "lakeside", name="Lakeside")
    admin = make_user(db, "admin@riverbend.org", org=org, role=Role.ADMIN)
    teacher = make_user(db, "teacher@riverbend.org", org=org, name="Priya Raman")
    make_user(db, "other@riverbend.org", org=org, name="Sam Other")
    make_user(db, "admin@lakeside.org", org=other, role=Role.ADMIN)
    definition = make_definition(db, org, settings, name="Formative Assessment in Practice")
    return org, other, admin, teacher, definition


def _count(db, model) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(model)) or 0


def _draft(web: WebClient, db, org, title: str = "Station Rotation"):
    """A draft module with one section, made through the editor; returns (module id, section)."""
    created = web.post(f"/orgs/{org.slug}/modules", {"title": title})
    assert created.status_code == 303
    module_id = created.headers["location"].split("/")[4]
    added = web.post(f"/orgs/{org.slug}/modules/{module_id}/sections", {"section_title": "Do"})
    assert added.status_code == 303
    db.expire_all()
    section_id = db.scalar(select(Section.id).where(Section.module_id == uuid.UUID(module_id)))
    return module_id, str(section_id)


def _evidence_module(db, org, target: str | None):
    return published(
        db,
        org,
        "Exit Tickets That Work",
        sections=[
            {
                "title": "Apply",
                "activities": [{"kind": "evidence", "title": "Show it", "evidence_target": target}],
            }
        ],
    )


# 1. evidence tasks ------------------------------------------------------------------------


def test_author_picks_a_micro_credential_and_unknown_ones_are_refused(web: WebClient, db, world):
    org, other, _admin, _teacher, definition = world
    foreign = make_definition(db, other, name="Lakeside badge")
    web.sign_in("admin@riverbend.org")
    module_id, section_id = _draft(web, db, org)
    url = f"/orgs/{org.slug}/modules/{module_id}/activities"
    form = {"section_id": section_id, "kind": "evidence", "title": "Show it", "body": "Try it."}

    chooser = web.page(f"/orgs/{org.slug}/modules/{module_id}/edit?kind=evidence")
    assert f'<option value="{definition.family_id}"' in chooser
    assert "Lakeside badge" not in chooser

    for bad in (str(foreign.family_id), "Assessment badge", "not-a-uuid"):
        refused = web.post(url, {**form, "evidence_target": bad})
        assert refused.status_code == 422, bad
        assert "Choose one of this organization&#39;s micro-credentials" in refused.text
    assert _count(db, Activity) == 0

    added = web.post(url, {**form, "evidence_target": str(definition.family_id)})
    assert added.status_code == 303
    db.expire_all()
    assert db.scalar(select(Activity.evidence_target)) == str(definition.family_id)


def test_completion_badges_are_not_offered_for_evidence(web: WebClient, db, settings, world):
    org, _other, _admin, _teacher, _definition = world
    module = published(db, org, "Readings", sections=READINGS)
    badge = make_definition(
        db, org, settings, name="Module badge", **completion(module_family_ids=[module.family_id])
    )
    web.sign_in("admin@riverbend.org")
    module_id, section_id = _draft(web, db, org)
    assert "Module badge" not in web.page(
        f"/orgs/{org.slug}/modules/{module_id}/edit?kind=evidence"
    )
    refused = web.post(
        f"/orgs/{org.slug}/modules/{module_id}/activities",
        {
            "section_id": section_id,
            "kind": "evidence",
            "title": "X",
            "evidence_target": str(badge.family_id),
        },
    )
    assert refused.status_code == 422
    assert _count(db, Activity) == 1  # the published module's reading only


STANDINGS = [
    (None, "Not started", "Start your evidence"),
    (SubmissionStatus.DRAFT, "Draft (not submitted yet)", "Open your evidence"),
    (SubmissionStatus.SUBMITTED, "Submitted, waiting for a coach", "Open your evidence"),
    (SubmissionStatus.NOT_YET, "Not yet: a coach returned it", "Open your evidence"),
    (SubmissionStatus.EARNED, "Earned", "Open your evidence"),
]


@pytest.mark.parametrize(("status", "standing", "action"), STANDINGS)
def test_evidence_task_links_to_the_evidence_page_with_the_standing(
    web: WebClient, db, world, status, standing, action
):
    org, _other, _admin, teacher, definition = world
    module = _evidence_module(db, org, str(definition.family_id))
    if status is not None:
        db.add(
            Submission(
                organization_id=org.id,
                micro_credential_id=definition.id,
                user_id=teacher.id,
                status=status,
            )
        )
        db.commit()
    web.sign_in("teacher@riverbend.org")
    assert web.post(f"/modules/{module.id}/enroll").status_code == 303
    page = web.page(f"/modules/{module.id}/activities/{module.activities[0].id}")
    assert "coming soon" not in page
    assert f"<strong data-standing>{standing}" in page
    link = f'href="/micro-credentials/{definition.id}/evidence">{action} for Formative Assessment'
    assert link in page
    opened = web.get(f"/micro-credentials/{definition.id}/evidence")
    assert opened.status_code == (200 if status is None else 303)


def test_older_free_text_is_shown_without_a_link(web: WebClient, db, world):
    org, _other, _admin, _teacher, _definition = world
    module = _evidence_module(db, org, "Assessment badge")
    web.sign_in("teacher@riverbend.org")
    page = web.page(f"/modules/{module.id}/activities/{module.activities[0].id}")
    assert "This evidence counts toward “Assessment badge”." in page
    assert "/micro-credentials/" not in page


def test_editing_keeps_an_older_free_text_target(web: WebClient, db, world):
    org, _other, _admin, _teacher, _definition = world
    web.sign_in("admin@riverbend.org")
    module_id, section_id = _draft(web, db, org)
    db.add(
        Activity(
            section_id=uuid.UUID(section_id),
            module_id=uuid.UUID(module_id),
            kind=ActivityKind.EVIDENCE,
            title="Show it",
            required=False,
            evidence_target="Assessment badge",
            questions=[],
        )
    )
    db.commit()
    activity_id = db.scalar(select(Activity.id))
    url = f"/orgs/{org.slug}/modules/{module_id}/activities/{activity_id}/edit"
    page = web.page(url)
    assert "“Assessment badge” (as written before; not linked)" in page
    saved = web.post(
        url, {"kind": "evidence", "title": "Show it again", "evidence_target": "Assessment badge"}
    )
    assert saved.status_code == 303
    db.expire_all()
    assert db.scalar(select(Activity.evidence_target)) == "Assessment badge"


# 2. prerequisites ---------------------------------------------------------------------------


def test_prerequisites_are_named_with_links_before_enrolling(web: WebClient, db, world):
    org, *_ = world
    first = published(db, org, "Formative Assessment in Five Minutes", sections=READINGS)
    second = published(db, org, "Feedback That Moves Learning Forward", sections=READINGS)
    second.prerequisites.append(ModulePrerequisite(required_family_id=first.family_id))
    db.commit()
    web.sign_in("teacher@riverbend.org")
    page = web.page(f"/modules/{second.id}")
    assert f'<a href="/modules/{first.id}">Formative Assessment in Five Minutes</a>' in page
    assert "(not completed yet)" in page
    assert "Enroll in this module" in page


def test_author_adds_and_removes_prerequisites_and_bad_ones_change_nothing(
    web: WebClient, db, world
):
    org, other, *_ = world
    first = published(db, org, "Formative Assessment in Five Minutes", sections=READINGS)
    foreign = published(db, other, "Lakeside module", sections=READINGS)
    web.sign_in("admin@riverbend.org")
    module_id, _ = _draft(web, db, org, "Feedback That Moves Learning Forward")
    base = f"/orgs/{org.slug}/modules/{module_id}"
    draft_family = db.scalar(select(Module.family_id).where(Module.id == uuid.UUID(module_id)))

    edit = web.page(base + "/edit")
    assert f'<option value="{first.family_id}">Formative Assessment in Five Minutes' in edit
    assert "Lakeside module" not in edit

    assert (
        web.post(base + "/prerequisites", {"prerequisite": str(first.family_id)}).status_code == 303
    )
    assert (
        "Formative Assessment in Five Minutes" in web.page(base + "/edit").split('id="content"')[0]
    )
    assert _count(db, ModulePrerequisite) == 1

    # the first module's next version cannot require the draft's module: that makes a loop
    web.sign_in("admin@riverbend.org")
    version = web.post(f"/orgs/{org.slug}/modules/{first.id}/new-version")
    next_id = version.headers["location"].split("/")[4]
    checked = 0
    for value, message in (
        (str(first.family_id), "already a prerequisite"),
        (str(foreign.family_id), "Choose one of this organization"),
        ("nonsense", "Choose one of this organization"),
        (str(draft_family), "cannot be its own"),
    ):
        refused = web.post(base + "/prerequisites", {"prerequisite": value})
        assert refused.status_code == 422, value
        assert message in refused.text.replace("&#39;", "'")
        checked += 1
    loop = web.post(
        f"/orgs/{org.slug}/modules/{next_id}/prerequisites",
        {"prerequisite": str(draft_family)},
    )
    assert loop.status_code == 422
    assert "would make a loop" in loop.text
    assert checked == 4
    assert _count(db, ModulePrerequisite) == 1

    removed = web.post(base + f"/prerequisites/{first.family_id}/remove")
    assert removed.status_code == 303
    assert _count(db, ModulePrerequisite) == 0
    assert web.post(base + f"/prerequisites/{first.family_id}/remove").status_code == 404
    # published versions do not change
    frozen = web.post(
        f"/orgs/{org.slug}/modules/{first.id}/prerequisites",
        {"prerequisite": str(foreign.family_id)},
    )
    assert frozen.status_code == 409
    assert _count(db, ModulePrerequisite) == 0


# 3. the editor shows the chosen kind's fields -------------------------------------------------


def test_editor_shows_only_the_chosen_kinds_fields(web: WebClient, db, world):
    org, *_ = world
    web.sign_in("admin@riverbend.org")
    module_id, _ = _draft(web, db, org)
    base = f"/orgs/{org.slug}/modules/{module_id}/edit"
    first = web.page(base)
    assert "Show its fields" in first
    assert 'name="questions"' not in first
    quiz = web.page(base + "?kind=quiz")
    assert 'name="questions"' in quiz
    assert 'name="pass_mark"' in quiz
    for absent in ('name="url"', 'name="transcript_url"', 'name="evidence_target"', 'name="body"'):
        assert absent not in quiz
    video = web.page(base + "?kind=video")
    for present in ('name="url"', 'name="transcript_url"', 'name="body"'):
        assert present in video
    assert 'name="questions"' not in video
    assert 'name="questions"' not in web.page(base + "?kind=bogus")


# 4. honest messages ------------------------------------------------------------------------


def _flash(web: WebClient, response) -> str:
    assert response.status_code == 303
    return web.page(response.headers["location"].split("#")[0])


def test_quiz_messages_say_what_is_on_the_page(web: WebClient, db, world):
    org, *_ = world
    module = published(db, org)
    _reading, _reflection, quiz, _evidence = module.activities
    web.sign_in("teacher@riverbend.org")
    web.post(f"/modules/{module.id}/enroll")
    url = f"/modules/{module.id}/activities/{quiz.id}/quiz"
    failed = _flash(web, web.post(url, {"attempt": "1", "q-q1": "a", "q-q2": "a"}))
    assert "The questions to look at again are listed below" in failed
    assert 'href="#question-2">Question 2</a>: Which help?' in failed
    assert 'href="#question-1"' not in failed
    assert "(correct)" not in failed
    passed = _flash(web, web.post(url, {"attempt": "2", "q-q1": "a", "q-q2": ["a", "b"]}))
    assert "You passed with 100%. The answers are shown below." in passed
    assert "(correct)" in passed


def test_passing_the_last_quiz_does_not_promise_answers_below(web: WebClient, db, world):
    org, *_ = world
    module = published(
        db,
        org,
        sections=[{"title": "Check", "activities": [module_doc()["sections"][0]["activities"][2]]}],
    )
    web.sign_in("teacher@riverbend.org")
    web.post(f"/modules/{module.id}/enroll")
    url = f"/modules/{module.id}/activities/{module.activities[0].id}/quiz"
    done = web.post(url, {"attempt": "1", "q-q1": "a", "q-q2": ["a", "b"]})
    assert done.headers["location"].endswith("#complete")
    page = _flash(web, done)
    assert "You passed with 100% and completed the module." in page
    assert "shown below" not in page


def test_pathway_says_the_credential_was_earned(web: WebClient, db, settings, world):
    org, _other, _admin, teacher, _definition = world
    module = published(db, org, "Readings", sections=READINGS)
    path = pathways.create_pathway(
        db, org.id, "Assessment pathway", "One module", [module.family_id]
    )
    db.commit()
    badge = make_definition(
        db, org, settings, name="Pathway badge", **completion(pathway_id=path.id)
    )
    web.sign_in("teacher@riverbend.org")
    before = web.page(f"/pathways/{path.id}")
    assert "Complete every module to earn the stacked credential" in before
    web.post(f"/modules/{module.id}/enroll")
    web.post(f"/modules/{module.id}/activities/{module.activities[0].id}/done")
    after = web.page(f"/pathways/{path.id}")
    assert "will earn" not in after
    earned = f'<a href="/micro-credentials/{badge.id}">Pathway badge</a>'
    assert f"You earned its stacked credential, {earned}" in after
    assert (
        db.scalar(select(func.count()).select_from(Award).where(Award.user_id == teacher.id)) == 1
    )


# 5. transcript with credentials -------------------------------------------------------------


def test_school_years_run_july_to_june():
    assert school_year(date(2026, 6, 30)) == "2025-26"
    assert school_year(date(2026, 7, 1)) == "2026-27"
    assert school_year(date(1999, 12, 31)) == "1999-00"
    transcript = Transcript(
        "Priya Raman",
        "p@r.org",
        [],
        None,
        None,
        [
            TranscriptRow(date(2026, 6, 30), "A", 1, "Riverbend", Decimal("1.5")),
            TranscriptRow(date(2026, 7, 1), "B", 1, "Riverbend", Decimal("2")),
            TranscriptRow(date(2027, 5, 1), "C", 1, "Riverbend", Decimal("1")),
        ],
    )
    assert [(p.label, p.total) for p in transcript.periods] == [
        ("2025-26", Decimal("1.5")),
        ("2026-27", Decimal("3")),
    ]
    csv_text = to_csv(transcript)
    assert ",total,School year 2026-27,,,3,2026-27" in csv_text


def test_transcript_lists_earned_credentials_with_hours_and_totals(
    web: WebClient, db, settings, world
):
    org, _other, _admin, teacher, definition = world
    module = published(db, org, "Readings", sections=READINGS, pd_hours="1.5")
    db.add(Award(organization_id=org.id, user_id=teacher.id, micro_credential_id=definition.id))
    db.commit()
    web.sign_in("teacher@riverbend.org")
    web.post(f"/modules/{module.id}/enroll")
    web.post(f"/modules/{module.id}/activities/{module.activities[0].id}/done")
    year = school_year(utcnow().date())

    page = web.page("/learning/transcript")
    assert (
        "<td>Formative Assessment in Practice</td><td>Riverbend Unified</td><td>3.00</td>" in page
    )
    assert f'<th scope="row">{year}</th><td>1.50</td><td>3.00</td><td>4.50</td>' in page

    csv_text = web.get("/learning/transcript?download=csv").text
    assert (
        ",credential,Formative Assessment in Practice,,Riverbend Unified,3.00," + year in csv_text
    )
    assert ",module,Readings,1,Riverbend Unified,1.50," + year in csv_text
    assert f",total,School year {year},,,4.50,{year}" in csv_text
    assert ",total,Total,,,4.50," in csv_text

    pdf = web.get("/learning/transcript?download=pdf")
    words = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    for expected in ("Earned micro-credentials", "Formative Assessment in Practice", year, "4.50"):
        assert expected in words
    # a period that ends before the award leaves it out
    earlier = web.page("/learning/transcript?end=2000-01-01")
    assert "No micro-credentials earned in this period." in earlier

    api = web.client.get(
        "/api/v1/transcript", headers=bearer(create_token(web, ["learning:read"]))
    ).json()
    assert [c["name"] for c in api["credentials"]] == ["Formative Assessment in Practice"]
    assert (api["module_hours"], api["credential_hours"], api["total_hours"]) == (
        "1.50",
        "3.00",
        "4.50",
    )
    assert api["periods"] == [
        {
            "school_year": year,
            "module_hours": "1.50",
            "credential_hours": "3.00",
            "total_hours": "4.50",
        }
    ]


# 6. certificates of completion --------------------------------------------------------------


def test_certificate_of_completion_for_an_hours_only_module(
    web: WebClient, web2: WebClient, db, world
):
    org, *_ = world
    module = published(db, org, "Readings for Riverbend", sections=READINGS, pd_hours="2.5")
    web.sign_in("teacher@riverbend.org")
    url = f"/modules/{module.id}/certificate"
    assert web.get(url).status_code == 404  # not completed yet
    web.post(f"/modules/{module.id}/enroll")
    web.post(f"/modules/{module.id}/activities/{module.activities[0].id}/done")
    assert f'href="{url}"' in web.page(f"/modules/{module.id}")
    assert f'href="{url}"' in web.page("/learning/transcript")
    response = web.get(url)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/pdf"
    words = "".join(p.extract_text() for p in PdfReader(io.BytesIO(response.content)).pages)
    db.expire_all()
    completed = db.scalar(
        select(Enrollment.completed_at).where(Enrollment.status == EnrollmentStatus.COMPLETED)
    )
    for expected in (
        "Certificate of completion",
        "Priya Raman",
        "Readings for Riverbend",
        "2.5 PD hours",
        completed.date().isoformat(),
        "Issued by Riverbend Unified",
    ):
        assert expected in words, expected
    web2.sign_in("other@riverbend.org")
    assert web2.get(url).status_code == 404
    web2.sign_in("admin@lakeside.org")
    assert web2.get(url).status_code == 404


def test_no_certificate_when_completion_earns_a_credential(web: WebClient, db, settings, world):
    org, *_ = world
    module = published(db, org, "Readings", sections=READINGS)
    make_definition(
        db, org, settings, name="Module badge", **completion(module_family_ids=[module.family_id])
    )
    web.sign_in("teacher@riverbend.org")
    web.post(f"/modules/{module.id}/enroll")
    web.post(f"/modules/{module.id}/activities/{module.activities[0].id}/done")
    assert "certificate" not in web.page(f"/modules/{module.id}").lower()
    assert web.get(f"/modules/{module.id}/certificate").status_code == 404


# 7. demo content links to real resources ----------------------------------------------------

PLACEHOLDER = re.compile(r"https?://[^\s\"'<>]*example\.(?:org|com)\b", re.IGNORECASE)


def test_demo_content_has_no_placeholder_links(db, settings):
    seed_demo(db, settings)
    db.commit()
    found: list[str] = []
    columns = 0
    for table in Base.metadata.sorted_tables:
        for row in db.execute(select(table)).mappings():
            for value in row.values():
                columns += 1
                found += PLACEHOLDER.findall(str(value))
    assert columns > 1000
    assert found == []
    linked = db.scalars(select(Activity.evidence_target).where(Activity.kind == "evidence")).all()
    assert len(linked) == 5
    assert all(re.fullmatch(r"[0-9a-f-]{36}", t or "") for t in linked)
