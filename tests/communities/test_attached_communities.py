"""A community can belong to a module or a micro-credential: chosen when it is created, and
linked from that module's or micro-credential's page."""

from __future__ import annotations

from sqlalchemy import select

from app.models import Community
from tests.communities.conftest import BASE, World, count, login
from tests.learning_support import published
from tests.review.support import make_definition
from tests.support import WebClient, make_org


def create(web: WebClient, slug: str, attached: str):
    return web.post(BASE, {"name": f"Circle {slug}", "slug": slug, "attached": attached})


def test_a_community_for_a_micro_credential_and_one_for_a_module(
    web: WebClient, db, world: World
) -> None:
    definition = make_definition(db, world.org, name="Formative Assessment")
    module = published(db, world.org, "Exit Tickets That Work")
    login(web, world.coach.email)
    form = web.get(BASE).text
    assert "Micro-credential: Formative Assessment" in form
    assert "Module: Exit Tickets That Work" in form

    assert create(web, "fa", f"micro_credential:{definition.family_id}").status_code == 303
    assert create(web, "exit", f"module:{module.family_id}").status_code == 303
    badge_circle = db.scalar(select(Community).where(Community.slug == "fa"))
    assert (badge_circle.attached_kind, badge_circle.attached_ref) == (
        "micro_credential",
        str(definition.family_id),
    )

    login(web, world.ana.email)
    badge_page = web.get(f"/micro-credentials/{definition.id}").text
    assert "Learn with colleagues" in badge_page
    assert f"{BASE}/fa" in badge_page
    module_page = web.get(f"/modules/{module.id}").text
    assert f"{BASE}/exit" in module_page
    assert f"{BASE}/fa" not in module_page
    web.client.cookies.clear()
    assert "Learn with colleagues" not in web.page(f"/micro-credentials/{definition.id}")


def test_only_the_organizations_own_modules_and_badges_can_be_chosen(
    web: WebClient, db, world: World
) -> None:
    elsewhere = make_org(db, "hillside")
    foreign = make_definition(db, elsewhere, name="Hillside badge")
    login(web, world.coach.email)
    before = count(db, Community)
    for value in (f"micro_credential:{foreign.family_id}", "module:not-a-family", "thread:1"):
        refused = create(web, "foreign", value)
        assert refused.status_code == 422
        assert "Choose a module or micro-credential of this organization" in refused.text
    assert count(db, Community) == before
