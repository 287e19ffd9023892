"""The public privacy notice, generated from the running configuration."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from app.services.privacy import notice
from app.web.access import AppSettings, MaybeUser, public
from app.web.common import TransactionalRoute, render

router = APIRouter(route_class=TransactionalRoute)


@router.get("/privacy", dependencies=[Depends(public)], response_class=HTMLResponse)
def privacy_page(request: Request, settings: AppSettings, user: MaybeUser) -> Response:
    """What Laurel collects, why, who sees it and how long it is kept."""
    return render(request, "privacy/notice.html", notice=notice.notice(settings, user))
