"""Files are written before their rows: if the transaction fails afterwards, neither the rows
nor the stored files remain."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app.kit.storage.uploads import Upload
from app.models import EvidenceFile, Submission
from app.services.notifications import delivery as notifications
from app.services.review import drafts, evidence
from app.settings import Settings
from tests.review.support import MINIMAL_PDF, make_world, png_bytes, review_form, submit_evidence
from tests.support import WebClient


def stored(settings: Settings) -> list[Path]:
    assert settings.upload_dir is not None
    return [p for p in settings.upload_dir.rglob("*") if p.is_file()]


def test_failure_after_saving_files_leaves_no_row_and_no_file(
    session_factory: sessionmaker[Session], db, settings: Settings
) -> None:
    w = make_world(db)
    with session_factory() as session:
        teacher = session.merge(w.teacher)
        submission = evidence.start(session, teacher, w.definition.id)
        draft = drafts.DraftInput(
            responses={"reflection": "Text"},
            uploads={"artifacts": [Upload("a.pdf", MINIMAL_PDF), Upload("b.png", png_bytes())]},
        )
        drafts.save_draft(session, settings, teacher, submission.id, draft)
        assert len(stored(settings)) == 2  # written before the rows
        session.rollback()  # e.g. the commit failed
    assert stored(settings) == []
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(Submission)) == 0
    assert db.scalar(select(func.count()).select_from(EvidenceFile)) == 0


def test_a_fault_while_submitting_keeps_nothing(
    web: WebClient, db, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    w = make_world(db)
    web.sign_in(w.teacher.email)

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("mail server exploded")

    monkeypatch.setattr(notifications, "notify", broken)
    with pytest.raises(RuntimeError):
        submit_evidence(web, w.definition)
    assert stored(settings) == []
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(Submission)) == 0


def test_removing_a_file_deletes_it_only_when_no_attempt_uses_it(web: WebClient, db, settings):
    w = make_world(db)
    web.sign_in(w.teacher.email)
    assert submit_evidence(web, w.definition, action="save").status_code == 303
    submission = db.scalars(select(Submission)).one()
    row = submission.attempts[0].files[0]
    response = web.post(
        f"/evidence/{submission.id}",
        {"response_reflection": "x", "action": "save", "remove_file": str(row.id)},
    )
    assert response.status_code == 303
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(EvidenceFile)) == 0
    assert stored(settings) == []


def test_a_revision_removing_a_shared_file_keeps_the_earlier_attempts_copy(
    web: WebClient, web2: WebClient, db, settings
) -> None:
    w = make_world(db)
    web.sign_in(w.teacher.email)
    assert submit_evidence(web, w.definition).status_code == 303
    submission = db.scalars(select(Submission)).one()
    web2.sign_in(w.coach.email)
    form = review_form(1, "not_yet", (2, 2, 2), "Add student work.")
    assert web2.post(f"/review/{submission.id}/decision", form).status_code == 303
    assert web.post(f"/evidence/{submission.id}/revise").status_code == 303
    db.expire_all()
    copied = db.get(Submission, submission.id).attempts[1].files[0]
    response = web.post(
        f"/evidence/{submission.id}",
        {"response_reflection": "x", "action": "save", "remove_file": str(copied.id)},
    )
    assert response.status_code == 303
    assert len(stored(settings)) == 1
    first = db.get(Submission, submission.id).attempts[0].files[0]
    assert web2.get(f"/evidence/files/{first.id}").content == MINIMAL_PDF
