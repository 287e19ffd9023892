"""Replies are never lost from a thread's pages.

24 people reply to one thread at the same moment, on real separate connections: the reply counter
ends at 24 and every reply is on exactly one page, walked through the API and through the HTML
pages' "Next page" links. And when a denormalized counter is wrong, the pages still show every
post and every thread exactly once (they count rows, not the counter).
"""

from __future__ import annotations

import random
import threading
import time
import uuid
from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session

from app.db import make_engine, utcnow
from app.main import create_app
from app.models import Community, CommunityMember, Role, Thread, User
from app.services.communities import membership as communities
from app.services.communities import threads
from app.services.orgs import organizations
from app.settings import Settings
from tests.communities.conftest import BASE, World
from tests.communities.paging import (
    THREAD_LINK,
    sign_in,
    walk_api_posts,
    walk_api_threads,
    walk_html,
)
from tests.support import make_user

PEOPLE = 24
PER_PAGE = 5


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Small pages, so a few dozen posts span several."""
    return settings.model_copy(
        update={"community_posts_per_page": PER_PAGE, "community_threads_per_page": 3}
    )


def _race_world(engine: Engine, settings: Settings) -> tuple[User, Community, Thread, list[User]]:
    with Session(engine, expire_on_commit=False) as db:
        org = organizations.create_organization(db, None, slug="race", name="Race District")
        db.commit()
        coach = make_user(db, "coach@race.org", org=org, role=Role.COACH)
        community = communities.create_community(db, org, coach, slug="math", name="Math")
        people = [make_user(db, f"t{i}@race.org", org=org) for i in range(PEOPLE)]
        for person in people:
            db.add(CommunityMember(community_id=community.id, user_id=person.id))
        ctx = communities.access_by_id(db, community.id, coach)
        thread = threads.create_thread(db, settings, ctx, title="Exit tickets", body="Ideas?")
        db.commit()
        return coach, community, thread, people


def _reply_at_once(
    engine: Engine, settings: Settings, community_id: uuid.UUID, thread_id: uuid.UUID,
    people: list[User],
) -> tuple[list[str], list[BaseException], int]:  # fmt: skip
    """Everyone opens the thread, then all reply together; a reply refused as "busy" (SQLite's
    single writer) is sent again, as the person would. Returns the acknowledged post ids."""
    acknowledged: list[str] = []
    unexpected: list[BaseException] = []
    retries = [0]
    barrier = threading.Barrier(len(people), timeout=60)

    def reply(person_id: uuid.UUID) -> None:
        for attempt in range(200):
            with Session(engine, expire_on_commit=False) as db:
                person = db.get_one(User, person_id)
                ctx = communities.access_by_id(db, community_id, person)
                threads.get_thread(db, ctx, thread_id)  # the page was read, counter and all
                if attempt == 0:
                    barrier.wait()
                try:
                    post = threads.reply(db, settings, ctx, thread_id, body=f"From {person.email}")
                    db.commit()
                except OperationalError:
                    db.rollback()
                    retries[0] += 1
                    time.sleep(random.uniform(0.001, 0.02))
                    continue
                except BaseException as exc:  # reported by the test, not lost in the thread
                    unexpected.append(exc)
                    return
                acknowledged.append(str(post.id))
                return

    workers = [threading.Thread(target=reply, args=(p.id,)) for p in people]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(timeout=120)
    return acknowledged, unexpected, retries[0]


def test_concurrent_replies_are_all_counted_and_reachable(
    fresh_engine: Engine, settings: Settings
) -> None:
    coach, community, thread, people = _race_world(fresh_engine, settings)
    url = fresh_engine.url.render_as_string(hide_password=False)
    pooled = make_engine(url, pool_size=PEOPLE + 2)  # a connection for each person at once
    try:
        acknowledged, unexpected, retries = _reply_at_once(
            pooled, settings, community.id, thread.id, people
        )
    finally:
        pooled.dispose()
    assert unexpected == []
    assert len(acknowledged) == PEOPLE
    if fresh_engine.dialect.name == "postgresql":
        assert retries == 0  # row locks queue the replies; nobody is turned away
    with Session(fresh_engine) as db:
        assert db.get_one(Thread, thread.id).reply_count == PEOPLE

    app = create_app(settings, engine=fresh_engine)
    with TestClient(app, base_url="http://testserver") as client:
        with Session(fresh_engine) as db:
            headers = sign_in(client, db, settings, db.get_one(User, coach.id))
        api_url = f"/api/v1/communities/{community.id}/threads/{thread.id}"
        by_api = walk_api_posts(client, api_url, headers)
        by_pages = walk_html(client, f"/orgs/race/communities/math/threads/{thread.id}")

    for walked in (by_api, by_pages):
        assert len(walked) == PEOPLE + 1  # the opening post and each reply once, none repeated
        assert len(set(walked)) == PEOPLE + 1
        assert set(walked[1:]) == set(acknowledged)


def _thread_with_replies(db: Session, settings: Settings, world: World, replies: int) -> Thread:
    world.coach.created_at = utcnow() - timedelta(days=365)  # past the new-account post limit
    ctx = communities.access_by_id(db, world.open.id, world.coach)
    thread = threads.create_thread(db, settings, ctx, title="Long one", body="Opening")
    for number in range(replies):
        threads.reply(db, settings, ctx, thread.id, body=f"Reply {number}")
    db.commit()
    return thread


@pytest.mark.parametrize("wrong_count", [2, 500])
def test_pages_ignore_a_wrong_reply_counter(
    web, db: Session, settings: Settings, world: World, wrong_count: int
) -> None:
    thread = _thread_with_replies(db, settings, world, replies=11)
    posted = [str(p.id) for p in threads.list_posts(db, settings, thread, 1)[0]]
    thread.reply_count = wrong_count
    db.commit()
    headers = sign_in(web.client, db, settings, world.coach)

    by_api = walk_api_posts(
        web.client, f"/api/v1/communities/{world.open.id}/threads/{thread.id}", headers
    )
    by_pages = walk_html(web.client, f"{BASE}/math/threads/{thread.id}")
    last = web.get(f"{BASE}/math/threads/{thread.id}?page=last")

    for walked in (by_api, by_pages):
        assert len(walked) == 12  # 12 posts on 3 pages, whatever the counter says
        assert len(set(walked)) == 12
        assert walked[:PER_PAGE] == posted
    assert "Page 3 of 3" in last.text
    assert by_pages[-1] in last.text


def test_community_pages_ignore_a_wrong_thread_counter(
    web, db: Session, settings: Settings, world: World
) -> None:
    world.coach.created_at = utcnow() - timedelta(days=365)
    ctx = communities.access_by_id(db, world.open.id, world.coach)
    started = {
        str(threads.create_thread(db, settings, ctx, title=f"Topic {n}", body="Body").id)
        for n in range(7)
    }
    world.open.thread_count = 1
    db.commit()
    headers = sign_in(web.client, db, settings, world.coach)

    url = f"/api/v1/communities/{world.open.id}/threads"
    api_pages = walk_api_threads(
        web.client, url, headers, limit=settings.community_threads_per_page
    )
    by_api = [thread for page in api_pages for thread in page]
    by_pages = walk_html(web.client, f"{BASE}/math", THREAD_LINK)

    assert [len(page) for page in api_pages] == [3, 3, 1]
    for walked in (by_api, by_pages):
        assert len(walked) == 7  # 3 pages of 3, 3 and 1
        assert set(walked) == started


def test_the_api_answers_a_page_past_the_last_with_404(
    web, db: Session, settings: Settings, world: World
) -> None:
    thread = _thread_with_replies(db, settings, world, replies=4)
    headers = sign_in(web.client, db, settings, world.coach)
    url = f"/api/v1/communities/{world.open.id}/threads/{thread.id}"

    only = web.get(url, params={"page": 1}, headers=headers)
    beyond = web.get(url, params={"page": 2}, headers=headers)

    assert only.json()["page_count"] == 1
    assert beyond.status_code == 404
    assert beyond.json()["detail"] == "There is no page 2: this list has 1 page."
