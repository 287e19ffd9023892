"""Pages: an organization's admin area (one hub linking every admin page) and, for people who
administer several organizations, the page that chooses one."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from app.kit import links
from app.services.orgs import admin_area
from app.web.access import Admin, CurrentUser, Db, verify_csrf
from app.web.common import TransactionalRoute, render

router = APIRouter(route_class=TransactionalRoute, dependencies=[Depends(verify_csrf)])


@router.get(links.ORG_ADMIN.path, name=links.ORG_ADMIN.name, response_class=HTMLResponse)
def hub(request: Request, db: Db, ctx: Admin) -> Response:
    """Every admin page of the organization, with small counts (administrators)."""
    return render(
        request,
        "orgs/admin/hub.html",
        org=ctx.org,
        overview=admin_area.overview(db, ctx.user, ctx.org),
    )


@router.get(links.ADMIN_CHOOSER.path, name=links.ADMIN_CHOOSER.name, response_class=HTMLResponse)
def choose(request: Request, db: Db, user: CurrentUser) -> Response:
    """The organizations the person administers, to open one's admin area."""
    return render(request, "orgs/admin/choose.html", orgs=admin_area.administered(db, user))
