"""Admins author micro-credentials through the pages; nobody else can."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from app.models import DefinitionStatus, MicroCredential, Role
from tests.microcredentials.support import admin_of, make_definition, png
from tests.support import WebClient, make_org, make_user


@pytest.fixture
def org(db):
    riverbend = make_org(db)
    admin_of(db, riverbend)
    make_user(db, "coach@riverbend.org", org=riverbend, role=Role.COACH)
    make_user(db, "teacher@riverbend.org", org=riverbend)
    lakeside = make_org(db, "lakeside")
    make_user(db, "admin@lakeside.org", org=lakeside, role=Role.ADMIN)
    return riverbend


def grid(**overrides: str) -> dict[str, str]:
    """The editor form filled in: two criteria by four levels, a reflection part."""
    form = {
        "name": "Culturally Responsive Teaching",
        "description": "Draws on students' cultures.",
        "criteria": "Submit a unit plan and a reflection.",
        "competencies": "Cultural competence\nFamily partnership",
        "alignments": "CRT Framework 2 | https://example.org/crt | 2 | CRT",
        "achievement_type": "MicroCredential",
        "award_rule": "review",
        "pd_hours": "4.5",
        "validity_months": "24",
        "pass_rule": "min_level",
        "pass_value": "3",
        "criterion_count": "2",
        "level_count": "4",
        "ev_reflection_include": "1",
        "ev_reflection_required": "1",
        "ev_reflection_label": "Reflection",
        "ev_reflection_guidance": "What changed for your students?",
        "action": "save",
    }
    for j, label in enumerate(("Beginning", "Developing", "Proficient", "Exemplary"), 1):
        form[f"level_label_{j}"] = label
        form[f"level_points_{j}"] = str(j)
    for i in (1, 2):
        form[f"criterion_key_{i}"] = f"c{i}"
        form[f"criterion_name_{i}"] = f"Criterion {i}"
        for j in range(1, 5):
            form[f"descriptor_{i}_{j}"] = f"Descriptor {i}.{j}"
    form.update(overrides)
    return form


def count(db) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(MicroCredential))


def test_admin_creates_publishes_and_teachers_see_it(web: WebClient, db, org) -> None:
    web.sign_in("mc-admin@riverbend.org")
    assert web.get("/orgs/riverbend/micro-credentials/new").status_code == 200
    response = web.post("/orgs/riverbend/micro-credentials/new", grid())
    assert response.status_code == 303, response.text
    definition = db.scalar(select(MicroCredential))
    assert definition.status == DefinitionStatus.DRAFT
    assert [c["name"] for c in definition.rubric] == ["Criterion 1", "Criterion 2"]
    level = {"level": 3, "label": "Proficient", "descriptor": "Descriptor 1.3", "points": 3}
    assert definition.rubric[0]["levels"][2] == level
    assert definition.competencies == ["Cultural competence", "Family partnership"]
    assert definition.alignments[0]["code"] == "2"
    page = web.get(f"/orgs/riverbend/micro-credentials/{definition.id}/edit")
    assert "Descriptor 2.4" in page.text
    assert "Version history" in page.text

    web.post("/signout")
    web.sign_in("teacher@riverbend.org")
    assert web.get(f"/micro-credentials/{definition.id}").status_code == 404  # draft
    assert "Culturally Responsive" not in web.page("/micro-credentials")

    web.post("/signout")
    web.sign_in("mc-admin@riverbend.org")
    published = web.post(f"/orgs/riverbend/micro-credentials/{definition.id}/publish")
    assert published.status_code == 303
    web.post("/signout")
    web.sign_in("teacher@riverbend.org")
    assert "Culturally Responsive Teaching" in web.get("/micro-credentials").text
    page = web.get(f"/micro-credentials/{definition.id}")
    assert page.status_code == 200
    assert "Every criterion at level 3 (Proficient) or above" in page.text
    assert '<th scope="row">Criterion 1' in page.text
    assert '<th scope="col">3. Proficient' in page.text
    assert "What changed for your students?" in page.text
    assert "24 months" in page.text
    assert f'href="/micro-credentials/{definition.id}/evidence"' in page.text


def test_add_criterion_and_level_without_script(web: WebClient, db, org) -> None:
    web.sign_in("mc-admin@riverbend.org")
    page = web.post("/orgs/riverbend/micro-credentials/new", grid(action="add_criterion"))
    assert page.status_code == 200
    assert 'name="criterion_name_3"' in page.text
    assert 'value="Criterion 2"' in page.text  # what was typed is kept
    page = web.post("/orgs/riverbend/micro-credentials/new", grid(action="add_level"))
    assert 'name="level_label_5"' in page.text
    assert 'name="descriptor_2_5"' in page.text
    assert count(db) == 0


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"level_label_3": ""}, "rubric", "Name every level"),
        ({"pass_value": "9"}, "pass_value", "between 1 and 4"),
        ({"pass_rule": "vibes"}, "pass_rule", "Choose a pass rule"),
        ({"name": ""}, "name", "Give the micro-credential a name"),
        ({"level_points_2": "lots"}, "rubric", "whole points"),
        ({"validity_months": "-3"}, "validity_months", "whole number of months"),
        ({"alignments": "No address"}, "alignments", "name and a web address"),
        ({"alignments": "Broken | http://[abc/x"}, "alignments", "web address"),
        ({"ev_reflection_include": ""}, "evidence_requirements", "at least one evidence part"),
    ],
)
def test_bad_input_is_explained_and_nothing_is_stored(
    web: WebClient, db, org, overrides, field, message
) -> None:
    web.sign_in("mc-admin@riverbend.org")
    response = web.post("/orgs/riverbend/micro-credentials/new", grid(**overrides))
    assert response.status_code == 422
    assert message in response.text
    assert f'href="#{field}"' in response.text
    assert count(db) == 0


def test_rubric_with_a_missing_level_is_refused(web: WebClient, db, org) -> None:
    web.sign_in("mc-admin@riverbend.org")
    form = grid(criterion_count="1", level_count="1")
    response = web.post("/orgs/riverbend/micro-credentials/new", form)
    assert response.status_code == 422
    assert "needs at least two levels" in response.text
    assert count(db) == 0


def test_lying_and_huge_images_are_refused_and_not_stored(
    web: WebClient, db, org, settings
) -> None:
    web.sign_in("mc-admin@riverbend.org")
    uploads = settings.upload_dir
    svg = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    for name, data, message in [
        ("badge.png", svg, "must be a PNG, JPEG or WebP"),
        ("badge.png", b"\x89PNG\r\n\x1a\n" + b"0" * 100, "must be a PNG, JPEG or WebP"),
        ("big.png", png(3000), "at most 2048 by 2048 pixels"),
        ("huge.png", b"\x89PNG" + b"0" * (settings.badge_image_max_bytes + 10), "larger than"),
    ]:
        response = web.client.post(
            "/orgs/riverbend/micro-credentials/new",
            data={**grid(), "csrf_token": web.csrf_token()},
            files={"image": (name, data, "image/png")},
        )
        assert response.status_code == 422, name
        assert message in response.text
    assert count(db) == 0
    assert not uploads.exists() or not any(p.is_file() for p in uploads.rglob("*"))


def test_uploaded_image_is_served_and_replaced(web: WebClient, db, org, settings) -> None:
    web.sign_in("mc-admin@riverbend.org")
    response = web.client.post(
        "/orgs/riverbend/micro-credentials/new",
        data={**grid(), "csrf_token": web.csrf_token()},
        files={"image": ("me.png", png(), "image/png")},
        follow_redirects=False,
    )
    assert response.status_code == 303
    definition = db.scalar(select(MicroCredential))
    assert definition.image_content_type == "image/png"
    served = web.get(f"/micro-credentials/{definition.id}/image")
    assert served.status_code == 200
    assert served.content == png()
    web.post("/signout")
    assert web.get(f"/micro-credentials/{definition.id}/image").status_code == 404  # draft


@pytest.mark.parametrize(
    ("who", "status"),
    [("teacher@riverbend.org", 403), ("coach@riverbend.org", 403), ("admin@lakeside.org", 403)],
)
def test_only_the_organizations_admins_author(web: WebClient, db, org, who, status) -> None:
    definition = make_definition(db, org, publish=False)
    web.sign_in(who)
    assert web.get("/orgs/riverbend/micro-credentials").status_code == status
    assert web.get("/orgs/riverbend/micro-credentials/new").status_code == status
    assert web.post("/orgs/riverbend/micro-credentials/new", grid()).status_code == status
    edit = f"/orgs/riverbend/micro-credentials/{definition.id}/edit"
    assert web.post(edit, grid(name="Hijacked")).status_code == status
    publish = f"/orgs/riverbend/micro-credentials/{definition.id}/publish"
    assert web.post(publish).status_code == status
    db.expire_all()
    assert db.get(MicroCredential, definition.id).name == "Formative Assessment in Practice"
    assert count(db) == 1


def test_other_orgs_admin_cannot_reach_it_through_their_own_org(web: WebClient, db, org) -> None:
    definition = make_definition(db, org, publish=False)
    web.sign_in("admin@lakeside.org")
    edit = f"/orgs/lakeside/micro-credentials/{definition.id}/edit"
    assert web.get(edit).status_code == 404
    assert web.post(edit, grid(name="Hijacked")).status_code == 404
    assert web.get(f"/micro-credentials/{definition.id}").status_code == 404


def test_published_page_is_public_but_the_catalog_is_for_members(
    web: WebClient, db, settings, org
) -> None:
    definition = make_definition(db, org, settings)
    page = web.get(f"/micro-credentials/{definition.id}")
    assert page.status_code == 200
    assert "Formative Assessment in Practice" in page.text
    assert "/evidence" not in page.text  # only members start evidence
    assert web.get("/micro-credentials").status_code == 303
    web.sign_in("mc-admin@riverbend.org")
    archived = web.post(f"/orgs/riverbend/micro-credentials/{definition.id}/archive")
    assert archived.status_code == 303
    web.post("/signout")
    web.sign_in("teacher@riverbend.org")
    assert "Formative Assessment" not in web.page("/micro-credentials")
    assert "no longer offered" in web.get(f"/micro-credentials/{definition.id}").text
