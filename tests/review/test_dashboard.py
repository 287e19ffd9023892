"""The dashboard tells a teacher what came back "Not yet" and a coach what waits for review."""

from __future__ import annotations

from tests.review.support import make_definition, make_world, review_form, submit_evidence
from tests.support import WebClient


def test_dashboard_shows_returned_evidence_and_the_queue(
    web: WebClient, web2: WebClient, db
) -> None:
    w = make_world(db)
    second = make_definition(db, w.org, name="Questioning Strategies")
    web.sign_in(w.teacher.email)
    assert "Micro-credentials</h2>" not in web.page("/")  # nothing started yet
    first_id = submit_evidence(web, w.definition).headers["location"].rsplit("/", 1)[1]
    assert submit_evidence(web, second).status_code == 303

    web2.sign_in(w.coach.email)
    assert "2 submissions waiting in your review queue" in web2.get("/").text
    returned = web2.post(
        f"/review/{first_id}/decision", review_form(1, "not_yet", (2, 2, 2), "Add samples.")
    )
    assert returned.status_code == 303
    assert "1 submission waiting in your review queue" in web2.get("/").text

    page = web.get("/").text
    assert (
        f'href="/evidence/{first_id}">Formative Assessment</a>: a coach returned it as '
        "<strong>Not yet</strong>. <q>Add samples.</q>"
    ) in page
    assert "1 waiting for a coach, 0 drafts, 0 earned" in page
    assert "review queue" not in page  # teachers review nowhere
