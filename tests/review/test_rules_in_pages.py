"""Pages show what the review rules allow, and nothing else: the navigation's Review link, the
coaches an administrator may choose (and the owner's note in tests/review/test_public_evidence.py)
come from ``app.services.review.permissions``, the same rules the actions enforce."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.models import Submission, User
from tests.review.support import make_world, submit_evidence
from tests.support import WebClient, make_user

REVIEW_LINK = re.compile(r'<a href="/review"[^>]*>Review</a>')


def _options(page: str, select_id: str) -> set[str]:
    """The values offered by one <select> of the page."""
    found = re.search(rf'<select id="{select_id}"[^>]*>(.*?)</select>', page, re.S)
    assert found is not None, f"no select {select_id}"
    return set(re.findall(r'<option value="([^"]+)"', found.group(1)))


def test_the_review_link_shows_exactly_for_those_who_have_a_queue(web: WebClient, db) -> None:
    w = make_world(db)
    platform_admin = make_user(db, "root@laurel.example")
    platform_admin.is_platform_admin = True
    db.flush()
    expected = {
        w.teacher.email: 403,
        w.coach.email: 200,
        w.admin.email: 200,
        platform_admin.email: 200,
    }
    for email, queue_status in expected.items():
        web.client.cookies.clear()
        web.sign_in(email)
        shows_link = REVIEW_LINK.search(web.page("/")) is not None
        assert web.get("/review").status_code == queue_status, email
        assert shows_link is (queue_status == 200), email
    assert len(expected) == 4


def test_the_admin_page_offers_only_coaches_the_actions_accept(
    web: WebClient, web2: WebClient, db
) -> None:
    w = make_world(db)
    web.sign_in(w.teacher.email)
    assert submit_evidence(web, w.definition).status_code == 303
    submission = db.scalars(select(Submission)).one()
    web2.sign_in(w.admin.email)
    admin_url = f"/orgs/{w.org.slug}/review"
    assert (
        web2.post(f"{admin_url}/{submission.id}/assign", {"coach_id": str(w.coach.id)}).status_code
        == 303
    )

    page = web2.page(admin_url)
    reviewers = _options(page, f"coach-{submission.id}")
    second = _options(page, f"cal-{submission.id}")
    coaches = {str(u.id) for u in db.scalars(select(User)) if u.id != w.teacher2.id}
    assert str(w.teacher.id) not in reviewers | second
    assert str(w.coach.id) in reviewers
    assert str(w.coach.id) not in second
    assert str(w.coach2.id) in reviewers & second

    refused = 0
    for coach_id in sorted(coaches - second - {str(w.teacher.id)}):
        answer = web2.post(f"{admin_url}/{submission.id}/calibration", {"coach_id": coach_id})
        assert answer.status_code == 422, coach_id
        refused += 1
    assert refused >= 1
    db.expire_all()
    assert db.get_one(Submission, submission.id).calibration_reviewer_id is None
