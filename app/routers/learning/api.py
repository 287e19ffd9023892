"""JSON API, version 1: the catalog, enrollments, progress and the PD transcript."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Response

from app.models import User
from app.routers.learning.schemas import (
    CatalogRead,
    ModuleDetailRead,
    ModuleSummaryRead,
    MyEnrollmentRead,
    TranscriptRead,
)
from app.services.learning import catalog, enrollment, learner, transcript
from app.web.access import ApiToken, AppSettings, Db
from app.web.api_errors import ERROR_RESPONSES
from app.web.common import TransactionalRoute
from app.web.paging import Page, Paging

router = APIRouter(
    prefix="/api/v1", route_class=TransactionalRoute, tags=["learning"], responses=ERROR_RESPONSES
)
Reader = Annotated[User, Depends(ApiToken("learning:read"))]
Writer = Annotated[User, Depends(ApiToken("learning:write"))]


@router.get("/modules", response_model=CatalogRead)
def modules(
    db: Db,
    user: Reader,
    q: Annotated[str, Query(max_length=200)] = "",
    subject: str = "",
    grade_band: str = "",
    standard: str = "",
    length: Annotated[str, Query(pattern="^(|short|medium|long)$")] = "",
    format: Annotated[str, Query(pattern="^(|self_paced|cohort)$")] = "",
    language: str = "",
    min_hours: Annotated[float | None, Query(ge=0, le=1000)] = None,
    sort: Annotated[str, Query(pattern="^(relevance|title|newest|shortest|hours)$")] = "relevance",
    page: Annotated[int, Query(ge=1, le=10_000)] = 1,
) -> CatalogRead:
    """Search the catalog (published modules of the caller's organizations)."""
    result = catalog.search(
        db,
        user,
        catalog.CatalogQuery(
            q=q,
            subject=subject,
            grade_band=grade_band,
            standard=standard,
            length=length,
            format=format,
            language=language,
            min_hours=None if min_hours is None else Decimal(str(min_hours)),
            sort=sort,
            page=page,
        ),
    )
    return CatalogRead(
        items=[ModuleSummaryRead.model_validate(m) for m in result.modules],
        total=result.total,
        page=result.page,
        pages=result.pages,
    )


@router.get("/modules/{module_id}", response_model=ModuleDetailRead)
def module(db: Db, user: Reader, module_id: uuid.UUID) -> ModuleDetailRead:
    """One module with its activities and the caller's progress."""
    return ModuleDetailRead.from_view(learner.learner_view(db, user, module_id))


@router.post("/modules/{module_id}/enrollment", response_model=ModuleDetailRead, status_code=201)
def enroll(db: Db, user: Writer, module_id: uuid.UUID) -> ModuleDetailRead:
    """Enroll the caller (prerequisites, cohort dates and capacity are enforced)."""
    enrollment.enroll(db, user, module_id)
    return ModuleDetailRead.from_view(learner.learner_view(db, user, module_id))


@router.delete("/modules/{module_id}/enrollment", status_code=204)
def unenroll(db: Db, user: Writer, module_id: uuid.UUID) -> Response:
    """Leave a module (progress is kept for a return)."""
    enrollment.unenroll(db, user, module_id)
    return Response(status_code=204)


@router.post("/modules/{module_id}/activities/{activity_id}/done", response_model=ModuleDetailRead)
def mark_done(
    db: Db, settings: AppSettings, user: Writer, module_id: uuid.UUID, activity_id: uuid.UUID
) -> ModuleDetailRead:
    """Mark a reading, video, resource or evidence activity as done."""
    view = learner.learner_view(db, user, module_id)
    enrollment.mark_done(db, settings, view, activity_id)
    return ModuleDetailRead.from_view(view)


@router.get("/enrollments", response_model=Page[MyEnrollmentRead])
def enrollments(db: Db, user: Reader, paging: Paging) -> Page[MyEnrollmentRead]:
    """The caller's active and completed enrollments, most recently changed first."""
    rows = transcript.enrollments_page(db, user, paging)
    return Page[MyEnrollmentRead].of(rows, lambda e: MyEnrollmentRead.of(e, e.module))


@router.get("/transcript", response_model=TranscriptRead)
def my_transcript(
    db: Db, user: Reader, start: date | None = None, end: date | None = None
) -> TranscriptRead:
    """Completed modules and PD hours between two dates (inclusive; a reversed range is empty)."""
    return TranscriptRead.of(transcript.build(db, user, start, end))
