"""A rubric review: the coach's levels, comments and feedback checked and stored, agreement
between a first and a second review, and a review's levels for display."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from app.db import utcnow
from app.errors import Conflict, Invalid
from app.models import (
    Decision,
    EvidenceAttempt,
    MicroCredential,
    Review,
    ReviewKind,
    ReviewScore,
    Submission,
    User,
)
from app.services.microcredentials import rubrics

MAX_FEEDBACK_CHARS = 10_000
MAX_COMMENT_CHARS = 2_000


@dataclass(frozen=True)
class ReviewInput:
    """A coach's scoring of one attempt: a level (and comment) per criterion, and a decision."""

    attempt_no: int
    decision: Decision
    levels: dict[str, int]
    comments: dict[str, str] = field(default_factory=dict)
    feedback: str = ""


def _scored(submission: Submission, data: ReviewInput) -> tuple[rubrics.Scored, str]:
    definition = submission.micro_credential
    scored = rubrics.score(
        definition.rubric, definition.pass_rule, definition.pass_value, data.levels
    )
    feedback = data.feedback.replace("\r\n", "\n").strip()
    if len(feedback) > MAX_FEEDBACK_CHARS:
        raise Invalid(f"Keep the feedback under {MAX_FEEDBACK_CHARS} characters.", field="feedback")
    for key, comment in data.comments.items():
        if len(comment) > MAX_COMMENT_CHARS:
            raise Invalid(
                f"Keep each comment under {MAX_COMMENT_CHARS} characters.", field=f"comment_{key}"
            )
    if data.decision == Decision.NOT_YET and not feedback:
        raise Invalid(
            "Write feedback: the teacher needs it to revise for 'Not yet'.", field="feedback"
        )
    if data.decision == Decision.EARNED and not scored.passes:
        rule = rubrics.describe_rule(definition.rubric, definition.pass_rule, definition.pass_value)
        raise Invalid(
            f"These levels do not meet the pass rule ({rule}). Raise the levels the evidence "
            "supports, or decide 'Not yet'.",
            field="decision",
        )
    return scored, feedback


def new_review(
    submission: Submission,
    attempt: EvidenceAttempt,
    reviewer: User,
    kind: ReviewKind,
    data: ReviewInput,
) -> Review:
    """A review of the attempt from the coach's input (Invalid when it breaks a rule)."""
    scored, feedback = _scored(submission, data)
    now = utcnow()
    submitted = attempt.submitted_at or now
    review = Review(
        organization_id=submission.organization_id,
        reviewer_id=reviewer.id,
        kind=kind,
        decision=data.decision,
        feedback=feedback,
        total_points=scored.points,
        decided_at=now,
        turnaround_seconds=max(0, int((now - submitted).total_seconds())),
    )
    rubric = submission.micro_credential.rubric
    for item in rubric:
        level = rubrics.level_of(item, scored.levels[item["key"]])
        review.scores.append(
            ReviewScore(
                criterion=item["key"],
                level=level["level"],
                points=int(level.get("points", 0)),
                comment=data.comments.get(item["key"], "").strip(),
            )
        )
    return review


def save(db: Session, review: Review, attempt: EvidenceAttempt) -> None:
    """Store the review of the attempt (Conflict when one of its kind is already there)."""
    try:
        with db.begin_nested():
            db.add(review)
            review.attempt = attempt
    except IntegrityError as exc:
        raise Conflict("This attempt was already reviewed; reload to see the review.") from exc


def record_agreement(primary: Review, calibration: Review) -> None:
    """Store on the calibration review whether the decisions match and the share of equal levels."""
    first = {s.criterion: s.level for s in primary.scores}
    second = {s.criterion: s.level for s in calibration.scores}
    calibration.agrees_with_primary = primary.decision == calibration.decision
    calibration.criteria_agreement = (
        sum(1 for key, level in first.items() if second.get(key) == level) / len(first)
        if first
        else None
    )


def score_rows(definition: MicroCredential, review: Review | None) -> list[dict[str, Any]]:
    """A review's level and comment per rubric criterion, in rubric order, for display."""
    if review is None:
        return []
    scores = {s.criterion: s for s in review.scores}
    rows = []
    for item in definition.rubric:
        score = scores.get(item["key"])
        if score is not None:
            level = rubrics.level_of(item, score.level)
            rows.append({"criterion": item, "level": level, "comment": score.comment})
    return rows
