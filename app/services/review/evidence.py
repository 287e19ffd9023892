"""Evidence submissions: a teacher's reflection, files and links toward one micro-credential.

A submission has attempts; the current attempt is edited as a draft, then submitted (frozen).
After "Not yet" the teacher revises: a new attempt copies the previous one's responses, links
and file rows (the stored bytes are shared by key). Files are written before their rows and
removed again if the transaction does not commit.
"""

from __future__ import annotations

import difflib
import uuid
from dataclasses import dataclass, field
from typing import Any, BinaryIO

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from app.db import utcnow
from app.errors import Conflict, Forbidden, Invalid, NotFound
from app.kit import audit, links, urls
from app.kit.storage import (
    Upload,
    check_evidence_uploads,
    clean_filename,
    delete_after_commit,
    discard_on_rollback,
    open_stored,
    storage_for,
)
from app.models import (
    AwardRule,
    DefinitionStatus,
    EvidenceAttempt,
    EvidenceFile,
    Membership,
    MicroCredential,
    Role,
    Submission,
    SubmissionStatus,
    User,
)
from app.services import policy
from app.services.notifications import delivery as notifications
from app.settings import Settings

REFLECTION, FILES, LINKS = "reflection", "files", "links"
MAX_RESPONSE_CHARS = 20_000
MAX_LINKS = 20
MAX_URL_CHARS = 2000
PRIVACY_MESSAGE = (
    "Confirm that your evidence shows no student names or faces unless you have consent."
)

RECEIVED = notifications.register_kind(
    "evidence_received", "Evidence is submitted in an organization where you coach"
).key
DECIDED = notifications.register_kind(
    "evidence_decision", "A coach decides on your evidence (with the feedback)"
).key


@dataclass
class DraftInput:
    """What the evidence form sends: texts, links (one URL a line) and files per requirement.

    ``public_evidence``: link the final evidence publicly from the credential once earned
    (None leaves the choice as it is).
    """

    responses: dict[str, str] = field(default_factory=dict)
    links: dict[str, str] = field(default_factory=dict)
    uploads: dict[str, list[Upload]] = field(default_factory=dict)
    remove_files: set[uuid.UUID] = field(default_factory=set)
    public_evidence: bool | None = None


def requirements(definition: MicroCredential) -> list[dict[str, Any]]:
    """The definition's evidence requirements, each with a ``required`` flag."""
    return [{"required": True, "guidance": "", **item} for item in definition.evidence_requirements]


def definition_for(db: Session, user: User, definition_id: uuid.UUID) -> MicroCredential:
    """A published micro-credential of one of the person's organizations that takes evidence."""
    definition = db.get(MicroCredential, definition_id)
    if (
        definition is None
        or definition.status != DefinitionStatus.PUBLISHED
        or not policy.is_member(user, definition.organization_id)
    ):
        raise NotFound("There is no such micro-credential.")
    if definition.award_rule != AwardRule.REVIEW:
        raise Conflict("This micro-credential is earned by completing its learning, not evidence.")
    return definition


def current_for(db: Session, user: User, definition: MicroCredential) -> Submission | None:
    """The person's submission (not withdrawn) for any version of this micro-credential."""
    return db.scalar(
        select(Submission)
        .join(MicroCredential, Submission.micro_credential_id == MicroCredential.id)
        .where(
            Submission.user_id == user.id,
            MicroCredential.family_id == definition.family_id,
            Submission.status != SubmissionStatus.WITHDRAWN,
        )
        .order_by(Submission.created_at.desc())
        .limit(1)
    )


def start(db: Session, user: User, definition_id: uuid.UUID) -> Submission:
    """Continue the person's submission for a micro-credential, or start one (a first draft)."""
    definition = definition_for(db, user, definition_id)
    existing = current_for(db, user, definition)
    if existing is not None:
        return existing
    if not definition.is_current:
        raise Conflict("A newer version of this micro-credential exists; start from that one.")
    submission = Submission(
        organization_id=definition.organization_id,
        micro_credential_id=definition.id,
        user_id=user.id,
        status=SubmissionStatus.DRAFT,
        attempt_no=1,
    )
    submission.attempts.append(EvidenceAttempt(number=1, responses={}, links=[]))
    db.add(submission)
    db.flush()
    audit.record(
        db,
        "evidence.started",
        actor_id=user.id,
        organization_id=definition.organization_id,
        target_type="submission",
        target_id=submission.id,
    )
    return submission


