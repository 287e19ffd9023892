"""The demo seed creates three active communities and one for a micro-credential, once, with one
report in the queue."""

from __future__ import annotations

from app.demo.district import seed_demo
from app.models import Community, Post, PostReport, Resource, Thread
from tests.communities.conftest import count
from tests.support import cached_hash


def test_demo_communities_are_seeded_once(db, settings, monkeypatch) -> None:
    monkeypatch.setattr("app.demo.district.hash_password", cached_hash)
    seed_demo(db, settings)
    db.commit()
    before = {m: count(db, m) for m in (Community, Thread, Post, Resource, PostReport)}
    assert before[Community] == 4
    assert before[PostReport] == 1
    assert before[Thread] >= 3
    assert before[Resource] >= 3
    seed_demo(db, settings)
    db.commit()
    assert {m: count(db, m) for m in before} == before
