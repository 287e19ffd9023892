"""Which reviews a person reads: the pages and the API show the same ones to the teacher, the
first reviewer, the blind second reviewer and the organization's administrator."""

from __future__ import annotations

from sqlalchemy import select

from app.models import Submission
from tests.review.support import make_world, review_form, submit_evidence
from tests.review.test_api import token
from tests.support import WebClient

FIRST_1, SECOND_1, FIRST_2 = "Mark-first-one", "Mark-second-one", "Mark-first-two"
MARKS = {FIRST_1, SECOND_1, FIRST_2}


def _as(web: WebClient, email: str) -> None:
    web.client.cookies.clear()
    web.sign_in(email)


def _seen(web: WebClient, email: str, page_url: str, api_url: str, scope: str) -> tuple[set, set]:
    headers = token(web, email, [scope])
    page = web.get(page_url)
    assert page.status_code == 200, page.text
    detail = web.client.get(api_url, headers=headers)
    assert detail.status_code == 200, detail.text
    on_page = {mark for mark in MARKS if mark in page.text}
    in_api = {r["feedback"] for a in detail.json()["attempts"] for r in a["reviews"]}
    return on_page, in_api


def test_pages_and_api_show_the_same_reviews_to_each_person(web: WebClient, db) -> None:
    w = make_world(db)
    web.sign_in(w.teacher.email)
    assert submit_evidence(web, w.definition).status_code == 303
    submission = db.scalars(select(Submission)).one()
    url, admin_url = f"/review/{submission.id}", f"/orgs/{w.org.slug}/review/{submission.id}"

    _as(web, w.admin.email)
    assert web.post(f"{admin_url}/calibration", {"coach_id": str(w.coach2.id)}).status_code == 303
    _as(web, w.coach.email)
    decided = web.post(f"{url}/decision", review_form(1, "not_yet", (3, 2, 3), FIRST_1))
    assert decided.status_code == 303, decided.text
    _as(web, w.coach2.email)
    second = web.post(f"{url}/calibration", review_form(1, "not_yet", (3, 3, 2), SECOND_1))
    assert second.status_code == 303, second.text

    _as(web, w.teacher.email)
    assert web.post(f"/evidence/{submission.id}/revise").status_code == 303
    resent = web.post(
        f"/evidence/{submission.id}",
        {"action": "submit", "privacy": "yes", "response_reflection": "Revised with student work."},
    )
    assert resent.status_code == 303, resent.text
    _as(web, w.admin.email)
    assert web.post(f"{admin_url}/calibration", {"coach_id": str(w.coach2.id)}).status_code == 303
    _as(web, w.coach.email)
    decided = web.post(f"{url}/decision", review_form(2, "not_yet", (3, 2, 3), FIRST_2))
    assert decided.status_code == 303, decided.text

    own = f"/api/v1/evidence/submissions/{submission.id}"
    queued = f"/api/v1/reviews/submissions/{submission.id}"
    expected = {
        # the teacher reads the decisions only, never the second reviews
        w.teacher.email: ({FIRST_1, FIRST_2}, f"/evidence/{submission.id}", own, "evidence:read"),
        w.coach.email: (MARKS, url, queued, "reviews:read"),
        # blind: nothing of attempt 2 until their second review of it is recorded
        w.coach2.email: ({FIRST_1, SECOND_1}, url, queued, "reviews:read"),
        w.admin.email: (MARKS, url, queued, "reviews:read"),
    }
    for email, (visible, page_url, api_url, scope) in expected.items():
        on_page, in_api = _seen(web, email, page_url, api_url, scope)
        assert on_page == in_api == visible, email

    _as(web, w.coach2.email)
    blind = web.get(url).text  # the form for their second review of attempt 2, not the decision
    assert "blind second review" in blind
    assert "Record decision" not in blind
