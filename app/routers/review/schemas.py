"""JSON shapes for evidence submissions, attempts and rubric reviews."""

from __future__ import annotations

import uuid
from datetime import datetime

from pydantic import BaseModel, Field

from app.models import Decision, EvidenceAttempt, Review, ReviewKind, Submission, SubmissionStatus


class EvidenceFileRead(BaseModel):
    """A file of an attempt; download it (signed in) from ``url``."""

    id: uuid.UUID
    requirement: str
    filename: str
    content_type: str
    size: int
    url: str


class LinkRead(BaseModel):
    """A link given as evidence for one requirement."""

    requirement: str
    url: str


class ScoreRead(BaseModel):
    """The level a reviewer gave one rubric criterion."""

    criterion: str
    level: int
    points: int
    comment: str


class ReviewRead(BaseModel):
    """A rubric review of one attempt."""

    id: uuid.UUID
    kind: ReviewKind
    decision: Decision
    feedback: str
    total_points: int
    decided_at: datetime
    turnaround_seconds: int
    reviewer: str | None
    scores: list[ScoreRead]
    agrees_with_primary: bool | None
    criteria_agreement: float | None

    @classmethod
    def build(cls, review: Review) -> ReviewRead:
        """Build from a review row."""
        return cls(
            id=review.id,
            kind=review.kind,
            decision=review.decision,
            feedback=review.feedback,
            total_points=review.total_points,
            decided_at=review.decided_at,
            turnaround_seconds=review.turnaround_seconds,
            reviewer=review.reviewer.display_name if review.reviewer else None,
            scores=[
                ScoreRead(criterion=s.criterion, level=s.level, points=s.points, comment=s.comment)
                for s in sorted(review.scores, key=lambda s: s.criterion)
            ],
            agrees_with_primary=review.agrees_with_primary,
            criteria_agreement=review.criteria_agreement,
        )


class AttemptRead(BaseModel):
    """One attempt's evidence, and its reviews where the caller may see them."""

    number: int
    responses: dict[str, str]
    links: list[LinkRead]
    files: list[EvidenceFileRead]
    submitted_at: datetime | None
    reviews: list[ReviewRead]

    @classmethod
    def build(cls, attempt: EvidenceAttempt, reviews: list[Review]) -> AttemptRead:
        """Build from an attempt and the reviews to show."""
        return cls(
            number=attempt.number,
            responses=dict(attempt.responses),
            links=[LinkRead(requirement=li["requirement"], url=li["url"]) for li in attempt.links],
            files=[
                EvidenceFileRead(
                    id=f.id,
                    requirement=f.requirement,
                    filename=f.filename,
                    content_type=f.content_type,
                    size=f.size,
                    url=f"/evidence/files/{f.id}",
                )
                for f in attempt.files
            ],
            submitted_at=attempt.submitted_at,
            reviews=[ReviewRead.build(r) for r in reviews],
        )


class SubmissionRead(BaseModel):
    """A teacher's submission toward one micro-credential."""

    id: uuid.UUID
    organization_id: uuid.UUID
    micro_credential_id: uuid.UUID
    micro_credential: str
    teacher_id: uuid.UUID
    teacher: str
    status: SubmissionStatus
    attempt_no: int
    submitted_at: datetime | None
    decided_at: datetime | None
    reviewer: str | None
    public_evidence: bool = Field(
        description="The teacher links the final evidence publicly from the credential once earned"
    )

    @classmethod
    def build(cls, submission: Submission) -> SubmissionRead:
        """Build from a submission row."""
        return cls(
            id=submission.id,
            organization_id=submission.organization_id,
            micro_credential_id=submission.micro_credential_id,
            micro_credential=submission.micro_credential.name,
            teacher_id=submission.user_id,
            teacher=submission.user.display_name,
            status=submission.status,
            attempt_no=submission.attempt_no,
            submitted_at=submission.submitted_at,
            decided_at=submission.decided_at,
            reviewer=submission.reviewer.display_name if submission.reviewer else None,
            public_evidence=submission.public_evidence,
        )


class SubmissionDetail(SubmissionRead):
    """A submission with its attempts (reviewers see submitted attempts only)."""

    attempts: list[AttemptRead]


class DraftUpdate(BaseModel):
    """New texts and links for the draft attempt (files are added through the web form)."""

    responses: dict[str, str] = Field(default_factory=dict, description="requirement key → text")
    links: dict[str, list[str]] = Field(
        default_factory=dict, description="requirement key → http(s) addresses"
    )
    public_evidence: bool | None = Field(
        default=None,
        description="If earned, link the final evidence publicly from the credential "
        "(anyone with the link can read it); omit to keep the current choice",
    )


class SubmitRequest(BaseModel):
    """Submitting needs the privacy confirmation."""

    privacy_confirmed: bool = Field(description="No student names or faces appear without consent")


class ScoreInput(BaseModel):
    """A level (and comment) for one rubric criterion."""

    criterion: str = Field(max_length=40)
    level: int = Field(ge=1, le=100)
    comment: str = Field(default="", max_length=2000)


class DecisionCreate(BaseModel):
    """A rubric review and decision on the current attempt."""

    attempt_no: int = Field(ge=1, le=100_000, description="The attempt you reviewed")
    decision: Decision
    feedback: str = Field(default="", max_length=10_000)
    scores: list[ScoreInput] = Field(max_length=100)
