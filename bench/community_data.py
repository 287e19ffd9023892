"""Bulk community data for benchmarks and query-count tests, written with Core inserts."""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import Engine, event, insert
from sqlalchemy.orm import Session

from app.db import utcnow
from app.models import (
    Community,
    CommunityMember,
    JoinPolicy,
    Membership,
    Organization,
    Post,
    Role,
    Thread,
    User,
)
from app.services.communities import search as community_search

WORDS = [
    "fractions",
    "phonics",
    "inquiry",
    "density",
    "ratio",
    "reading",
    "writing",
    "feedback",
    "rubric",
    "evidence",
    "students",
    "lesson",
    "plan",
    "small",
    "group",
    "warm",
    "up",
    "exit",
    "ticket",
    "science",
    "lab",
    "estimate",
    "vocabulary",
    "discussion",
    "families",
    "conference",
    "assessment",
    "routine",
    "center",
    "station",
    "model",
    "tiles",
    "strips",
]
BATCH = 5_000


@dataclass
class Scale:
    """How much to create."""

    communities: int = 200
    threads_per_community: int = 100
    posts_per_thread: int = 10  # including the opening post
    people: int = 60


@dataclass
class Seeded:
    """What the seeder made, for the benchmark to visit."""

    org_slug: str
    viewer_email: str
    community_slug: str
    thread_id: uuid.UUID
    community_id: uuid.UUID


def _word(rng: random.Random) -> str:
    # One word in ten is a teaching word; the rest come from a long tail, like real text.
    return rng.choice(WORDS) if rng.random() < 0.1 else f"w{int(rng.paretovariate(1.2) * 7)}"


def _text(rng: random.Random, n: int) -> str:
    return " ".join(_word(rng) for _ in range(n))


def _flush(db: Session, model: Any, rows: list[dict[str, Any]]) -> None:
    for start in range(0, len(rows), BATCH):
        db.execute(insert(model), rows[start : start + BATCH])
    rows.clear()


def seed(db: Session, scale: Scale, *, slug: str = "bench", seed_value: int = 7) -> Seeded:
    """Create an organization with communities, threads, posts and their search entries."""
    rng = random.Random(seed_value)
    now = utcnow()
    org = Organization(slug=slug, name=f"{slug.title()} District")
    db.add(org)
    db.flush()
    people = [
        User(email=f"p{i}@{slug}.example", display_name=f"Person {i}", email_verified_at=now)
        for i in range(scale.people)
    ]
    db.add_all(people)
    db.flush()
    db.add_all(Membership(user_id=p.id, organization_id=org.id, role=Role.TEACHER) for p in people)
    viewer = people[0]
    communities, members = [], []
    for c in range(scale.communities):
        community = {
            "id": uuid.uuid4(), "organization_id": org.id, "slug": f"c{c}",
            "name": f"Community {c}", "description": _text(rng, 8), "guidelines": "Be kind.",
            "join_policy": JoinPolicy.REQUEST if c % 2 else JoinPolicy.OPEN,
            "member_count": 10, "thread_count": scale.threads_per_community,
            "created_at": now, "updated_at": now,
        }  # fmt: skip
        communities.append(community)
        for person in rng.sample(people[1:], 9) + ([viewer] if c % 4 == 0 else []):
            members.append({
                "id": uuid.uuid4(), "community_id": community["id"], "user_id": person.id,
                "created_at": now, "updated_at": now,
            })  # fmt: skip
    ids = [c["id"] for c in communities]
    _flush(db, Community, communities)
    _flush(db, CommunityMember, members)
    first_thread = _threads_and_posts(db, rng, scale, ids, [p.id for p in people])
    return Seeded(slug, viewer.email, "c0", first_thread, ids[0])


def _threads_and_posts(
    db: Session, rng: random.Random, scale: Scale, community_ids: list[uuid.UUID],
    people: list[uuid.UUID],
) -> uuid.UUID:  # fmt: skip
    """Insert threads, posts and search entries; returns the first community's pinned thread."""
    now = utcnow()
    first: uuid.UUID | None = None
    threads: list[dict[str, Any]] = []
    posts: list[dict[str, Any]] = []
    search: list[dict[str, Any]] = []
    for community_id in community_ids:
        for t in range(scale.threads_per_community):
            thread_id = uuid.uuid4()
            started = now - timedelta(minutes=rng.randint(60, 500_000))
            title = _text(rng, 6).capitalize()
            threads.append({
                "id": thread_id, "community_id": community_id, "author_id": rng.choice(people),
                "title": title, "reply_count": scale.posts_per_thread - 1,
                "last_activity_at": started + timedelta(minutes=t), "created_at": started,
                "updated_at": started, "pinned": t == 0, "locked": False, "answered": False,
            })  # fmt: skip
            first = first or thread_id
            for p in range(scale.posts_per_thread):
                body = _text(rng, 40)
                post_id = uuid.uuid4()
                posts.append({
                    "id": post_id, "thread_id": thread_id, "community_id": community_id,
                    "author_id": rng.choice(people), "is_opening": p == 0, "body": body,
                    "body_html": f"<p>{body}</p>", "status": "visible", "helpful": False,
                    "created_at": started + timedelta(seconds=p), "updated_at": started,
                })  # fmt: skip
                kind, doc = ("thread", thread_id) if p == 0 else ("post", post_id)
                search.append({
                    "kind": kind, "doc_id": doc.hex, "community_id": community_id.hex,
                    "thread_id": thread_id.hex, "title": title if p == 0 else "",
                    "label": title, "body": body,
                })  # fmt: skip
            if len(posts) >= BATCH:
                _flush(db, Thread, threads)
                _flush(db, Post, posts)
                community_search.index_many(db, search)
                search.clear()
    _flush(db, Thread, threads)
    _flush(db, Post, posts)
    community_search.index_many(db, search)
    assert first is not None
    return first


@contextmanager
def count_queries(engine: Engine) -> Iterator[list[str]]:
    """Collect the SQL statements run on the engine inside the block."""
    statements: list[str] = []

    def before(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        statements.append(statement)

    event.listen(engine, "before_cursor_execute", before)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", before)
