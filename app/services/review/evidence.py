"""Evidence submissions: a teacher's reflection, files and links toward one micro-credential.

A submission has attempts; the current attempt is edited as a draft (drafts.py, files.py), then
submitted (frozen). After "Not yet" the teacher revises: a new attempt copies the previous one's
responses, links and file rows (the stored bytes are shared by key).
"""

from __future__ import annotations

import uuid
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from app.db import utcnow
from app.errors import Conflict, Invalid, NotFound
from app.kit import audit, links
from app.kit.keyset import Order, PageRequest, Slice, sort_key
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
from app.services.notifications import delivery as notifications
from app.services.orgs import permissions as org_permissions
from app.services.review.notices import RECEIVED
from app.settings import Settings

REFLECTION, FILES, LINKS = "reflection", "files", "links"
RECENTLY_CHANGED = Order(
    sort_key(Submission.updated_at, descending=True), sort_key(Submission.id, descending=True)
)
PRIVACY_MESSAGE = (
    "Confirm that your evidence shows no student names or faces unless you have consent."
)


def requirements(definition: MicroCredential) -> list[dict[str, Any]]:
    """The definition's evidence requirements, each with a ``required`` flag."""
    return [{"required": True, "guidance": "", **item} for item in definition.evidence_requirements]


def definition_for(db: Session, user: User, definition_id: uuid.UUID) -> MicroCredential:
    """A published micro-credential of one of the person's organizations that takes evidence."""
    definition = db.get(MicroCredential, definition_id)
    if (
        definition is None
        or definition.status != DefinitionStatus.PUBLISHED
        or not org_permissions.is_member(user, definition.organization_id)
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
        submission,
        actor=user,
    )
    return submission


def mine(db: Session, user: User) -> list[Submission]:
    """The person's submissions, most recently changed first."""
    query = select(Submission).where(Submission.user_id == user.id)
    return list(db.scalars(query.order_by(*RECENTLY_CHANGED.clauses())))


def mine_page(db: Session, user: User, page: PageRequest) -> Slice[Submission]:
    """A page of ``mine`` after a cursor."""
    return RECENTLY_CHANGED.scalars(
        db, select(Submission).where(Submission.user_id == user.id), page
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
    audit.record(db, "evidence.submitted", submission, actor=user, attempt=attempt.number)
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


def _reviewing_members(db: Session, organization_id: uuid.UUID) -> list[Membership]:
    return list(
        db.scalars(
            select(Membership).where(
                Membership.organization_id == organization_id,
                Membership.role.in_([Role.COACH, Role.ADMIN]),
            )
        )
    )


def coaches_of(db: Session, organization_id: uuid.UUID) -> list[User]:
    """The organization's coaches (its administrators when it has none), by name: who hears
    of new evidence."""
    rows = _reviewing_members(db, organization_id)
    coaches = [m.user for m in rows if m.role == Role.COACH] or [m.user for m in rows]
    return sorted(coaches, key=lambda u: u.display_name.lower())


def reviewers_of(db: Session, organization_id: uuid.UUID) -> list[User]:
    """Everyone who may review the organization's evidence (its coaches and administrators),
    by name: whom an administrator may assign."""
    rows = _reviewing_members(db, organization_id)
    return sorted((m.user for m in rows), key=lambda u: u.display_name.lower())


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
    audit.record(db, "evidence.withdrawn", submission, actor=user)
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
