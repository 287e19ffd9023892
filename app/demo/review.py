"""Demo data for evidence and review: two submissions waiting in the queue, one returned as
"Not yet" with feedback, then revised and waiting again, and one Earned (its credential in the
wallet) and shared as an exemplar in the micro-credential's community. Idempotent."""

from __future__ import annotations

import io
from datetime import timedelta

from PIL import Image, ImageDraw
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import utcnow
from app.kit.storage.uploads import Upload
from app.models import (
    AwardRule,
    Community,
    Decision,
    DefinitionStatus,
    JoinPolicy,
    MicroCredential,
    Organization,
    Submission,
    User,
)
from app.services.communities import exemplar_sharing
from app.services.communities import membership as communities
from app.services.review import decisions, drafts, evidence, scoring
from app.settings import Settings

REFLECTION = (
    "I used exit tickets at the end of three fractions lessons. Each student wrote one thing "
    "they understood and one question.\nThe next morning I grouped students by their questions."
)
REVISED = (
    REFLECTION + "\nI added two samples of student work (names removed) and what I changed "
    "in the following lesson because of them."
)


def seed_review(db: Session, settings: Settings, org: Organization, people: list[User]) -> None:
    """Submissions for the demo organization's micro-credentials (none if it has none)."""
    _admin, coach, teacher, teacher2 = people
    definitions = list(
        db.scalars(
            select(MicroCredential)
            .where(
                MicroCredential.organization_id == org.id,
                MicroCredential.status == DefinitionStatus.PUBLISHED,
                MicroCredential.is_current.is_(True),
                MicroCredential.award_rule == AwardRule.REVIEW,
            )
            .order_by(MicroCredential.name)
        )
    )
    definitions = [d for d in definitions if d.rubric and d.evidence_requirements]
    if not definitions:
        return
    first, second = definitions[0], definitions[-1]
    _waiting(db, settings, teacher, first, days_ago=3)
    if second.id != first.id:
        _waiting(db, settings, teacher2, first, days_ago=1.5)
        _returned_and_resubmitted(db, settings, teacher, second, coach)
    else:
        _returned_and_resubmitted(db, settings, teacher2, first, coach)
    if len(definitions) > 2:
        _earned_and_shared(db, settings, org, teacher2, definitions[1], coach)
    db.flush()


def _waiting(
    db: Session, settings: Settings, user: User, definition: MicroCredential, days_ago: float
) -> Submission | None:
    if evidence.current_for(db, user, definition) is not None:
        return None
    submission = evidence.start(db, user, definition.id)
    drafts.save_draft(db, settings, user, submission.id, _draft(definition, REFLECTION))
    submitted = evidence.submit(db, settings, user, submission.id, privacy=True)
    _backdate(submitted, days_ago)
    return submitted


def _backdate(submission: Submission, days_ago: float) -> None:
    """Pretend the latest attempt was submitted ``days_ago`` days ago (so turnaround shows)."""
    when = utcnow() - timedelta(days=days_ago)
    submission.submitted_at = when
    submission.attempts[-1].submitted_at = when


def _returned_and_resubmitted(
    db: Session, settings: Settings, user: User, definition: MicroCredential, coach: User
) -> None:
    submission = _waiting(db, settings, user, definition, days_ago=9)
    if submission is None:
        return
    levels = {item["key"]: 1 for item in definition.rubric}
    decisions.decide(
        db,
        settings,
        coach,
        submission.id,
        scoring.ReviewInput(
            attempt_no=1,
            decision=Decision.NOT_YET,
            levels=levels,
            comments=dict.fromkeys(levels, "Show what students produced."),
            feedback="A good start. Add student work samples (without names) and say what you "
            "changed in the next lesson because of the exit tickets.",
        ),
    )
    evidence.revise(db, user, submission.id)
    revised = _draft(definition, REVISED, with_files=False)
    drafts.save_draft(db, settings, user, submission.id, revised)
    _backdate(evidence.submit(db, settings, user, submission.id, privacy=True), days_ago=0.5)


def _earned_and_shared(
    db: Session,
    settings: Settings,
    org: Organization,
    user: User,
    definition: MicroCredential,
    coach: User,
) -> None:
    submission = _waiting(db, settings, user, definition, days_ago=12)
    if submission is None:
        return
    levels = {item["key"]: len(item["levels"]) for item in definition.rubric}
    decision = scoring.ReviewInput(
        attempt_no=1,
        decision=Decision.EARNED,
        levels=levels,
        comments={},
        feedback="Clear, consistent evidence; colleagues will learn from your routines.",
    )
    decisions.decide(db, settings, coach, submission.id, decision)
    community = _badge_community(db, org, coach, definition)
    communities.join(db, communities.access(db, org, community.slug, user))
    db.flush()
    exemplar_sharing.share(db, settings, user, submission.id, community.id, consent=True)


def _badge_community(
    db: Session, org: Organization, coach: User, definition: MicroCredential
) -> Community:
    slug = "digital-citizenship"
    existing = db.scalar(
        select(Community).where(Community.organization_id == org.id, Community.slug == slug)
    )
    if existing is not None:
        return existing
    return communities.create_community(
        db,
        org,
        coach,
        slug=slug,
        name=f"{definition.name} circle",
        description="For teachers working toward this micro-credential: questions and exemplars.",
        join_policy=JoinPolicy.OPEN,
        attached_kind="micro_credential",
        attached_ref=str(definition.family_id),
    )


def _draft(definition: MicroCredential, text: str, with_files: bool = True) -> drafts.DraftInput:
    draft = drafts.DraftInput()
    for req in evidence.requirements(definition):
        if req["kind"] == evidence.REFLECTION:
            draft.responses[req["key"]] = text
        elif req["kind"] == evidence.LINKS:
            draft.links[req["key"]] = "https://udlguidelines.cast.org/"
        elif req["kind"] == evidence.FILES and with_files:
            draft.uploads[req["key"]] = [Upload("exit-ticket-summary.png", _chart())]
    return draft


def _chart() -> bytes:
    image = Image.new("RGB", (240, 120), "white")
    pen = ImageDraw.Draw(image)
    for i, height in enumerate((40, 70, 95, 60)):
        pen.rectangle((20 + i * 55, 110 - height, 60 + i * 55, 110), fill=(46, 125, 50))
    buffer = io.BytesIO()
    image.save(buffer, "PNG")
    return buffer.getvalue()
