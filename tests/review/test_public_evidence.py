"""Public evidence: a teacher who opts in gets a credential whose evidence links a public page
with the final attempt; without the opt-in, or once it is turned off, that page and its files
are 404 for everyone, and drafts or undecided evidence are never public."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.models import Award, AwardStatus, Submission
from badges import schema_errors
from tests.review.support import (
    MINIMAL_PDF,
    World,
    docx_bytes,
    evidence_form,
    make_world,
    png_bytes,
    review_form,
)
from tests.review.test_api import token
from tests.support import WebClient

NOT_PUBLIC = "There is no public evidence at this address."
FEEDBACK = "Show how you used the exit tickets the next day."


@pytest.fixture
def anon(app) -> Iterator[TestClient]:
    """A visitor who is not signed in."""
    with TestClient(app, base_url="http://testserver") as client:
        yield client


def submit_evidence(
    web: WebClient,
    definition: Any,
    files: list[tuple[str, bytes]] | None = None,
    public_evidence: str = "",
    **form: Any,
) -> Any:
    """Post the evidence form for a new submission, with the public-evidence choice."""
    files = [("plan.pdf", MINIMAL_PDF)] if files is None else files
    data = evidence_form(**form)
    if public_evidence:
        data["public_evidence"] = public_evidence
    uploads = [("files_artifacts", (name, content)) for name, content in files]
    return web.post(f"/micro-credentials/{definition.id}/evidence", data, files=uploads)


def _submission(db, teacher_id: uuid.UUID) -> Submission:
    db.expire_all()
    return db.scalars(select(Submission).where(Submission.user_id == teacher_id)).one()


def _credential_evidence(db, teacher_id: uuid.UUID) -> tuple[list[dict[str, Any]], Any]:
    db.expire_all()
    award = db.scalars(select(Award).where(Award.user_id == teacher_id)).one()
    assert award.status == AwardStatus.ISSUED
    return award.credential.credential_json["evidence"], award.credential


def _unsigned(document: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in document.items() if k != "proof"}


def _earn(web: WebClient, coach: WebClient, w: World, **form: Any) -> Submission:
    """The teacher submits, the coach decides Earned at once."""
    web.sign_in(w.teacher.email)
    sent = submit_evidence(web, w.definition, **form)
    assert sent.status_code == 303, sent.text
    submission = _submission(web.db, w.teacher.id)
    coach.sign_in(w.coach.email)
    decided = coach.post(
        f"/review/{submission.id}/decision", review_form(1, "earned", feedback=FEEDBACK)
    )
    assert decided.status_code == 303, decided.text
    return _submission(web.db, w.teacher.id)


def test_the_opt_in_is_unchecked_and_explained_on_the_form(web: WebClient, db) -> None:
    w = make_world(db)
    web.sign_in(w.teacher.email)
    page = web.get(f"/micro-credentials/{w.definition.id}/evidence")
    assert "link my final evidence publicly from the credential" in page.text
    assert "Anyone holding your credential or its link can then read your reflection" in page.text
    assert 'name="public_evidence" value="yes" aria-describedby' in page.text  # not checked
    saved = submit_evidence(web, w.definition, action="save", public_evidence="yes")
    assert saved.status_code == 303
    assert _submission(db, w.teacher.id).public_evidence is True
    draft = web.get(saved.headers["location"])
    assert 'name="public_evidence" value="yes" checked' in draft.text
    form = {"response_reflection": "Exit tickets.", "links_links": "", "action": "save"}
    assert web.post(saved.headers["location"], form).status_code == 303
    assert _submission(db, w.teacher.id).public_evidence is False  # unchecking saves too


def test_opted_in_evidence_is_linked_and_public_with_its_final_attempt_only(
    web: WebClient, web2: WebClient, anon: TestClient, db
) -> None:
    w = make_world(db)
    web.sign_in(w.teacher.email)
    sent = submit_evidence(
        web,
        w.definition,
        files=[("plan.pdf", MINIMAL_PDF), ("board.png", png_bytes()), ("notes.docx", docx_bytes())],
        links="https://example.org/slides",
        reflection="First try: exit tickets.",
        public_evidence="yes",
    )
    assert sent.status_code == 303, sent.text
    submission = _submission(db, w.teacher.id)
    web2.sign_in(w.coach.email)
    web2.post(f"/review/{submission.id}/decision", review_form(1, "not_yet", (2, 3, 3), FEEDBACK))
    assert anon.get(f"/evidence/{submission.id}/public").status_code == 404  # not yet earned
    assert web.post(f"/evidence/{submission.id}/revise").status_code == 303
    revised = {
        "response_reflection": "Next day I regrouped students by their exit tickets.",
        "links_links": "https://example.org/slides",
        "action": "submit",
        "privacy": "yes",
        "public_evidence": "yes",
    }
    assert web.post(f"/evidence/{submission.id}", revised).status_code == 303
    earned = web2.post(
        f"/review/{submission.id}/decision", review_form(2, "earned", (3, 4, 3), "Well done.")
    )
    assert earned.status_code == 303, earned.text

    evidence, credential = _credential_evidence(db, w.teacher.id)
    url = f"http://testserver/evidence/{submission.id}/public"
    assert evidence[0]["id"] == url
    assert evidence[0]["name"] == "Evidence for Formative Assessment"
    assert "shares this evidence publicly" in evidence[0]["narrative"]
    assert schema_errors(_unsigned(credential.credential_json)) == []
    verified = web.client.post(
        "/api/v1/verify", json={"credential": credential.credential_jwt, "email": w.teacher.email}
    )
    assert verified.json()["valid"] is True, verified.json()["checks"]

    page = anon.get(f"/evidence/{submission.id}/public")
    assert page.status_code == 200
    assert "Next day I regrouped students" in page.text
    assert "First try" not in page.text  # the earlier attempt stays private
    assert "Tess Teacher" in page.text
    assert "Formative Assessment" in page.text
    for private in (FEEDBACK, "Well done.", w.teacher.email, "Developing", "Cora Coach"):
        assert private not in page.text
    assert '<meta name="robots" content="noindex, nofollow">' in page.text
    assert 'href="https://example.org/slides" rel="nofollow noopener ugc"' in page.text
    submission = _submission(db, w.teacher.id)
    final, first = submission.attempts[1], submission.attempts[0]
    by_name = {f.filename: f for f in final.files}
    for f in final.files:
        assert f"/evidence/{submission.id}/public/files/{f.id}" in page.text
    image = anon.get(f"/evidence/{submission.id}/public/files/{by_name['board.png'].id}")
    assert image.status_code == 200
    assert image.content == png_bytes()
    assert image.headers["x-content-type-options"] == "nosniff"
    assert (
        image.headers["content-security-policy"]
        == "default-src 'none'; sandbox; frame-ancestors 'none'"
    )
    assert image.headers["content-disposition"].startswith("inline")
    word = anon.get(f"/evidence/{submission.id}/public/files/{by_name['notes.docx'].id}")
    assert word.status_code == 200
    assert word.headers["content-disposition"].startswith("attachment")
    for earlier in first.files:  # same bytes, but a file of attempt 1
        assert anon.get(f"/evidence/{submission.id}/public/files/{earlier.id}").status_code == 404

    detail = web.get(f"/evidence/{submission.id}")
    assert url in detail.text
    assert "does not carry this link" not in detail.text


def test_without_the_opt_in_the_credential_has_a_narrative_and_no_page(
    web: WebClient, web2: WebClient, anon: TestClient, db
) -> None:
    w = make_world(db)
    submission = _earn(web, web2, w)
    evidence, credential = _credential_evidence(db, w.teacher.id)
    assert len(evidence) == 1
    assert "id" not in evidence[0]
    assert "judged Earned" in evidence[0]["narrative"]
    assert schema_errors(_unsigned(credential.credential_json)) == []
    for client in (anon, web.client, web2.client):  # not even the teacher or the coach
        page = client.get(f"/evidence/{submission.id}/public")
        assert page.status_code == 404
        assert NOT_PUBLIC in page.text
    file_id = submission.attempts[0].files[0].id
    assert anon.get(f"/evidence/{submission.id}/public/files/{file_id}").status_code == 404
    unknown = anon.get(f"/evidence/{uuid.uuid4()}/public")
    assert unknown.status_code == 404
    assert NOT_PUBLIC in unknown.text

    detail = web.get(f"/evidence/{submission.id}")
    assert "Your evidence is private" in detail.text
    shared = web.post(f"/evidence/{submission.id}/public-sharing", {"share": "on"})
    assert shared.status_code == 303
    assert "now public" in web.get(shared.headers["location"]).text
    assert anon.get(f"/evidence/{submission.id}/public").status_code == 200
    # the credential was signed before: the page says so honestly
    assert "does not carry this link" in web.get(f"/evidence/{submission.id}").text


def test_turning_it_off_takes_the_page_and_files_down_at_once(
    web: WebClient, web2: WebClient, anon: TestClient, db
) -> None:
    w = make_world(db)
    submission = _earn(web, web2, w, public_evidence="yes")
    file_url = f"/evidence/{submission.id}/public/files/{submission.attempts[0].files[0].id}"
    assert anon.get(f"/evidence/{submission.id}/public").status_code == 200
    assert anon.get(file_url).status_code == 200

    web2.client.cookies.clear()
    web2.sign_in(w.teacher2.email)  # someone else cannot switch it off (or on)
    other = web2.post(f"/evidence/{submission.id}/public-sharing", {"share": "off"})
    assert other.status_code == 404
    assert anon.get(f"/evidence/{submission.id}/public").status_code == 200

    off = web.post(f"/evidence/{submission.id}/public-sharing", {"share": "off"})
    assert off.status_code == 303
    assert "no longer public" in web.get(off.headers["location"]).text
    assert _submission(db, w.teacher.id).public_evidence is False
    gone = anon.get(f"/evidence/{submission.id}/public")
    assert gone.status_code == 404
    assert NOT_PUBLIC in gone.text
    assert anon.get(file_url).status_code == 404
    odd = web.post(f"/evidence/{submission.id}/public-sharing", {"share": "maybe"})
    assert odd.status_code == 400


def test_a_file_of_another_submission_is_not_served_through_a_public_page(
    web: WebClient, web2: WebClient, anon: TestClient, db
) -> None:
    w = make_world(db)
    shared = _earn(web, web2, w, public_evidence="yes")
    web.client.cookies.clear()
    web.sign_in(w.teacher2.email)
    private = submit_evidence(web, w.definition, files=[("secret.png", png_bytes("red"))])
    assert private.status_code == 303
    private_file = _submission(db, w.teacher2.id).attempts[0].files[0]
    response = anon.get(f"/evidence/{shared.id}/public/files/{private_file.id}")
    assert response.status_code == 404


def test_drafts_and_undecided_evidence_are_never_public(
    web: WebClient, web2: WebClient, anon: TestClient, db
) -> None:
    w = make_world(db)
    web.sign_in(w.teacher.email)
    assert (
        submit_evidence(web, w.definition, action="save", public_evidence="yes").status_code == 303
    )
    submission = _submission(db, w.teacher.id)
    file_url = f"/evidence/{submission.id}/public/files/{submission.attempts[0].files[0].id}"
    assert anon.get(f"/evidence/{submission.id}/public").status_code == 404
    assert anon.get(file_url).status_code == 404
    form = {
        "response_reflection": "Exit tickets.",
        "links_links": "",
        "action": "submit",
        "privacy": "yes",
        "public_evidence": "yes",
    }
    assert web.post(f"/evidence/{submission.id}", form).status_code == 303
    assert anon.get(f"/evidence/{submission.id}/public").status_code == 404
    assert anon.get(file_url).status_code == 404
    detail = web.get(f"/evidence/{submission.id}")
    assert "If you earn this micro-credential, your credential will link" in detail.text
    web2.sign_in(w.coach.email)
    web2.post(f"/review/{submission.id}/decision", review_form(1, "not_yet", (2, 2, 2), FEEDBACK))
    assert anon.get(f"/evidence/{submission.id}/public").status_code == 404
    assert web.post(f"/evidence/{submission.id}/withdraw").status_code == 303
    assert anon.get(f"/evidence/{submission.id}/public").status_code == 404
    refused = web.post(f"/evidence/{submission.id}/public-sharing", {"share": "on"})
    assert refused.status_code == 409


def test_the_api_sets_and_reports_the_choice(web: WebClient, db) -> None:
    w = make_world(db)
    teacher = token(web, w.teacher.email, ["evidence:read", "evidence:write"])
    api = web.client
    started = api.post(f"/api/v1/micro-credentials/{w.definition.id}/submissions", headers=teacher)
    assert started.json()["public_evidence"] is False
    sid = started.json()["id"]
    url = f"/api/v1/evidence/submissions/{sid}/draft"
    body: dict[str, Any] = {"responses": {"reflection": "Exit tickets"}, "public_evidence": True}
    assert api.put(url, json=body, headers=teacher).json()["public_evidence"] is True
    kept = api.put(url, json={"responses": {"reflection": "More"}}, headers=teacher)
    assert kept.json()["public_evidence"] is True  # omitted: unchanged
    body["public_evidence"] = False
    assert api.put(url, json=body, headers=teacher).json()["public_evidence"] is False


def test_only_the_teacher_reads_the_owner_note(web: WebClient, web2: WebClient, db) -> None:
    w = make_world(db)
    submission = _earn(web, web2, w, public_evidence="yes")
    note = "This is your public evidence page"
    url = f"/evidence/{submission.id}/public"
    assert note in web.page(url)
    web2.client.cookies.clear()
    web2.sign_in(w.teacher2.email)
    assert note not in web2.page(url)
    web2.client.cookies.clear()
    assert note not in web2.page(url)
