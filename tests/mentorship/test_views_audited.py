"""The coach opening a mentee's coaching page (her progress) is recorded in the audit trail as
``profile.viewed``, once per view; the teacher's own visits are not."""

from __future__ import annotations

from sqlalchemy import select

from app.models import AuditEvent
from tests.mentorship.conftest import World, pair
from tests.support import WebClient


def _viewed(db) -> list[AuditEvent]:
    db.expire_all()
    return list(db.scalars(select(AuditEvent).where(AuditEvent.action == "profile.viewed")))


def test_the_coach_viewing_the_mentees_page_is_recorded(
    web: WebClient, db, settings, world: World
) -> None:
    made = pair(db, settings, world, world.coach, world.ana)
    web.sign_in(world.ana.email)
    assert web.get(f"/coaching/{made.id}").status_code == 200
    assert _viewed(db) == []

    web.client.cookies.clear()
    web.sign_in(world.coach.email)
    assert web.get(f"/coaching/{made.id}").status_code == 200
    (event,) = _viewed(db)
    assert (event.actor_id, event.subject_id) == (world.coach.id, world.ana.id)
    assert (event.target_type, event.target_id) == ("user", str(world.ana.id))
    assert event.organization_id == world.org.id
    assert event.client_address == "testclient"
    assert event.detail["mentorship_id"] == str(made.id)

    web.client.cookies.clear()
    web.sign_in(world.coach2.email)
    assert web.get(f"/coaching/{made.id}").status_code == 404
    assert len(_viewed(db)) == 1