def mine(db: Session, user: User) -> list[Submission]:
    """The person's submissions, most recently changed first."""
    return list(
        db.scalars(
            select(Submission)
            .where(Submission.user_id == user.id)
            .order_by(Submission.updated_at.desc())
        )
    )


def move_status(
    db: Session,
    submission: Submission,
    *,
    expected: SubmissionStatus,
    at_attempt: int,
    conflict: str,
    **values: object,
) -> None:
    """Change the submission only if it is still at ``expected`` and attempt ``at_attempt``: of two
    concurrent actions exactly one wins, the other gets Conflict(``conflict``)."""
    moved = db.execute(
        update(Submission)
        .where(
            Submission.id == submission.id,
            Submission.status == expected,
            Submission.attempt_no == at_attempt,
        )
        .values(**values)
    )
    if getattr(moved, "rowcount", 0) != 1:
        raise Conflict(conflict)


def get_own(db: Session, user: User, submission_id: uuid.UUID) -> Submission:
    """One of the person's own submissions (NotFound for anyone else's)."""
    submission = db.get(Submission, submission_id)
    if submission is None or submission.user_id != user.id:
        raise NotFound("There is no such submission.")
    return submission


def visible_attempts(user: User, submission: Submission) -> list[EvidenceAttempt]:
    """Every attempt for the teacher; only submitted attempts for reviewers."""
    if submission.user_id == user.id:
        return list(submission.attempts)
    return [a for a in submission.attempts if a.submitted_at is not None]


def draft_attempt(submission: Submission) -> EvidenceAttempt:
    """The attempt being written (Conflict when the submission is not a draft)."""
    if submission.status != SubmissionStatus.DRAFT:
        raise Conflict(_not_draft(submission))
    return submission.attempts[-1]


def _not_draft(submission: Submission) -> str:
    return {
        SubmissionStatus.SUBMITTED: "This evidence is submitted and waiting for a coach; "
        "it can no longer be edited.",
        SubmissionStatus.NOT_YET: "A coach returned this evidence as 'Not yet'; start a "
        "revision to change it.",
        SubmissionStatus.EARNED: "This micro-credential is earned; its evidence is final.",
        SubmissionStatus.WITHDRAWN: "This submission was withdrawn.",
    }.get(submission.status, "This submission cannot be edited now.")


def save_draft(
    db: Session, settings: Settings, user: User, submission_id: uuid.UUID, draft: DraftInput
) -> Submission:
    """Save the draft: texts, links and files (files checked by content, all or nothing)."""
    submission = get_own(db, user, submission_id)
    attempt = draft_attempt(submission)
    reqs = requirements(submission.micro_credential)
    responses = _responses(reqs, draft.responses)
    links = _links(reqs, draft.links)
    _remove_files(db, settings, attempt, draft.remove_files)
    _add_files(db, settings, attempt, reqs, draft.uploads)
    attempt.responses = responses
    attempt.links = links
    if draft.public_evidence is not None:
        submission.public_evidence = draft.public_evidence
    attempt.updated_at = utcnow()
    submission.updated_at = utcnow()
    return submission


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
    _add_files(db, settings, attempt, reqs, {requirement: uploads})
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
    _remove_files(db, settings, attempt, {file_id})
    attempt.updated_at = submission.updated_at = utcnow()
    return submission


def _responses(reqs: list[dict[str, Any]], sent: dict[str, str]) -> dict[str, str]:
    result = {}
    for req in reqs:
        if req["kind"] != REFLECTION:
            continue
        text = sent.get(req["key"], "").replace("\r\n", "\n").strip()
        if len(text) > MAX_RESPONSE_CHARS:
            raise Invalid(
                f"'{req['label']}' is longer than {MAX_RESPONSE_CHARS} characters.",
                field=f"response_{req['key']}",
            )
        if text:
            result[req["key"]] = text
    return result


def _links(reqs: list[dict[str, Any]], sent: dict[str, str]) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = []
    for req in reqs:
        if req["kind"] != LINKS:
            continue
        for line in sent.get(req["key"], "").splitlines():
            url = line.strip()
            if not url:
                continue
            if not valid_url(url):
                raise Invalid(
                    f"'{url[:80]}' is not a web address starting with http:// or https://.",
                    field=f"links_{req['key']}",
                )
            result.append({"requirement": req["key"], "url": url, "title": url})
    if len(result) > MAX_LINKS:
        raise Invalid(f"Add at most {MAX_LINKS} links.", field=f"links_{result[0]['requirement']}")
    return result


