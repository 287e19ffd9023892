"""JSON shapes for modules, enrollments, progress and the transcript."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from pydantic import BaseModel, ConfigDict

from app.models import ActivityKind, EnrollmentStatus, Module, ModuleFormat, ModuleStatus
from app.services.learning.learner import Learner
from app.services.learning.transcript import Transcript


class StandardRead(BaseModel):
    """A standard a module aligns with."""

    model_config = ConfigDict(from_attributes=True)

    code: str
    name: str
    url: str | None


class ModuleSummaryRead(BaseModel):
    """A module in the catalog."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    family_id: uuid.UUID
    version: int
    status: ModuleStatus
    title: str
    summary: str
    cover_image_url: str | None
    subject: str
    grade_band: str
    language: str
    estimated_minutes: int
    pd_hours: Decimal
    format: ModuleFormat
    starts_on: date | None
    ends_on: date | None
    capacity: int | None
    tags: list[str]
    standards: list[StandardRead]


class CatalogRead(BaseModel):
    """One page of catalog results."""

    items: list[ModuleSummaryRead]
    total: int
    page: int
    pages: int


class ActivityRead(BaseModel):
    """An activity (quiz answers are never included)."""

    id: uuid.UUID
    kind: ActivityKind
    title: str
    required: bool
    done: bool


class SectionRead(BaseModel):
    """A section with its activities."""

    title: str
    activities: list[ActivityRead]


class EnrollmentRead(BaseModel):
    """The caller's enrollment in a module."""

    model_config = ConfigDict(from_attributes=True)

    id: uuid.UUID
    module_id: uuid.UUID
    status: EnrollmentStatus
    enrolled_at: datetime
    completed_at: datetime | None
    pd_hours_awarded: Decimal | None


class ModuleDetailRead(ModuleSummaryRead):
    """A module with its sections, and the caller's enrollment and progress."""

    sections: list[SectionRead]
    enrollment: EnrollmentRead | None
    percent_complete: int
    continue_activity_id: uuid.UUID | None

    @classmethod
    def from_view(cls, view: Learner) -> ModuleDetailRead:
        """Build from the learner's view of a module."""
        base = ModuleSummaryRead.model_validate(view.module).model_dump()
        return cls(
            **base,
            sections=[
                SectionRead(
                    title=s.title,
                    activities=[
                        ActivityRead(
                            id=a.id,
                            kind=a.kind,
                            title=a.title,
                            required=a.required,
                            done=view.done(a),
                        )
                        for a in s.activities
                    ],
                )
                for s in view.module.sections
            ],
            enrollment=EnrollmentRead.model_validate(view.enrollment) if view.enrollment else None,
            percent_complete=view.percent,
            continue_activity_id=view.next_activity.id
            if view.enrollment and view.next_activity
            else None,
        )


class MyEnrollmentRead(EnrollmentRead):
    """An enrollment with its module's title."""

    module_title: str

    @classmethod
    def of(cls, enrollment: object, module: Module) -> MyEnrollmentRead:
        """Build from an enrollment and its module."""
        return cls(
            **EnrollmentRead.model_validate(enrollment).model_dump(), module_title=module.title
        )


class TranscriptRowRead(BaseModel):
    """A completed module on the transcript."""

    completed_on: date
    title: str
    version: int
    organization: str
    hours: Decimal


class TranscriptCredentialRead(BaseModel):
    """An earned micro-credential on the transcript, with its PD hours."""

    earned_on: date
    name: str
    organization: str
    hours: Decimal


class TranscriptPeriodRead(BaseModel):
    """PD hours of one school year (July 1 to June 30), e.g. "2025-26"."""

    school_year: str
    module_hours: Decimal
    credential_hours: Decimal
    total_hours: Decimal


class TranscriptRead(BaseModel):
    """PD hours for a period: completed modules, earned micro-credentials and their totals."""

    teacher: str
    organizations: list[str]
    start: date | None
    end: date | None
    rows: list[TranscriptRowRead]
    credentials: list[TranscriptCredentialRead]
    periods: list[TranscriptPeriodRead]
    module_hours: Decimal
    credential_hours: Decimal
    total_hours: Decimal

    @classmethod
    def of(cls, transcript: Transcript) -> TranscriptRead:
        """Build from the transcript service's result."""
        return cls(
            teacher=transcript.teacher,
            organizations=transcript.organizations,
            start=transcript.start,
            end=transcript.end,
            rows=[
                TranscriptRowRead.model_validate(r, from_attributes=True) for r in transcript.rows
            ],
            credentials=[
                TranscriptCredentialRead.model_validate(c, from_attributes=True)
                for c in transcript.credentials
            ],
            periods=[
                TranscriptPeriodRead(
                    school_year=p.label,
                    module_hours=p.module_hours,
                    credential_hours=p.credential_hours,
                    total_hours=p.total,
                )
                for p in transcript.periods
            ],
            module_hours=transcript.module_hours,
            credential_hours=transcript.credential_hours,
            total_hours=transcript.total,
        )
