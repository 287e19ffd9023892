"""Awards: recording that someone earned a micro-credential, and turning it into a credential.

``issue_for_award`` is the one call between review and credentials: it signs the Open Badges
credential in the caller's transaction. If signing fails, the award stays visible as
"pending" with the reason, and ``retry_pending`` (the admin page) tries again.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.db import utcnow
from app.kit import audit, links
from app.models import (
    Award,
    AwardStatus,
    MicroCredential,
    Organization,
    Review,
    ReviewKind,
    Submission,
    User,
)
from app.services.credentials import issuing as credentials
from app.services.microcredentials import definition_images, rubrics
from app.settings import Settings
from badges import Alignment, Evidence, Result, ResultDescription, RubricCriterionLevel
from badges.loader import OB_CONTEXTS

log = logging.getLogger(__name__)


def achievement_url(settings: Settings, definition: MicroCredential) -> str:
    """The Achievement ``id``: the micro-credential version's public page."""
    return links.MICROCREDENTIAL.absolute(settings.base_url, definition_id=definition.id)


def achievement_spec(
    settings: Settings, definition: MicroCredential
) -> credentials.AchievementSpec:
    """The definition in OB 3.0 terms: criteria, rubric, alignment, competencies, image, credits."""
    url = achievement_url(settings, definition)
    return credentials.AchievementSpec(
        id=url,
        name=definition.name,
        description=definition.description or definition.name,
        criteria=definition.criteria or definition.description or definition.name,
        achievement_type=definition.achievement_type,
        image_url=links.MICROCREDENTIAL_IMAGE.absolute(
            settings.base_url, definition_id=definition.id
        ),
        credits=float(definition.pd_hours) if definition.pd_hours else None,
        alignment_items=tuple(_alignment(a) for a in definition.alignments if _usable(a)),
        result_descriptions=tuple(_criterion(url, definition, item) for item in definition.rubric),
        tags=tuple(definition.competencies),
    )


def _usable(alignment: dict[str, str]) -> bool:
    return bool(alignment.get("name") and alignment.get("url"))


def _alignment(alignment: dict[str, str]) -> Alignment:
    return Alignment(
        target_name=alignment["name"],
        target_url=alignment["url"],
        target_code=alignment.get("code") or None,
        target_framework=alignment.get("framework") or None,
    )


def criterion_id(url: str, key: str) -> str:
    """The ``ResultDescription`` id of one rubric criterion."""
    return f"{url}#criterion-{key}"


def level_id(url: str, key: str, level: int) -> str:
    """The ``RubricCriterionLevel`` id of one level of one criterion."""
    return f"{url}#criterion-{key}-level-{level}"


def _criterion(url: str, definition: MicroCredential, item: dict[str, Any]) -> ResultDescription:
    required = (
        level_id(url, item["key"], definition.pass_value)
        if definition.pass_rule == rubrics.MIN_LEVEL
        else None
    )
    return ResultDescription(
        id=criterion_id(url, item["key"]),
        name=item["name"],
        result_type="RubricCriterionLevel",
        required_level=required,
        rubric_criterion_level=[
            RubricCriterionLevel(
                id=level_id(url, item["key"], level["level"]),
                name=level.get("label") or f"Level {level['level']}",
                description=level.get("descriptor") or None,
                level=str(level["level"]),
                points=str(level.get("points", 0)),
            )
            for level in item["levels"]
        ],
    )


@dataclass(frozen=True)
class Prepared:
    """What every credential of one definition shares, computed once for a batch of awards."""

    spec: credentials.AchievementSpec
    image_png: bytes | None


def prepare(settings: Settings, definition: MicroCredential) -> Prepared:
    """The achievement and its badge image (read and converted once, not per recipient)."""
    return Prepared(
        achievement_spec(settings, definition), definition_images.image_png(settings, definition)
    )


def achievement_document(settings: Settings, definition: MicroCredential) -> dict[str, Any]:
    """The definition as a standalone OB 3.0 ``Achievement`` JSON-LD document."""
    model = credentials.achievement_model(achievement_spec(settings, definition))
    return {"@context": list(OB_CONTEXTS), **model.to_json()}


def valid_until_for(definition: MicroCredential, start: datetime | None = None) -> datetime | None:
    """When a credential for this definition expires (None when it does not)."""
    if not definition.validity_months:
        return None
    return credentials.months_after(start or utcnow(), definition.validity_months)


def record_award(
    db: Session,
    settings: Settings,
    *,
    user: User,
    definition: MicroCredential,
    submission: Submission | None = None,
    awarded_by: User | None = None,
    evidence: tuple[Evidence, ...] = (),
    prepared: Prepared | None = None,
) -> Award:
    """Record the award (once per person and definition) and issue its credential.

    ``evidence`` replaces the generated evidence narrative (bulk issuing passes its own);
    ``prepared`` spares re-reading the badge image when awarding many people.
    """
    existing = _existing(db, user, definition)
    if existing is not None:
        return existing
    award = Award(
        organization_id=definition.organization_id,
        user_id=user.id,
        micro_credential_id=definition.id,
        submission_id=submission.id if submission else None,
        awarded_by_id=awarded_by.id if awarded_by else None,
    )
    try:
        with db.begin_nested():
            db.add(award)
    except IntegrityError:  # awarded concurrently
        found = _existing(db, user, definition)
        if found is None:
            raise
        return found
    audit.record(
        db,
        "award.recorded",
        award,
        actor=awarded_by,
        micro_credential=definition.name,
    )
    return issue_for_award(db, settings, award, evidence, prepared)


