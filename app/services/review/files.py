"""Evidence files: attached to a draft (checked by content), removed, and read back.

Files are written before their rows and removed again if the transaction does not commit; the
bytes of a file go once no attempt uses them.
"""

from __future__ import annotations

import uuid
from typing import Any, BinaryIO

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.db import utcnow
from app.errors import Invalid, NotFound
from app.kit import audit
from app.kit.storage import open_stored, storage_for
from app.kit.storage.transactions import delete_after_commit, discard_on_rollback
from app.kit.storage.uploads import Upload, check_evidence_uploads, clean_filename
from app.models import EvidenceAttempt, EvidenceFile, Submission, User
from app.services.review import permissions
from app.services.review.evidence import FILES, draft_attempt, get_own, requirements
from app.settings import Settings


def add_files(
    db: Session,
    settings: Settings,
    user: User,
    submission_id: uuid.UUID,
    requirement: str,
    uploads: list[Upload],
) -> Submission:
    """Attach files to one 'files' requirement of the draft (checked by content first)."""
    submission = get_own(db, user, submission_id)
    attempt = draft_attempt(submission)
    reqs = requirements(submission.micro_credential)
    if not any(r["key"] == requirement and r["kind"] == FILES for r in reqs):
        raise Invalid(
            "This micro-credential asks for no files under that name.", field="requirement"
        )
    attach(db, settings, attempt, reqs, {requirement: uploads})
    attempt.updated_at = submission.updated_at = utcnow()
    return submission


def remove_file(
    db: Session, settings: Settings, user: User, submission_id: uuid.UUID, file_id: uuid.UUID
) -> Submission:
    """Remove one file from the draft (its bytes go once no attempt uses them)."""
    submission = get_own(db, user, submission_id)
    attempt = draft_attempt(submission)
    if not any(f.id == file_id for f in attempt.files):
        raise NotFound("This draft has no such file.")
    detach(db, settings, attempt, {file_id})
    attempt.updated_at = submission.updated_at = utcnow()
    return submission


def detach(
    db: Session, settings: Settings, attempt: EvidenceAttempt, file_ids: set[uuid.UUID]
) -> None:
    """Take files off the attempt; their bytes go after commit unless another row shares them."""
    storage = storage_for(settings)
    for row in [f for f in attempt.files if f.id in file_ids]:
        attempt.files.remove(row)
        shared = db.scalar(
            select(func.count())
            .select_from(EvidenceFile)
            .where(EvidenceFile.storage_key == row.storage_key, EvidenceFile.id != row.id)
        )
        if not shared:
            delete_after_commit(db, storage, row.storage_key)


def attach(
    db: Session,
    settings: Settings,
    attempt: EvidenceAttempt,
    reqs: list[dict[str, Any]],
    uploads: dict[str, list[Upload]],
) -> None:
    """Check every upload by content and size (all or nothing), then store and attach them."""
    file_keys = [req["key"] for req in reqs if req["kind"] == FILES]
    kept_files = len(attempt.files)
    kept_bytes = sum(f.size for f in attempt.files)
    checked: list[tuple[str, Upload, str]] = []
    for key in file_keys:
        batch = uploads.get(key, [])
        try:
            types = check_evidence_uploads(
                settings, batch, kept_files=kept_files, kept_bytes=kept_bytes
            )
        except Invalid as exc:
            raise Invalid(exc.detail, field=f"files_{key}") from exc
        kept_files += len(batch)
        kept_bytes += sum(u.size for u in batch)
        checked += [(key, u, t) for u, t in zip(batch, types, strict=True)]
    storage = storage_for(settings)
    for key, upload, content_type in checked:
        stored = storage.save(upload.rewound())
        discard_on_rollback(db, storage, stored)
        attempt.files.append(
            EvidenceFile(
                requirement=key,
                storage_key=stored,
                filename=clean_filename(upload.filename),
                content_type=content_type,
                size=upload.size,
                sha256=upload.sha256(),
            )
        )
    db.flush()


def open_file(
    db: Session, settings: Settings, user: User, file_id: uuid.UUID
) -> tuple[EvidenceFile, BinaryIO]:
    """An evidence file and its bytes, for the teacher and the organization's reviewers."""
    row = db.get(EvidenceFile, file_id)
    if row is None:
        raise NotFound("There is no such file.")
    attempt = row.attempt
    submission = attempt.submission
    if not permissions.may_see_attempt(user, submission, attempt):
        raise NotFound("There is no such file.")
    if submission.user_id != user.id:
        audit.record(
            db,
            "evidence_file.downloaded",
            row,
            actor=user,
            organization_id=submission.organization_id,
            subject_id=submission.user_id,
            submission_id=str(submission.id),
            filename=row.filename,
        )
    return row, open_stored(settings, row.storage_key)
