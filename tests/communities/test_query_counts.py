"""The community page, a thread page and search run a bounded number of queries at any size."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.models import User
from bench.community_data import Scale, count_queries, seed
from tests.communities.conftest import login
from tests.support import WebClient, cached_hash

SMALL = Scale(communities=4, threads_per_community=3, posts_per_thread=3, people=12)
LARGER = Scale(communities=12, threads_per_community=40, posts_per_thread=30, people=12)
LIMITS = {"community": 12, "thread": 15, "search": 10}


def _counts(web: WebClient, db, engine, scale: Scale, slug: str) -> dict[str, int]:
    seeded = seed(db, scale, slug=slug)
    viewer = db.scalar(select(User).where(User.email == seeded.viewer_email))
    viewer.password_hash = cached_hash("a-long-enough-passphrase")
    db.commit()
    web.client.cookies.clear()
    login(web, seeded.viewer_email)
    base = f"/orgs/{slug}/communities/{seeded.community_slug}"
    pages = {
        "community": base,
        "thread": f"{base}/threads/{seeded.thread_id}?page=2",
        "search": f"/orgs/{slug}/communities/search?q=fractions+rubric",
    }
    counts = {}
    for name, url in pages.items():
        with count_queries(engine) as statements:
            response = web.get(url)
        assert response.status_code == 200, response.text
        counts[name] = len(statements)
    return counts


@pytest.mark.slow
def test_pages_run_a_bounded_number_of_queries(web: WebClient, db, engine) -> None:
    small = _counts(web, db, engine, SMALL, "small")
    larger = _counts(web, db, engine, LARGER, "larger")
    assert small == larger
    for name, limit in LIMITS.items():
        assert larger[name] <= limit, (name, larger[name])
