"""The welcome after joining points at the guidelines only when the community has some."""

from __future__ import annotations

from app.services.communities import membership as communities
from tests.communities.conftest import BASE, World, login
from tests.support import WebClient


def test_welcome_mentions_guidelines_only_when_there_are_some(
    web: WebClient, db, world: World
) -> None:
    communities.create_community(db, world.org, world.coach, slug="art", name="Art room")
    db.commit()
    login(web, "ana@school.org")

    assert web.post(f"{BASE}/art/join").status_code == 303
    page = web.get(f"{BASE}/art").text
    assert "Welcome to Art room." in page
    assert "guidelines" not in page.lower()

    assert web.post(f"{BASE}/math/join").status_code == 303
    page = web.get(f"{BASE}/math").text
    assert "Welcome to Math circle. Please read the guidelines below." in page
    assert "Be kind. Cite sources." in page
