"""While revising after "Not yet", the coach's feedback is open at the top of the page, before
the form, not folded away in the attempt history at the bottom."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.models import Submission
from tests.review.support import make_world, review_form, submit_evidence
from tests.support import WebClient

FEEDBACK = "Show how you used the exit tickets next day."


def test_feedback_is_shown_open_before_the_revise_form(web: WebClient, web2: WebClient, db) -> None:
    w = make_world(db)
    web.sign_in(w.teacher.email)
    assert submit_evidence(web, w.definition).status_code == 303
    submission = db.scalars(select(Submission)).one()
    web2.sign_in(w.coach.email)
    decided = web2.post(
        f"/review/{submission.id}/decision", review_form(1, "not_yet", (2, 3, 3), FEEDBACK)
    )
    assert decided.status_code == 303, decided.text
    assert web.post(f"/evidence/{submission.id}/revise").status_code == 303

    page = web.get(f"/evidence/{submission.id}").text
    aside = re.search(r'<aside class="panel coach-feedback".*?</aside>', page, re.S)
    assert aside is not None
    assert "Your coach's feedback on attempt 1" in aside.group(0)
    assert FEEDBACK in aside.group(0)
    assert "2 · " in aside.group(0)  # the rubric levels come with it
    form = page.index('enctype="multipart/form-data"')
    assert aside.start() < form
    open_details = page.rfind("<details", 0, aside.start())
    assert open_details == -1 or "</details>" in page[open_details : aside.start()]


def test_a_first_draft_has_no_feedback_panel(web: WebClient, db) -> None:
    w = make_world(db)
    web.sign_in(w.teacher.email)
    page = web.get(f"/micro-credentials/{w.definition.id}/evidence")
    assert page.status_code == 200
    assert "coach-feedback" not in page.text