def valid_url(url: str) -> bool:
    """An absolute http(s) address with a host, of reasonable length and no spaces."""
    if len(url) > MAX_URL_CHARS or any(ch.isspace() for ch in url):
        return False
    parts = urls.split(url)
    return parts is not None and parts.scheme in {"http", "https"} and bool(parts.hostname)


def _remove_files(
    db: Session, settings: Settings, attempt: EvidenceAttempt, file_ids: set[uuid.UUID]
) -> None:
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


def _add_files(
    db: Session,
    settings: Settings,
    attempt: EvidenceAttempt,
    reqs: list[dict[str, Any]],
    uploads: dict[str, list[Upload]],
) -> None:
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


def submit(
    db: Session, settings: Settings, user: User, submission_id: uuid.UUID, *, privacy: bool
) -> Submission:
    """Send the draft to the review queue (every required requirement answered, privacy ok)."""
    submission = get_own(db, user, submission_id)
    attempt = draft_attempt(submission)
    check_complete(submission.micro_credential, attempt)
    if not privacy:
        raise Invalid(PRIVACY_MESSAGE, field="privacy")
    now = utcnow()
    move_status(
        db,
        submission,
        expected=SubmissionStatus.DRAFT,
        at_attempt=attempt.number,
        conflict="This evidence was already submitted.",
        status=SubmissionStatus.SUBMITTED,
        submitted_at=now,
        decided_at=None,
    )
    attempt.submitted_at = now
    attempt.privacy_confirmed = True
    _tell_reviewers(db, settings, submission, user)
    audit.record(
        db,
        "evidence.submitted",
        actor_id=user.id,
        organization_id=submission.organization_id,
        target_type="submission",
        target_id=submission.id,
        attempt=attempt.number,
    )
    return submission


def check_complete(definition: MicroCredential, attempt: EvidenceAttempt) -> None:
    """Invalid for an empty submission or the first required requirement left unanswered."""
    if not (attempt.responses or attempt.links or attempt.files):
        raise Invalid(
            "This submission is empty: write your reflection, attach files or add links first."
        )
    for req in requirements(definition):
        if not req["required"]:
            continue
        key, kind = req["key"], req["kind"]
        if kind == REFLECTION and not attempt.responses.get(key, "").strip():
            raise Invalid(f"Answer '{req['label']}' before submitting.", field=f"response_{key}")
        if kind == FILES and not any(f.requirement == key for f in attempt.files):
            raise Invalid(f"Attach a file for '{req['label']}'.", field=f"files_{key}")
        if kind == LINKS and not any(link["requirement"] == key for link in attempt.links):
            raise Invalid(f"Add a link for '{req['label']}'.", field=f"links_{key}")


def _tell_reviewers(db: Session, settings: Settings, submission: Submission, user: User) -> None:
    title = f"{user.display_name} submitted evidence for {submission.micro_credential.name}"
    url = links.REVIEW.path_for(submission_id=submission.id)
    if submission.reviewer is not None:
        notifications.notify(db, settings, submission.reviewer, RECEIVED, title, url, actor=user)
        return
    for coach in coaches_of(db, submission.organization_id):
        notifications.notify(db, settings, coach, RECEIVED, title, url, actor=user)


def coaches_of(db: Session, organization_id: uuid.UUID) -> list[User]:
    """The organization's coaches (its administrators when it has none), by name."""
    rows = list(
        db.scalars(
            select(Membership).where(
                Membership.organization_id == organization_id,
                Membership.role.in_([Role.COACH, Role.ADMIN]),
            )
        )
    )
    coaches = [m.user for m in rows if m.role == Role.COACH] or [m.user for m in rows]
    return sorted(coaches, key=lambda u: u.display_name.lower())


