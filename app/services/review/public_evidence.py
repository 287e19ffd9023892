"""Public evidence: a teacher's opt-in to link the final, earned attempt from the credential.

``Submission.public_evidence`` is chosen on the evidence form (unchecked by default) and can be
turned on or off later. The public page and its files exist only while the submission is Earned
and the flag is on; otherwise they answer 404 with the same message, so a private submission
cannot be told apart from one that does not exist. Only the final (earned) attempt is shown:
no reviewer feedback, no rubric scores, no earlier attempts, no e-mail address.
"""

from __future__ import annotations

import uuid
from typing import BinaryIO

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import Conflict, NotFound
from app.kit import audit, links
from app.kit.storage import open_stored
from app.models import (
    Award,
    Decision,
    EvidenceAttempt,
    EvidenceFile,
    IssuedCredential,
    ReviewKind,
    Submission,
    SubmissionStatus,
    User,
)
from app.settings import Settings

NOT_PUBLIC = "There is no public evidence at this address."


def public_url(settings: Settings, submission: Submission) -> str:
    """The absolute address of the submission's public evidence page."""
    return links.EVIDENCE_PUBLIC.absolute(settings.base_url, submission_id=submission.id)


def final_attempt(submission: Submission) -> EvidenceAttempt | None:
    """The attempt a coach judged Earned (None when there is none)."""
    for attempt in reversed(submission.attempts):
        primary = attempt.review_of(ReviewKind.PRIMARY)
        if primary is not None and primary.decision == Decision.EARNED:
            return attempt
    return None


def is_public(submission: Submission) -> bool:
    """Whether the evidence is shown publicly now: Earned and shared by the teacher."""
    return submission.status == SubmissionStatus.EARNED and submission.public_evidence


def get_public(db: Session, submission_id: uuid.UUID) -> tuple[Submission, EvidenceAttempt]:
    """The shared, earned submission and its final attempt (NotFound otherwise)."""
    submission = db.get(Submission, submission_id)
    attempt = final_attempt(submission) if submission is not None else None
    if submission is None or attempt is None or not is_public(submission):
        raise NotFound(NOT_PUBLIC)
    return submission, attempt


def open_public_file(
    db: Session, settings: Settings, submission_id: uuid.UUID, file_id: uuid.UUID
) -> tuple[EvidenceFile, BinaryIO]:
    """A file of the final attempt of shared, earned evidence, and its bytes."""
    _, attempt = get_public(db, submission_id)
    row = next((f for f in attempt.files if f.id == file_id), None)
    if row is None:
        raise NotFound("There is no such file.")
    return row, open_stored(settings, row.storage_key)


def credential_links_here(db: Session, settings: Settings, submission: Submission) -> bool:
    """Whether the signed credential for this submission names the public page as evidence."""
    award = db.scalar(select(Award).where(Award.submission_id == submission.id))
    if award is None or award.credential_id is None:
        return False
    credential = db.get(IssuedCredential, award.credential_id)
    items = (credential.credential_json.get("evidence") or []) if credential else []
    url = public_url(settings, submission)
    return any(isinstance(item, dict) and item.get("id") == url for item in items)


def set_public(db: Session, user: User, submission_id: uuid.UUID, *, public: bool) -> Submission:
    """Turn public sharing of one's own evidence on or off (not for withdrawn submissions)."""
    submission = db.get(Submission, submission_id)
    if submission is None or submission.user_id != user.id:
        raise NotFound("There is no such submission.")
    if submission.status == SubmissionStatus.WITHDRAWN:
        raise Conflict("This submission was withdrawn; its evidence cannot be shared.")
    if submission.public_evidence != public:
        submission.public_evidence = public
        audit.record(
            db,
            "evidence.public_on" if public else "evidence.public_off",
            submission,
            actor=user,
        )
    return submission
