"""Evidence submissions: the attempts, their files and the coaches' rubric reviews of each."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text, UniqueConstraint, false
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db import Base, IdMixin, TimestampMixin, str_enum, utcnow
from app.models.microcredential import MicroCredential
from app.models.user import User


class SubmissionStatus(enum.StrEnum):
    """Where a teacher's evidence for one micro-credential stands."""

    DRAFT = "draft"  # being written (first attempt, or a revision after "Not yet")
    SUBMITTED = "submitted"  # waiting in the queue (maybe claimed)
    NOT_YET = "not_yet"  # returned to the teacher with feedback
    EARNED = "earned"  # decided Earned; an award exists
    WITHDRAWN = "withdrawn"  # the teacher withdrew it


class Decision(enum.StrEnum):
    """A reviewer's decision on one attempt."""

    EARNED = "earned"
    NOT_YET = "not_yet"


class ReviewKind(enum.StrEnum):
    """The decisive review, or a second one for calibration (recorded, not decisive)."""

    PRIMARY = "primary"
    CALIBRATION = "calibration"


class Submission(IdMixin, TimestampMixin, Base):
    """A teacher's evidence toward one micro-credential version, across all attempts.

    ``attempt_no`` is the current attempt; ``reviewer_id`` the coach who claimed it or was
    assigned it. ``status`` moves only through conditional updates, so two coaches deciding at
    once cannot both win. ``public_evidence`` is the teacher's opt-in to link the final
    (earned) attempt publicly from the credential; it has no effect before Earned.
    """

    __tablename__ = "submissions"
    __table_args__ = (
        Index("ix_submissions_queue", "organization_id", "status", "submitted_at"),
        Index("ix_submissions_user", "user_id", "status"),
        Index("ix_submissions_reviewer", "reviewer_id", "status"),
        Index("ix_submissions_micro_credential", "micro_credential_id", "status"),
    )

    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE")
    )
    micro_credential_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("micro_credentials.id", ondelete="RESTRICT")
    )
    user_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    status: Mapped[SubmissionStatus] = mapped_column(
        str_enum(SubmissionStatus, "submission_status"), default=SubmissionStatus.DRAFT
    )
    attempt_no: Mapped[int] = mapped_column(default=1)
    submitted_at: Mapped[datetime | None]
    decided_at: Mapped[datetime | None]
    reviewer_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    assigned_by_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    assigned_at: Mapped[datetime | None]
    calibration_reviewer_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    calibration_requested_at: Mapped[datetime | None]
    public_evidence: Mapped[bool] = mapped_column(default=False, server_default=false())

    micro_credential: Mapped[MicroCredential] = relationship(lazy="joined")
    user: Mapped[User] = relationship(foreign_keys=[user_id], lazy="joined")
    reviewer: Mapped[User | None] = relationship(foreign_keys=[reviewer_id])
    calibration_reviewer: Mapped[User | None] = relationship(foreign_keys=[calibration_reviewer_id])
    attempts: Mapped[list[EvidenceAttempt]] = relationship(
        back_populates="submission",
        order_by="EvidenceAttempt.number",
        cascade="all, delete-orphan",
    )


class EvidenceAttempt(IdMixin, Base):
    """One attempt's evidence, frozen once submitted; a revision starts a new attempt.

    ``responses`` maps a requirement key to the teacher's text; ``links`` is a list of
    ``{"requirement", "url", "title"}``.
    """

    __tablename__ = "evidence_attempts"
    __table_args__ = (UniqueConstraint("submission_id", "number"),)

    submission_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("submissions.id", ondelete="CASCADE")
    )
    number: Mapped[int]
    responses: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    links: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    privacy_confirmed: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(default=utcnow, onupdate=utcnow)
    submitted_at: Mapped[datetime | None]

    submission: Mapped[Submission] = relationship(back_populates="attempts")
    files: Mapped[list[EvidenceFile]] = relationship(
        back_populates="attempt", order_by="EvidenceFile.created_at", cascade="all, delete-orphan"
    )
    reviews: Mapped[list[Review]] = relationship(
        back_populates="attempt", order_by="Review.decided_at"
    )

    def review_of(self, kind: ReviewKind) -> Review | None:
        """The attempt's primary or calibration review, if recorded."""
        return next((r for r in self.reviews if r.kind == kind), None)


class EvidenceFile(IdMixin, Base):
    """A file of one attempt. A revision copies the row; the stored bytes are shared by key."""

    __tablename__ = "evidence_files"
    __table_args__ = (Index("ix_evidence_files_key", "storage_key"),)

    attempt_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("evidence_attempts.id", ondelete="CASCADE"), index=True
    )
    requirement: Mapped[str] = mapped_column(String(40), default="")
    storage_key: Mapped[str] = mapped_column(String(100))
    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int]
    sha256: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(default=utcnow)

    attempt: Mapped[EvidenceAttempt] = relationship(back_populates="files")


class Review(IdMixin, Base):
    """A coach's rubric scoring and decision on one attempt.

    One primary review per attempt (the decision); a calibration review is a second, blind
    scoring whose agreement with the primary is recorded. ``turnaround_seconds`` runs from the
    attempt's submission to the decision.
    """

    __tablename__ = "reviews"
    __table_args__ = (
        UniqueConstraint("attempt_id", "kind"),
        Index("ix_reviews_reviewer_decided", "reviewer_id", "decided_at"),
        Index("ix_reviews_org_decided", "organization_id", "decided_at"),
    )

    organization_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("organizations.id", ondelete="CASCADE")
    )
    attempt_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("evidence_attempts.id", ondelete="CASCADE")
    )
    reviewer_id: Mapped[uuid.UUID | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL")
    )
    kind: Mapped[ReviewKind] = mapped_column(
        str_enum(ReviewKind, "review_kind"), default=ReviewKind.PRIMARY
    )
    decision: Mapped[Decision] = mapped_column(str_enum(Decision, "review_decision"))
    feedback: Mapped[str] = mapped_column(Text, default="")
    total_points: Mapped[int] = mapped_column(default=0)
    decided_at: Mapped[datetime] = mapped_column(default=utcnow)
    turnaround_seconds: Mapped[int]
    agrees_with_primary: Mapped[bool | None]
    criteria_agreement: Mapped[float | None]

    attempt: Mapped[EvidenceAttempt] = relationship(back_populates="reviews")
    reviewer: Mapped[User | None] = relationship(lazy="joined")
    scores: Mapped[list[ReviewScore]] = relationship(
        back_populates="review", cascade="all, delete-orphan"
    )


class ReviewScore(IdMixin, Base):
    """The level (and comment) a reviewer gave one rubric criterion."""

    __tablename__ = "review_scores"
    __table_args__ = (UniqueConstraint("review_id", "criterion"),)

    review_id: Mapped[uuid.UUID] = mapped_column(ForeignKey("reviews.id", ondelete="CASCADE"))
    criterion: Mapped[str] = mapped_column(String(40))
    level: Mapped[int]
    points: Mapped[int] = mapped_column(default=0)
    comment: Mapped[str] = mapped_column(Text, default="")

    review: Mapped[Review] = relationship(back_populates="scores")