def _existing(db: Session, user: User, definition: MicroCredential) -> Award | None:
    return db.scalar(
        select(Award).where(Award.user_id == user.id, Award.micro_credential_id == definition.id)
    )


def issue_for_award(
    db: Session,
    settings: Settings,
    award: Award,
    evidence: tuple[Evidence, ...] = (),
    prepared: Prepared | None = None,
) -> Award:
    """Sign the award's Open Badges credential (idempotent); on failure leave it pending."""
    if award.status == AwardStatus.ISSUED:
        return award
    definition = award.micro_credential
    prepared = prepared or prepare(settings, definition)
    user = db.get_one(User, award.user_id)
    org = db.get_one(Organization, award.organization_id)
    valid_until = valid_until_for(definition, award.awarded_at)
    review = _primary_review(db, award)
    request = credentials.IssueRequest(
        organization=org,
        recipient_email=user.email,
        achievement=prepared.spec,
        idempotency_key=f"award:{award.id}",
        recipient_user=user,
        valid_until=valid_until,
        evidence=evidence or _evidence(settings, award, review),
        results=_results(settings, award, review),
        image_png=prepared.image_png,
        announce=award.submission_id is None,  # the review decision announces its award
    )
    try:
        with db.begin_nested():
            credential = credentials.issue_credential(db, settings, request)
    except Exception as exc:  # any signing fault leaves a visible pending award
        log.exception("issuing the credential for award %s failed", award.id)
        award.status = AwardStatus.FAILED
        award.error = f"{type(exc).__name__}: {exc}"[:500]
        return award
    award.credential_id = credential.id
    award.status = AwardStatus.ISSUED
    award.error = None
    return award


def _primary_review(db: Session, award: Award) -> Review | None:
    if award.submission_id is None:
        return None
    submission = db.get_one(Submission, award.submission_id)
    attempt = submission.attempts[-1] if submission.attempts else None
    if attempt is None:
        return None
    return attempt.review_of(ReviewKind.PRIMARY)


def _evidence(settings: Settings, award: Award, review: Review | None) -> tuple[Evidence, ...]:
    """A narrative; with the teacher's opt-in, also the address of the public evidence page."""
    definition = award.micro_credential
    name = f"Evidence for {definition.name}"
    if review is None and award.awarded_by_id is not None:
        narrative = f"Awarded {definition.name} by the administrators of the issuing organization."
    elif review is None:
        narrative = f"Earned by completing the learning linked to {definition.name}."
    else:
        narrative = (
            f"Classroom evidence (attempt {review.attempt.number}) reviewed by a coach against "
            f"the {definition.name} rubric and judged Earned on {review.decided_at:%Y-%m-%d}."
        )
        submission = review.attempt.submission
        if submission.public_evidence:
            url = links.EVIDENCE_PUBLIC.absolute(settings.base_url, submission_id=submission.id)
            narrative += " The teacher shares this evidence publicly at the linked page."
            return (Evidence(id=url, name=name, narrative=narrative),)
    return (Evidence(name=name, narrative=narrative),)


def _results(settings: Settings, award: Award, review: Review | None) -> tuple[Result, ...]:
    """One result per scored criterion, pointing at its criterion and the level achieved."""
    if review is None:
        return ()
    definition = award.micro_credential
    url = achievement_url(settings, definition)
    items = {item["key"]: item for item in definition.rubric}
    results = []
    for score in sorted(review.scores, key=lambda s: s.criterion):
        item = items.get(score.criterion)
        if item is None:
            continue
        label = next(
            (lv.get("label", "") for lv in item["levels"] if lv["level"] == score.level), ""
        )
        results.append(
            Result(
                result_description=criterion_id(url, item["key"]),
                achieved_level=level_id(url, item["key"], score.level),
                value=f"{item['name']}: {label or score.level}",
            )
        )
    return tuple(results)


def retry_pending(db: Session, settings: Settings, org: Organization) -> list[Award]:
    """Try again to issue every award of the organization whose credential is not yet signed."""
    pending = unsigned_for_organization(db, org)
    prepared: dict[uuid.UUID, Prepared] = {}
    for award in pending:
        definition = award.micro_credential
        if definition.id not in prepared:
            prepared[definition.id] = prepare(settings, definition)
        issue_for_award(db, settings, award, prepared=prepared[definition.id])
    return pending


def unsigned_for_user(db: Session, user: User) -> list[Award]:
    """The person's awards whose credential is still pending or failed, newest first."""
    return list(
        db.scalars(
            select(Award)
            .where(Award.user_id == user.id, Award.status != AwardStatus.ISSUED)
            .order_by(Award.awarded_at.desc())
        )
    )


def unsigned_for_organization(db: Session, org: Organization) -> list[Award]:
    """The organization's awards whose credential is still pending or failed, oldest first."""
    return list(
        db.scalars(
            select(Award)
            .where(Award.organization_id == org.id, Award.status != AwardStatus.ISSUED)
            .order_by(Award.awarded_at)
        )
    )