def withdraw(db: Session, user: User, submission_id: uuid.UUID) -> Submission:
    """Withdraw a submission that is not decided Earned (its history is kept)."""
    submission = get_own(db, user, submission_id)
    if submission.status in {SubmissionStatus.EARNED, SubmissionStatus.WITHDRAWN}:
        raise Conflict(_not_draft(submission))
    move_status(
        db,
        submission,
        expected=submission.status,
        at_attempt=submission.attempt_no,
        conflict="This submission changed a moment ago; reload the page.",
        status=SubmissionStatus.WITHDRAWN,
    )
    audit.record(
        db,
        "evidence.withdrawn",
        actor_id=user.id,
        organization_id=submission.organization_id,
        target_type="submission",
        target_id=submission.id,
    )
    return submission


def revise(db: Session, user: User, submission_id: uuid.UUID) -> Submission:
    """After 'Not yet': a new draft attempt copying the previous one's texts, links and files."""
    submission = get_own(db, user, submission_id)
    if submission.status != SubmissionStatus.NOT_YET:
        raise Conflict("Only evidence returned as 'Not yet' can be revised.")
    previous = submission.attempts[-1]
    move_status(
        db,
        submission,
        expected=SubmissionStatus.NOT_YET,
        at_attempt=previous.number,
        conflict="You already started a revision; reload the page.",
        status=SubmissionStatus.DRAFT,
        attempt_no=previous.number + 1,
    )
    attempt = EvidenceAttempt(
        number=previous.number + 1,
        responses=dict(previous.responses),
        links=[dict(link) for link in previous.links],
    )
    attempt.files = [
        EvidenceFile(
            requirement=f.requirement,
            storage_key=f.storage_key,
            filename=f.filename,
            content_type=f.content_type,
            size=f.size,
            sha256=f.sha256,
        )
        for f in previous.files
    ]
    submission.attempts.append(attempt)
    db.flush()
    return submission


def open_file(
    db: Session, settings: Settings, user: User, file_id: uuid.UUID
) -> tuple[EvidenceFile, BinaryIO]:
    """An evidence file and its bytes, for the teacher and the organization's reviewers."""
    row = db.get(EvidenceFile, file_id)
    if row is None:
        raise NotFound("There is no such file.")
    attempt = row.attempt
    submission = attempt.submission
    reviewer = attempt.submitted_at is not None and (
        policy.can_review_evidence(user, submission.organization_id)
        or user.id in {submission.reviewer_id, submission.calibration_reviewer_id}
    )
    if submission.user_id != user.id and not reviewer:
        raise NotFound("There is no such file.")
    return row, open_stored(settings, row.storage_key)


def forbid_self_review(user: User, submission: Submission) -> None:
    """Nobody reviews their own evidence."""
    if submission.user_id == user.id:
        raise Forbidden("You cannot review your own evidence.")


@dataclass(frozen=True)
class TextChange:
    """How one written requirement changed: lines marked ``same``, ``added`` or ``removed``."""

    key: str
    label: str
    lines: list[tuple[str, str]]


@dataclass(frozen=True)
class Changes:
    """What changed between two attempts."""

    texts: list[TextChange]
    links_added: list[str]
    links_removed: list[str]
    files_added: list[str]
    files_removed: list[str]

    @property
    def any(self) -> bool:
        """Whether anything changed at all."""
        return bool(
            self.texts
            or self.links_added
            or self.links_removed
            or self.files_added
            or self.files_removed
        )


def changes(
    definition: MicroCredential, previous: EvidenceAttempt, current: EvidenceAttempt
) -> Changes:
    """Per-requirement text differences, and links and files added or removed."""
    texts = []
    for req in requirements(definition):
        if req["kind"] != REFLECTION:
            continue
        before = previous.responses.get(req["key"], "")
        after = current.responses.get(req["key"], "")
        if before != after:
            texts.append(TextChange(req["key"], req["label"], _line_diff(before, after)))
    old_links = {link["url"] for link in previous.links}
    new_links = {link["url"] for link in current.links}
    old_files = {(f.filename, f.sha256) for f in previous.files}
    new_files = {(f.filename, f.sha256) for f in current.files}
    return Changes(
        texts=texts,
        links_added=sorted(new_links - old_links),
        links_removed=sorted(old_links - new_links),
        files_added=sorted(name for name, _ in new_files - old_files),
        files_removed=sorted(name for name, _ in old_files - new_files),
    )


def _line_diff(before: str, after: str) -> list[tuple[str, str]]:
    marks = {"  ": "same", "+ ": "added", "- ": "removed"}
    return [
        (marks[line[:2]], line[2:])
        for line in difflib.ndiff(before.splitlines(), after.splitlines())
        if line[:2] in marks
    ]
