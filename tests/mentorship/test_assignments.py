"""Administrators assign coaches to teachers and end mentorships."""

from __future__ import annotations

import re
import uuid

from sqlalchemy import func, select

from app.models import AuditEvent, Mentorship, Notification
from tests.communities.conftest import login
from tests.mentorship.conftest import World, pair
from tests.support import WebClient

PAGE = "/orgs/riverbend/mentorships"


def count(db, model) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(model)) or 0


def test_admin_assigns_a_coach_and_both_are_told(web: WebClient, db, world: World) -> None:
    login(web, "admin@school.org")
    page = web.get(PAGE)
    assert page.status_code == 200
    coach_select = re.search(r'<select id="coach_id".*?</select>', page.text, re.S).group(0)
    assert "Casey Coach" in coach_select
    assert "Dana Admin" in coach_select  # admins may coach too
    assert "Ana Alvarez" not in coach_select
    assert "Ana Alvarez" in re.search(
        r'<select id="teacher_id".*?</select>', page.text, re.S
    ).group(0)

    done = web.post(PAGE, {"coach_id": str(world.coach.id), "teacher_id": str(world.ana.id)})
    assert done.status_code == 303
    listed = web.get(PAGE)
    assert "Casey Coach now coaches Ana Alvarez." in listed.text
    assert "Ana Alvarez</td>" in listed.text
    kinds = db.scalars(select(Notification.kind).where(Notification.user_id == world.ana.id))
    assert list(kinds) == ["coaching"]
    assert "Casey Coach is now your coach" in web.last_mail("ana@school.org").subject
    assert db.scalar(select(AuditEvent.action).where(AuditEvent.action == "mentorship.assigned"))


def test_assignment_rules_are_explained(web: WebClient, db, settings, world: World) -> None:
    pair(db, settings, world, world.coach, world.ana)
    login(web, "admin@school.org")
    cases = [
        (
            {"coach_id": str(world.coach.id), "teacher_id": str(world.ana.id)},
            409,
            "already mentors",
        ),
        ({"coach_id": str(world.ben.id), "teacher_id": str(world.ana.id)}, 422, "Choose a coach"),
        (
            {"coach_id": str(world.coach.id), "teacher_id": str(world.other_admin.id)},
            422,
            "Choose a member of Riverbend",
        ),
        ({"coach_id": str(world.coach.id), "teacher_id": str(world.coach.id)}, 422, "themselves"),
        ({"coach_id": "not-an-id", "teacher_id": str(world.ana.id)}, 422, "Choose a coach."),
        (
            {"coach_id": str(world.coach.id), "teacher_id": str(uuid.uuid4())},
            422,
            "Choose a member",
        ),
    ]
    for form, status, message in cases:
        response = web.post(PAGE, form)
        assert response.status_code == status, (form, response.text)
        assert message in response.text
    assert count(db, Mentorship) == 1


def test_ending_keeps_the_history_and_allows_a_new_pair(
    web: WebClient, db, settings, world: World
) -> None:
    made = pair(db, settings, world, world.coach, world.ana)
    login(web, "admin@school.org")
    assert web.post(f"{PAGE}/{made.id}/end").status_code == 303
    assert "Ended " in web.get(PAGE).text
    assert web.post(f"{PAGE}/{made.id}/end").status_code == 409
    again = web.post(PAGE, {"coach_id": str(world.coach.id), "teacher_id": str(world.ana.id)})
    assert again.status_code == 303
    assert count(db, Mentorship) == 2


def test_only_admins_of_the_organization_assign(web: WebClient, db, settings, world: World) -> None:
    made = pair(db, settings, world, world.coach, world.ana)
    form = {"coach_id": str(world.coach.id), "teacher_id": str(world.ben.id)}
    for email in ("coach@school.org", "ana@school.org", "boss@hillside.org"):
        login(web, email)
        assert web.get(PAGE).status_code == 403
        assert web.post(PAGE, form).status_code == 403
        assert web.post(f"{PAGE}/{made.id}/end").status_code == 403
    login(web, "boss@hillside.org")
    assert web.post(f"/orgs/hillside/mentorships/{made.id}/end").status_code == 404
    assert count(db, Mentorship) == 1
