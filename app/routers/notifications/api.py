"""JSON API: the caller's notifications (tokens with account:read)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from app.models import User
from app.routers.notifications.schemas import NotificationRead
from app.services.notifications import delivery as notifications
from app.web.access import ApiToken, Db
from app.web.api_errors import ERROR_RESPONSES
from app.web.common import TransactionalRoute
from app.web.paging import Page, Paging

router = APIRouter(
    prefix="/api/v1", route_class=TransactionalRoute, tags=["notifications"],
    responses=ERROR_RESPONSES,
)  # fmt: skip
AccountReader = Annotated[User, Depends(ApiToken("account:read"))]


@router.get("/notifications", response_model=Page[NotificationRead])
def my_notifications(db: Db, user: AccountReader, paging: Paging) -> Page[NotificationRead]:
    """The caller's notifications, newest first."""
    rows = notifications.notifications_page(db, user, paging)
    return Page[NotificationRead].of(rows, NotificationRead.model_validate)
