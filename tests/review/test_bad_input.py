"""Bad input gets a clear 4xx message naming the problem; nothing is half-written, no 500."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.kit.storage.sniffing import sniff_evidence_type
from app.models import EvidenceFile, Review, Submission, SubmissionStatus
from app.settings import Settings
from tests.review.support import (
    MINIMAL_PDF,
    docx_bytes,
    make_world,
    png_bytes,
    review_form,
    submit_evidence,
)
from tests.support import WebClient


def stored_files(settings: Settings) -> list[Path]:
    assert settings.upload_dir is not None
    return [p for p in settings.upload_dir.rglob("*") if p.is_file()]


def count(db, model) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(model))


def mp4_bytes(brand: bytes = b"isom") -> bytes:
    return b"\x00\x00\x00\x18ftyp" + brand + b"\x00\x00\x02\x00isomiso2" + b"\x00" * 64


def zip_bomb() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "wordprocessingml.document.main+xml")
        archive.writestr("word/document.xml", "0" * (20 * 1024 * 1024))
    return buffer.getvalue()


def test_types_are_recognised_by_content() -> None:
    assert sniff_evidence_type(MINIMAL_PDF) == "application/pdf"
    assert sniff_evidence_type(png_bytes()) == "image/png"
    assert sniff_evidence_type(docx_bytes()).endswith("wordprocessingml.document")
    assert sniff_evidence_type(mp4_bytes()) == "video/mp4"
    assert sniff_evidence_type(mp4_bytes(b"qt  ")) == "video/quicktime"
    assert sniff_evidence_type(b"\x1a\x45\xdf\xa3\x9f\x42\x82\x84webm" + b"\x00" * 40) == (
        "video/webm"
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        archive.writestr("content.xml", "<office:document-content/>")
    assert sniff_evidence_type(buffer.getvalue()) == "application/vnd.oasis.opendocument.text"
    for lie in (
        b"MZ\x90\x00" + b"\x00" * 100,  # a Windows program
        b"<!doctype html><script>alert(1)</script>",
        b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>',
        b"plain text is not evidence file",
        mp4_bytes(b"heic"),  # an HEIC photo, not a video
        zip_bomb(),
        b"PK\x03\x04 not really a zip",
        b"\x89PNG\r\n\x1a\n broken png",
    ):
        assert sniff_evidence_type(lie) is None, lie[:20]


@pytest.mark.parametrize(
    ("name", "data"),
    [
        ("lesson.pdf", b"MZ\x90\x00" + b"\x00" * 100),
        ("photo.png", b'<svg xmlns="http://www.w3.org/2000/svg"></svg>'),
        ("plan.docx", b"<html><body>hi</body></html>"),
        ("slides.pptx", zip_bomb()),
    ],
)
def test_a_file_that_lies_about_its_type_is_refused(
    web: WebClient, db, settings, name: str, data: bytes
) -> None:
    w = make_world(db)
    web.sign_in(w.teacher.email)
    response = submit_evidence(web, w.definition, files=[("ok.pdf", MINIMAL_PDF), (name, data)])
    assert response.status_code == 422
    assert f"&#39;{name}&#39; is not a PDF, an image" in response.text
    assert "its content was checked, not its name" in response.text
    assert count(db, Submission) == 0
    assert count(db, EvidenceFile) == 0
    assert stored_files(settings) == []  # the good file written first is gone again


def test_size_and_count_limits(web: WebClient, db, settings) -> None:
    settings.evidence_max_file_bytes = 2000
    settings.evidence_max_submission_bytes = 3000
    settings.evidence_max_files = 3
    w = make_world(db)
    web.sign_in(w.teacher.email)
    big = png_bytes() + b"\x00" * 2000
    too_big = submit_evidence(web, w.definition, files=[("big.png", big)])
    assert too_big.status_code == 422
    assert "&#39;big.png&#39; is larger than 2 KB" in too_big.text
    many = [(f"p{i}.pdf", MINIMAL_PDF) for i in range(4)]
    too_many = submit_evidence(web, w.definition, files=many)
    assert too_many.status_code == 422
    assert "at most 3 files" in too_many.text
    heavy = [(f"p{i}.png", png_bytes() + b"\x00" * 1200) for i in range(3)]
    too_heavy = submit_evidence(web, w.definition, files=heavy)
    assert too_heavy.status_code == 422
    assert "add up to at most" in too_heavy.text
    empty = submit_evidence(web, w.definition, files=[("empty.pdf", b"")])
    assert empty.status_code == 422
    assert "&#39;empty.pdf&#39; is empty" in empty.text
    assert count(db, EvidenceFile) == 0
    assert stored_files(settings) == []


def test_empty_and_incomplete_submissions_are_refused(web: WebClient, db) -> None:
    w = make_world(db)
    web.sign_in(w.teacher.email)
    empty = submit_evidence(web, w.definition, files=[], reflection="")
    assert empty.status_code == 422
    assert "This submission is empty" in empty.text
    no_file = submit_evidence(web, w.definition, files=[])
    assert no_file.status_code == 422
    assert "Attach a file for &#39;Lesson artifacts&#39;" in no_file.text
    no_text = submit_evidence(web, w.definition, reflection="  ")
    assert "Answer &#39;Reflection&#39; before submitting" in no_text.text
    no_privacy = submit_evidence(web, w.definition, privacy=False)
    assert no_privacy.status_code == 422
    assert "no student names or faces unless you have consent" in no_privacy.text
    bad_link = submit_evidence(web, w.definition, links="javascript:alert(1)")
    assert bad_link.status_code == 422
    assert "is not a web address starting with http:// or https://" in bad_link.text
    assert count(db, Submission) == 0
    draft = submit_evidence(web, w.definition, files=[], reflection="", action="save")
    assert draft.status_code == 303  # a draft may be incomplete
    assert db.scalars(select(Submission)).one().status == SubmissionStatus.DRAFT


def submitted(web: WebClient, w) -> Submission:
    web.sign_in(w.teacher.email)
    assert submit_evidence(web, w.definition).status_code == 303
    return web.db.scalars(select(Submission)).one()


def test_bad_reviews_are_refused_and_nothing_is_written(
    web: WebClient, web2: WebClient, db
) -> None:
    w = make_world(db)
    submission = submitted(web, w)
    web2.sign_in(w.coach.email)
    url = f"/review/{submission.id}/decision"
    missing = review_form(1, "earned")
    del missing["level_practice"]
    response = web2.post(url, missing)
    assert response.status_code == 422
    assert "Score &#39;Classroom practice&#39; before deciding" in response.text
    no_feedback = web2.post(url, review_form(1, "not_yet", (2, 2, 2)))
    assert no_feedback.status_code == 422
    assert "Write feedback" in no_feedback.text
    below = web2.post(url, review_form(1, "earned", (3, 2, 4), "Nice"))
    assert below.status_code == 422
    assert "do not meet the pass rule (Every criterion at level 3 (Proficient)" in below.text
    no_decision = web2.post(url, {**review_form(1, "earned"), "decision": "maybe"})
    assert "Choose Earned or Not yet" in no_decision.text
    wrong_level = web2.post(url, review_form(1, "earned", (3, 9, 3)))
    assert wrong_level.status_code == 422
    assert count(db, Review) == 0
    db.expire_all()
    assert db.get(Submission, submission.id).status == SubmissionStatus.SUBMITTED


def test_decisions_on_decided_stale_or_others_submissions(
    web: WebClient, web2: WebClient, db
) -> None:
    w = make_world(db)
    submission = submitted(web, w)
    web2.sign_in(w.coach2.email)
    assert web2.post(f"/review/{submission.id}/claim").status_code == 303
    web.sign_in(w.coach.email)
    taken = web.post(f"/review/{submission.id}/claim")
    assert taken.status_code == 409
    assert "Cal Coach is already reviewing this submission" in taken.text
    theirs = web.post(f"/review/{submission.id}/decision", review_form(1, "earned"))
    assert theirs.status_code == 403
    assert "Cal Coach is reviewing this submission" in theirs.text
    stale = web2.post(f"/review/{submission.id}/decision", review_form(7, "earned"))
    assert stale.status_code == 409
    assert "revised this evidence since you opened it" in stale.text
    assert web2.post(f"/review/{submission.id}/decision", review_form(1, "earned")).status_code == (
        303
    )
    again = web2.post(f"/review/{submission.id}/decision", review_form(1, "not_yet", feedback="x"))
    assert again.status_code == 409
    assert "already decided: Earned" in again.text
    assert count(db, Review) == 1


def test_teacher_cannot_edit_after_submitting_or_review_own(web: WebClient, db) -> None:
    w = make_world(db)
    submission = submitted(web, w)
    edit = web.post(f"/evidence/{submission.id}", {"response_reflection": "x", "action": "save"})
    assert edit.status_code == 409
    assert "submitted and waiting for a coach" in edit.text
    assert web.post(f"/evidence/{submission.id}/revise").status_code == 409
