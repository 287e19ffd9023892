"""Looking at an educator's records goes in the audit trail: a coach or administrator opening
her submission's review page (or reading it through the API), downloading one of her evidence
files. One event per view, naming actor, subject, client address and target; her own views
are not recorded."""

from __future__ import annotations

from sqlalchemy import select

from app.models import AuditEvent, Submission
from tests.mentorship.conftest import token_for
from tests.review.support import make_world, submit_evidence
from tests.support import WebClient

VIEWS = ("submission.viewed", "evidence_file.downloaded")


def _views(db) -> list[AuditEvent]:
    db.expire_all()
    return list(db.scalars(select(AuditEvent).where(AuditEvent.action.in_(VIEWS))))


def _submitted(web: WebClient, db, w) -> Submission:
    web.sign_in(w.teacher.email)
    assert submit_evidence(web, w.definition).status_code == 303
    return db.scalars(select(Submission)).one()


def test_the_teachers_own_views_are_not_recorded(web: WebClient, db) -> None:
    w = make_world(db)
    submission = _submitted(web, db, w)
    file_id = submission.attempts[0].files[0].id
    assert web.get(f"/evidence/{submission.id}").status_code == 200
    assert web.get(f"/evidence/files/{file_id}").status_code == 200
    assert _views(db) == []


def test_a_coach_opening_the_review_page_is_recorded_once(
    web: WebClient, web2: WebClient, db
) -> None:
    w = make_world(db)
    submission = _submitted(web, db, w)
    web2.sign_in(w.coach.email)
    assert web2.get(f"/review/{submission.id}").status_code == 200
    (event,) = _views(db)
    assert event.action == "submission.viewed"
    assert (event.actor_id, event.subject_id) == (w.coach.id, w.teacher.id)
    assert (event.target_type, event.target_id) == ("submission", str(submission.id))
    assert event.organization_id == w.org.id
    assert event.client_address == "testclient"

    web2.client.cookies.clear()
    web2.sign_in(w.admin.email)
    assert web2.get(f"/review/{submission.id}").status_code == 200
    assert sorted(str(e.actor_id) for e in _views(db)) == sorted([str(w.coach.id), str(w.admin.id)])


def test_reading_a_submission_through_the_api_is_recorded(web: WebClient, db) -> None:
    w = make_world(db)
    submission = _submitted(web, db, w)
    headers = token_for(db, w.coach, "reviews:read")
    web.client.cookies.clear()
    response = web.client.get(f"/api/v1/reviews/submissions/{submission.id}", headers=headers)
    assert response.status_code == 200
    (event,) = _views(db)
    assert (event.action, event.actor_id, event.subject_id) == (
        "submission.viewed",
        w.coach.id,
        w.teacher.id,
    )


def test_a_coach_downloading_an_evidence_file_is_recorded_once(
    web: WebClient, web2: WebClient, db
) -> None:
    w = make_world(db)
    submission = _submitted(web, db, w)
    evidence_file = submission.attempts[0].files[0]
    web2.sign_in(w.coach.email)
    assert web2.get(f"/evidence/files/{evidence_file.id}").status_code == 200
    (event,) = _views(db)
    assert event.action == "evidence_file.downloaded"
    assert (event.actor_id, event.subject_id) == (w.coach.id, w.teacher.id)
    assert (event.target_type, event.target_id) == ("evidence_file", str(evidence_file.id))
    assert event.organization_id == w.org.id
    assert event.client_address == "testclient"
    assert event.detail["submission_id"] == str(submission.id)


def test_refused_views_are_not_recorded(web: WebClient, web2: WebClient, db) -> None:
    w = make_world(db)
    submission = _submitted(web, db, w)
    file_id = submission.attempts[0].files[0].id
    web2.sign_in(w.teacher2.email)
    assert web2.get(f"/review/{submission.id}").status_code == 404
    assert web2.get(f"/evidence/files/{file_id}").status_code == 404
    assert _views(db) == []
