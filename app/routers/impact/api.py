"""JSON API: an organization's impact report, for its administrators' tokens."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from app.models import User
from app.routers.impact.schemas import ImpactRead
from app.services.impact import permissions, report
from app.services.impact.period import parse_period
from app.web.access import ApiToken, Db
from app.web.api_errors import ERROR_RESPONSES
from app.web.common import TransactionalRoute

router = APIRouter(
    prefix="/api/v1", route_class=TransactionalRoute, tags=["impact"], responses=ERROR_RESPONSES
)
ImpactReader = Annotated[User, Depends(ApiToken("impact:read"))]


@router.get("/orgs/{slug}/impact", response_model=ImpactRead, response_model_by_alias=True)
def impact(
    db: Db,
    user: ImpactReader,
    slug: str,
    start: Annotated[str, Query(alias="from", max_length=40)] = "",
    end: Annotated[str, Query(alias="to", max_length=40)] = "",
) -> ImpactRead:
    """The same suppressed figures as the dashboard (administrators of the organization)."""
    org = permissions.organization_for_viewer(db, user, slug)
    period = parse_period(start, end)
    dashboard = report.build(db, org, period)
    return ImpactRead.model_validate({"organization": org.slug, **dashboard.as_json()})
