"""Pages: an organization's awards whose credential is not yet signed, and signing them again."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from app.services.credentials import awards
from app.web.access import Admin, AppSettings, Db, verify_csrf
from app.web.common import TransactionalRoute, redirect, render

router = APIRouter(route_class=TransactionalRoute, dependencies=[Depends(verify_csrf)])


@router.get("/orgs/{slug}/awards", response_class=HTMLResponse)
def unsigned_awards(request: Request, db: Db, ctx: Admin) -> Response:
    """Awards whose credential is pending or failed, with a button to try again."""
    return render(
        request,
        "credentials/awards.html",
        org=ctx.org,
        items=awards.unsigned_for_organization(db, ctx.org),
    )


@router.post("/orgs/{slug}/awards/retry", response_class=HTMLResponse)
def retry_awards(request: Request, db: Db, settings: AppSettings, ctx: Admin) -> Response:
    """Try again to sign every pending or failed credential of the organization."""
    tried = awards.retry_pending(db, settings, ctx.org)
    left = sum(1 for award in tried if award.status.value != "issued")
    message = (
        f"Tried {len(tried)} award(s): {len(tried) - left} issued, {left} still waiting."
        if tried
        else "Nothing was waiting."
    )
    return redirect(request, f"/orgs/{ctx.org.slug}/awards", message)
