"""Sharing earned evidence into its micro-credential's community as an exemplar (#7 meets #5).

A teacher whose submission was judged Earned may, with explicit consent, copy its final attempt
(responses and the files a community can hold) into a community attached to the micro-credential
(``attached_kind="micro_credential"``, ``attached_ref`` = the definition's family id, so every
version shares one community). The copy is withdrawable from the gallery or the evidence page.
"""

from __future__ import annotations

import uuid
from contextlib import ExitStack
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.errors import Conflict, NotFound
from app.kit.storage import storage_for
from app.kit.storage.sniffing import ALLOWED_TYPES
from app.kit.storage.uploads import Upload
from app.models import (
    Community,
    CommunityMember,
    EvidenceAttempt,
    Exemplar,
    Submission,
    SubmissionStatus,
    User,
)
from app.services.communities import exemplars
from app.services.communities import membership as communities
from app.services.review import evidence
from app.settings import Settings

KIND = "micro_credential"


@dataclass(frozen=True)
class SharingOptions:
    """Where a teacher may share an earned submission, and where it is already shared."""

    communities: list[Community]
    shared: list[tuple[Exemplar, Community]]
    files_left_out: list[str]


def _earned_submission(db: Session, user: User, submission_id: uuid.UUID) -> Submission:
    submission = evidence.get_own(db, user, submission_id)
    if submission.status != SubmissionStatus.EARNED:
        raise Conflict("Only evidence judged Earned can be shared as an exemplar.")
    return submission


def _final_attempt(submission: Submission) -> EvidenceAttempt:
    return submission.attempts[-1]


def options(db: Session, user: User, submission: Submission) -> SharingOptions:
    """The communities of this micro-credential the teacher can still share into, and the
    exemplars already shared from this submission."""
    rows = db.execute(
        select(Community, CommunityMember)
        .outerjoin(
            CommunityMember,
            (CommunityMember.community_id == Community.id) & (CommunityMember.user_id == user.id),
        )
        .where(
            Community.attached_kind == KIND,
            Community.attached_ref == str(submission.micro_credential.family_id),
        )
    ).all()
    postable = [c for c, m in rows if communities.CommunityAccess(c, user, m).can_post]
    shared = db.execute(
        select(Exemplar, Community)
        .join(Community, Community.id == Exemplar.community_id)
        .where(
            Exemplar.evidence_ref == str(submission.id),
            Exemplar.owner_id == user.id,
            Exemplar.withdrawn_at.is_(None),
        )
    ).all()
    files = _final_attempt(submission).files if submission.attempts else []
    shared_in = {row[1].id for row in shared}
    return SharingOptions(
        communities=[c for c in postable if c.id not in shared_in],
        shared=[(row[0], row[1]) for row in shared],
        files_left_out=[f.filename for f in files if f.content_type not in ALLOWED_TYPES],
    )


def share(
    db: Session,
    settings: Settings,
    user: User,
    submission_id: uuid.UUID,
    community_id: uuid.UUID,
    *,
    consent: bool,
) -> Exemplar:
    """Copy the final attempt of an earned submission into the community, with consent."""
    submission = _earned_submission(db, user, submission_id)
    ctx = communities.access_by_id(db, community_id, user)
    attempt = _final_attempt(submission)
    definition = submission.micro_credential
    labels = {r["key"]: r.get("label", r["key"]) for r in definition.evidence_requirements}
    parts = [
        f"### {labels.get(key, key)}\n\n{text.strip()}"
        for key, text in attempt.responses.items()
        if text.strip()
    ]
    parts += [f"- [{link.get('title') or link['url']}]({link['url']})" for link in attempt.links]
    storage = storage_for(settings)
    with ExitStack() as streams:
        files = [
            Upload(stored.filename, streams.enter_context(storage.open(stored.storage_key)))
            for stored in attempt.files
            if stored.content_type in ALLOWED_TYPES
        ]
        evidence = exemplars.EarnedEvidence(
            credential_kind=KIND,
            credential_ref=str(definition.family_id),
            evidence_ref=str(submission.id),
            owner_id=user.id,
            title=definition.name,
            reflection="\n\n".join(parts),
            files=files,
        )
        return exemplars.share(db, settings, ctx, evidence, consent=consent)


def withdraw(
    db: Session, settings: Settings, user: User, submission_id: uuid.UUID, exemplar_id: uuid.UUID
) -> Exemplar:
    """Withdraw an exemplar shared from this submission (its copied files are deleted)."""
    exemplar = db.get(Exemplar, exemplar_id)
    if exemplar is None or exemplar.evidence_ref != str(submission_id):
        raise NotFound("There is no such exemplar.")
    ctx = communities.access_by_id(db, exemplar.community_id, user)
    return exemplars.withdraw(db, settings, ctx, exemplar_id)
