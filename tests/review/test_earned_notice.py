"""One "You earned …" per credential: the coach's Earned decision announces it (with the
feedback); signing the credential, retrying it or recording the award again adds no second one,
and a renewal says "renewed" instead."""

from __future__ import annotations

from sqlalchemy import select

from app.models import Award, Notification, Submission
from app.services.credentials import awards, lifecycle
from tests.review.support import make_world, review_form, submit_evidence
from tests.support import WebClient


def _earned_titles(db, user_id) -> list[str]:
    db.expire_all()
    return [
        n.title
        for n in db.scalars(select(Notification).where(Notification.user_id == user_id))
        if n.title.startswith("You earned")
    ]


def test_one_you_earned_per_credential_even_when_issuing_runs_again(
    web: WebClient, web2: WebClient, db, settings
) -> None:
    w = make_world(db)
    web.sign_in(w.teacher.email)
    assert submit_evidence(web, w.definition).status_code == 303
    submission = db.scalars(select(Submission)).one()
    web2.sign_in(w.coach.email)
    decided = web2.post(
        f"/review/{submission.id}/decision", review_form(1, "earned", (3, 3, 3), "Well done.")
    )
    assert decided.status_code == 303, decided.text

    assert _earned_titles(db, w.teacher.id) == ["You earned Formative Assessment"]
    award = db.scalars(select(Award)).one()
    assert award.credential_id is not None

    # the same actions again: recording the award, signing it
    again = awards.record_award(
        db, settings, user=w.teacher, definition=w.definition, submission=submission
    )
    assert again.id == award.id
    awards.issue_for_award(db, settings, award)
    db.commit()
    assert _earned_titles(db, w.teacher.id) == ["You earned Formative Assessment"]

    renewed = lifecycle.renew(db, settings, w.admin, award.credential_id, 12)
    db.commit()
    assert renewed.id != award.credential_id
    assert _earned_titles(db, w.teacher.id) == ["You earned Formative Assessment"]
    titles = [
        n.title
        for n in db.scalars(select(Notification).where(Notification.user_id == w.teacher.id))
    ]
    assert "Your credential Formative Assessment was renewed by " + w.org.name in titles
