"""Administrators assign reviews and ask for a blind second review; agreement and turnaround
figures appear on their page."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.models import Award, Notification, Review, ReviewKind, Submission, SubmissionStatus
from tests.review.support import make_world, review_form, submit_evidence
from tests.review.test_api import token
from tests.support import WebClient


def test_assign_calibrate_blind_and_figures(web: WebClient, web2: WebClient, db) -> None:
    w = make_world(db)
    web.sign_in(w.teacher.email)
    assert submit_evidence(web, w.definition).status_code == 303
    submission = db.scalars(select(Submission)).one()
    # pretend it waited two hours, so turnaround is measurable
    attempt = submission.attempts[0]
    attempt.submitted_at = attempt.submitted_at - timedelta(hours=2)
    submission.submitted_at = attempt.submitted_at
    db.commit()

    web2.sign_in(w.admin.email)
    admin_url = f"/orgs/{w.org.slug}/review"
    page = web2.get(admin_url)
    assert page.status_code == 200
    assert "1 waiting, the oldest for 2.0 h" in page.text
    self_assign = web2.post(f"{admin_url}/{submission.id}/assign", {"coach_id": str(w.teacher.id)})
    assert self_assign.status_code == 422
    assert "Choose a coach of this organization" in self_assign.text
    assigned = web2.post(f"{admin_url}/{submission.id}/assign", {"coach_id": str(w.coach.id)})
    assert assigned.status_code == 303
    assert "Review assigned" in web2.last_mail(w.coach.email).subject
    asked = web2.post(f"{admin_url}/{submission.id}/calibration", {"coach_id": str(w.coach2.id)})
    assert asked.status_code == 303
    db.expire_all()
    note = db.scalars(
        select(Notification).where(
            Notification.user_id == w.coach2.id, Notification.kind == "review_assigned"
        )
    ).one()
    assert note.title.startswith("Second review requested")

    web.client.cookies.clear()
    web.sign_in(w.coach.email)
    decided = web.post(
        f"/review/{submission.id}/decision",
        review_form(1, "not_yet", (3, 2, 3), "The practice criterion needs student work."),
    )
    assert decided.status_code == 303, decided.text

    web.client.cookies.clear()
    web.sign_in(w.coach2.email)
    assert f"/review/{submission.id}" in web.get("/review").text  # decided, yet due for coach2
    blind = web.get(f"/review/{submission.id}")
    assert "blind second review" in blind.text
    assert "needs student work" not in blind.text
    assert "Not yet" not in blind.text.split("Attempts and reviews")[1]
    not_theirs = web.post(f"/review/{submission.id}/decision", review_form(1, "earned"))
    assert not_theirs.status_code == 403  # a calibration is not the decision
    assert "Cora Coach is reviewing this submission" in not_theirs.text
    recorded = web.post(
        f"/review/{submission.id}/calibration", review_form(1, "not_yet", (3, 3, 3), "Close.")
    )
    assert recorded.status_code == 303, recorded.text
    assert f"/review/{submission.id}" not in web.page("/review")  # no longer due
    after = web.get(f"/review/{submission.id}")
    assert "needs student work" in after.text
    assert "agrees with the first review, 67 % of criteria at the same level" in after.text
    twice = web.post(
        f"/review/{submission.id}/calibration", review_form(1, "earned", (3, 3, 3), "x")
    )
    assert twice.status_code == 409

    db.expire_all()
    reviews = {r.kind: r for r in db.scalars(select(Review))}
    assert reviews[ReviewKind.PRIMARY].turnaround_seconds >= 7200
    assert reviews[ReviewKind.CALIBRATION].agrees_with_primary is True
    figures = web2.get(admin_url).text
    assert "Coach: Cora Coach" in figures
    assert "Micro-credential: Formative Assessment" in figures
    assert "decisions agree in 100 %" in figures
    assert "67 % of criteria at the same level" in figures
    assert "0 waiting" in figures


def test_only_admins_reach_the_admin_page(web: WebClient, db) -> None:
    w = make_world(db)
    web.sign_in(w.coach.email)
    assert web.get(f"/orgs/{w.org.slug}/review").status_code == 403


def test_the_blind_second_reviewer_cannot_take_the_decision(web: WebClient, db) -> None:
    w = make_world(db)
    web.sign_in(w.teacher.email)
    assert submit_evidence(web, w.definition).status_code == 303
    submission = db.scalars(select(Submission)).one()
    web.client.cookies.clear()
    web.sign_in(w.admin.email)
    asked = web.post(
        f"/orgs/{w.org.slug}/review/{submission.id}/calibration", {"coach_id": str(w.coach2.id)}
    )
    assert asked.status_code == 303

    coach2 = token(web, w.coach2.email, ["reviews:read", "reviews:write"])
    url = f"/api/v1/reviews/submissions/{submission.id}"
    assert web.client.post(f"{url}/claim", headers=coach2).status_code == 200
    scores = [{"criterion": key, "level": 3} for key in ("plan", "practice", "reflect")]
    refused = web.client.post(
        f"{url}/decision",
        json={"attempt_no": 1, "decision": "earned", "scores": scores},
        headers=coach2,
    )
    assert refused.status_code == 403
    assert "blind second review" in refused.json()["detail"]
    page = web.get(f"/review/{submission.id}").text
    assert "Record second review" in page
    assert "Record decision" not in page
    db.expire_all()
    assert db.scalars(select(Review)).first() is None
    assert db.scalars(select(Award)).first() is None
    assert db.scalars(select(Submission)).one().status == SubmissionStatus.SUBMITTED
