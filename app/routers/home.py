"""Pages: the landing page and each role's dashboard."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from app.services.orgs.permissions import organizations_of
from app.services.review import dashboard
from app.web.access import Db, MaybeUser, public
from app.web.common import TransactionalRoute, render

router = APIRouter(route_class=TransactionalRoute)


@router.get("/", dependencies=[Depends(public)], response_class=HTMLResponse)
def home(request: Request, db: Db, user: MaybeUser) -> Response:
    """The landing page for visitors; the dashboard for people who are signed in."""
    if user is None:
        return render(request, "home/landing.html")
    memberships = organizations_of(user)
    roles = {m.role.value for m in memberships}
    return render(
        request,
        "home/dashboard.html",
        memberships=memberships,
        roles=roles,
        is_platform_admin=user.is_platform_admin,
        work=dashboard.work_summary(db, user),
    )
