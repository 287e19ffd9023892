"""The whole path through the pages: a teacher submits evidence with a file, a coach says
"Not yet" with feedback, the teacher revises and resubmits, the coach decides Earned; the award
and its signed credential exist, and everyone was told in the app and by e-mail."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.models import Award, AwardStatus, Notification, Submission, SubmissionStatus
from tests.review.support import (
    MINIMAL_PDF,
    make_world,
    png_bytes,
    review_form,
    submit_evidence,
)
from tests.support import WebClient


def test_submit_not_yet_revise_earned(web: WebClient, web2: WebClient, db) -> None:
    w = make_world(db)
    web.sign_in(w.teacher.email)
    page = web.get(f"/micro-credentials/{w.definition.id}/evidence")
    assert page.status_code == 200
    assert "no student names or faces" in page.text
    assert "What did you try" in page.text  # guidance per requirement

    response = submit_evidence(
        web,
        w.definition,
        files=[("plan.pdf", MINIMAL_PDF), ("board.png", png_bytes())],
        links="https://example.org/slides",
    )
    assert response.status_code == 303, response.text
    submission_url = response.headers["location"]
    submission = db.scalars(select(Submission)).one()
    assert submission.status == SubmissionStatus.SUBMITTED
    assert len(submission.attempts[0].files) == 2
    assert web.last_mail(w.coach.email).subject.startswith("Tess Teacher submitted evidence")

    web2.sign_in(w.coach.email)
    queue = web2.get("/review")
    assert "Tess Teacher" in queue.text
    review_page = web2.get(f"/review/{submission.id}")
    assert "exit tickets" in review_page.text
    assert "board.png" in review_page.text
    assert '<fieldset id="level_plan"' in review_page.text
    file_id = submission.attempts[0].files[1].id
    image = web2.get(f"/evidence/files/{file_id}")
    assert image.status_code == 200
    assert image.content == png_bytes()
    assert image.headers["x-content-type-options"] == "nosniff"

    decided = web2.post(
        f"/review/{submission.id}/decision",
        review_form(1, "not_yet", (2, 3, 3), "Show how you used the exit tickets next day."),
    )
    assert decided.status_code == 303, decided.text
    mail = web.last_mail(w.teacher.email)
    assert "Not yet" in mail.subject
    assert "exit tickets next day" in mail.body_text

    detail = web.get(submission_url)
    assert "exit tickets next day" in detail.text
    assert "Developing" in detail.text
    assert web.post(f"{submission_url}/revise").status_code == 303
    draft = web.get(submission_url)
    assert "Earlier attempts" in draft.text
    assert "exit tickets" in draft.text
    resubmitted = web.post(
        submission_url,
        {
            "response_reflection": "I tried exit tickets.\n"
            "Next day I regrouped students by answer.",
            "links_links": "https://example.org/slides",
            "action": "submit",
            "privacy": "yes",
        },
    )
    assert resubmitted.status_code == 303, resubmitted.text

    second = web2.get(f"/review/{submission.id}")
    assert "What changed since attempt 1" in second.text
    assert re.search(r"<ins>.*Next day I regrouped students by answer.</ins>", second.text, re.S)
    assert re.search(r"<del>.*Students wrote one thing they learned.</del>", second.text, re.S)
    earned = web2.post(
        f"/review/{submission.id}/decision", review_form(2, "earned", (3, 4, 3), "Well done.")
    )
    assert earned.status_code == 303, earned.text

    db.expire_all()
    award = db.scalars(select(Award)).one()
    assert award.user_id == w.teacher.id
    assert award.submission_id == submission.id
    assert award.status == AwardStatus.ISSUED
    assert award.credential_id is not None
    assert "You earned Formative Assessment" in web.last_mail(w.teacher.email).subject
    kinds = {
        n.kind for n in db.scalars(select(Notification).where(Notification.user_id == w.teacher.id))
    }
    assert "evidence_decision" in kinds
    history = web.get(submission_url)
    assert "Attempt 1: Not yet" in history.text
    assert "Attempt 2: Earned" in history.text
    assert len(submission.attempts) == 2
    # the file rows of the revision share the stored bytes of the first attempt
    assert {f.storage_key for f in submission.attempts[0].files} == {
        f.storage_key for f in submission.attempts[1].files
    }


def test_notification_kinds_are_on_the_preferences_page(web: WebClient, db) -> None:
    w = make_world(db)
    web.sign_in(w.coach.email)
    page = web.get("/account/notifications")
    for kind in ("evidence_received", "evidence_decision", "review_assigned"):
        assert kind in page.text
