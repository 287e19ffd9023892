"""Completion badges are awarded, signed, the moment the learning they name is complete."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.models import Award, AwardStatus
from app.services.identity import access_tokens
from app.services.learning import pathways
from tests.learning_support import published
from tests.microcredentials.support import make_definition
from tests.support import WebClient, make_org, make_user

READINGS = [
    {
        "title": "Learn",
        "activities": [
            {"kind": "reading", "title": "Key ideas", "body": "Read this."},
            {"kind": "reading", "title": "More ideas", "body": "And this."},
        ],
    }
]


def completion(**overrides):
    return {
        "award_rule": "completion",
        "evidence_requirements": [],
        "rubric": [],
        "achievement_type": "Badge",
        **overrides,
    }


@pytest.fixture
def setting(db):
    org = make_org(db)
    teacher = make_user(db, "ada@riverbend.org", org=org)
    first = published(db, org, "Exit Tickets That Work", sections=READINGS)
    second = published(db, org, "Questioning Strategies", sections=READINGS)
    return org, teacher, first, second


def finish_in_browser(web: WebClient, module) -> None:
    assert web.post(f"/modules/{module.id}/enroll").status_code == 303
    for activity in module.activities:
        assert web.post(f"/modules/{module.id}/activities/{activity.id}/done").status_code == 303


def awards_of(db, teacher) -> list[Award]:
    db.expire_all()
    return list(db.scalars(select(Award).where(Award.user_id == teacher.id)))


def test_module_badge_is_awarded_on_completion_in_the_browser(
    web: WebClient, db, settings, setting
) -> None:
    org, teacher, first, _ = setting
    badge = make_definition(
        db,
        org,
        settings,
        name="Exit Tickets Badge",
        **completion(module_family_ids=[first.family_id]),
    )
    draft = make_definition(
        db,
        org,
        settings,
        publish=False,
        name="Draft",
        **completion(module_family_ids=[first.family_id]),
    )
    web.sign_in(teacher.email)
    finish_in_browser(web, first)
    [award] = awards_of(db, teacher)
    assert award.micro_credential_id == badge.id != draft.id
    assert award.status == AwardStatus.ISSUED
    narrative = award.credential.credential_json["evidence"][0]["narrative"]
    assert "completing the learning" in narrative
    wallet = web.get("/wallet").text
    assert "Exit Tickets Badge" in wallet


def test_badge_over_two_modules_needs_both(web: WebClient, db, settings, setting) -> None:
    org, teacher, first, second = setting
    make_definition(
        db,
        org,
        settings,
        name="Both",
        **completion(module_family_ids=[first.family_id, second.family_id]),
    )
    web.sign_in(teacher.email)
    finish_in_browser(web, first)
    assert awards_of(db, teacher) == []
    finish_in_browser(web, second)
    assert [a.micro_credential.name for a in awards_of(db, teacher)] == ["Both"]


def test_pathway_badge_through_the_api(app, db, settings, setting) -> None:
    from fastapi.testclient import TestClient

    org, teacher, first, second = setting
    path = pathways.create_pathway(
        db, org.id, "Assessment pathway", "Two modules", [first.family_id, second.family_id]
    )
    db.commit()
    make_definition(db, org, settings, name="Pathway badge", **completion(pathway_id=path.id))
    _, raw = access_tokens.create_token(
        db, teacher, name="t", scopes=["learning:write"], expires_in_days=1
    )
    db.commit()
    headers = {"Authorization": f"Bearer {raw}"}
    with TestClient(app) as api:
        for module in (first, second):
            assert (
                api.post(f"/api/v1/modules/{module.id}/enrollment", headers=headers).status_code
                == 201
            )
            for activity in module.activities:
                url = f"/api/v1/modules/{module.id}/activities/{activity.id}/done"
                assert api.post(url, headers=headers).status_code == 200
    [award] = awards_of(db, teacher)
    assert award.micro_credential.name == "Pathway badge"
    assert award.status == AwardStatus.ISSUED


def test_completion_badge_needs_linked_learning(db, settings, setting) -> None:
    from app.errors import Invalid

    org, *_ = setting
    with pytest.raises(Invalid, match="linked module or a pathway"):
        make_definition(db, org, settings, **completion())
