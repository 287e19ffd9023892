"""Who sees what: a teacher never sees another teacher's evidence, a coach only sees
submissions of organizations where they coach, and files go only to those allowed."""

from __future__ import annotations

import re

from sqlalchemy import select

from app.models import Role, Submission
from tests.review.support import docx_bytes, make_definition, make_world, submit_evidence
from tests.support import WebClient, make_org, make_user


def test_evidence_is_private_to_teacher_and_the_orgs_reviewers(
    web: WebClient, web2: WebClient, db
) -> None:
    w = make_world(db)
    other_org = make_org(db, "hillside")
    outsider = make_user(db, "coach@hillside.org", org=other_org, role=Role.COACH)
    web.sign_in(w.teacher.email)
    assert submit_evidence(web, w.definition).status_code == 303
    submission = db.scalars(select(Submission)).one()
    file_id = submission.attempts[0].files[0].id
    own_page = web.get(f"/evidence/{submission.id}")
    assert f"/evidence/files/{file_id}" in own_page.text
    assert submission.attempts[0].files[0].storage_key not in own_page.text
    assert web.get(f"/evidence/files/{file_id}").status_code == 200

    web2.sign_in(w.teacher2.email)
    assert web2.get(f"/evidence/{submission.id}").status_code == 404
    assert web2.get(f"/evidence/files/{file_id}").status_code == 404
    assert web2.get(f"/review/{submission.id}").status_code == 404
    assert web2.get("/review").status_code == 403
    assert "Tess" not in web2.page("/evidence")

    outsider_web = web2
    outsider_web.client.cookies.clear()
    outsider_web.sign_in(outsider.email)
    assert outsider_web.get(f"/review/{submission.id}").status_code == 404
    assert outsider_web.get(f"/evidence/files/{file_id}").status_code == 404
    assert "Tess Teacher" not in outsider_web.page("/review?status=all")
    assert (
        outsider_web.post(f"/review/{submission.id}/claim").status_code == 404
    )  # not even claimable

    outsider_web.client.cookies.clear()
    anonymous = outsider_web.get(f"/evidence/files/{file_id}")
    assert anonymous.status_code == 303
    assert anonymous.headers["location"] == f"/signin?next=/evidence/files/{file_id}"
    assert b"%PDF" not in anonymous.content

    outsider_web.sign_in(w.coach.email)
    assert outsider_web.get(f"/review/{submission.id}").status_code == 200
    assert outsider_web.get(f"/evidence/files/{file_id}").status_code == 200
    assert "Tess Teacher" in outsider_web.get("/review").text


def test_drafts_stay_with_the_teacher(web: WebClient, web2: WebClient, db) -> None:
    w = make_world(db)
    web.sign_in(w.teacher.email)
    assert submit_evidence(web, w.definition, action="save").status_code == 303
    submission = db.scalars(select(Submission)).one()
    file_id = submission.attempts[0].files[0].id
    web2.sign_in(w.coach.email)
    assert web2.get(f"/review/{submission.id}").status_code == 404
    assert web2.get(f"/evidence/files/{file_id}").status_code == 404
    assert "Tess Teacher" not in web2.page("/review?status=all")


def test_teachers_only_reach_definitions_of_their_organizations(web: WebClient, db) -> None:
    w = make_world(db)
    elsewhere = make_definition(db, make_org(db, "hillside"), name="Hillside Only")
    web.sign_in(w.teacher.email)
    assert web.get(f"/micro-credentials/{elsewhere.id}/evidence").status_code == 404
    refused = submit_evidence(web, elsewhere)
    assert refused.status_code == 404
    assert db.scalars(select(Submission)).first() is None


def test_file_urls_are_random_and_downloads_are_safe(web: WebClient, db) -> None:
    w = make_world(db)
    web.sign_in(w.teacher.email)
    submit_evidence(web, w.definition, files=[("plan.docx", docx_bytes())])
    row = db.scalars(select(Submission)).one().attempts[0].files[0]
    assert re.fullmatch(r"[0-9a-f-]{36}", str(row.id))
    response = web.get(f"/evidence/files/{row.id}")
    assert response.headers["content-disposition"].startswith("attachment;")
    assert response.headers["x-content-type-options"] == "nosniff"
    assert "no-store" in response.headers["cache-control"]
