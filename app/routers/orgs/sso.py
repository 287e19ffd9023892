"""Pages: single sign-on through an organization's OpenID Connect provider."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from app.errors import AppError
from app.kit import links
from app.services.orgs import organizations, sso, sso_links
from app.web import forms
from app.web.access import AppSettings, Db, public
from app.web.common import TransactionalRoute, render, safe_next
from app.web.signin import set_link_cookie, sign_in_response

router = APIRouter(route_class=TransactionalRoute)
SSO_COOKIE = "laurel_sso"


@router.get("/sso/start", dependencies=[Depends(public)], response_class=HTMLResponse)
def start(
    request: Request, db: Db, settings: AppSettings, org: str = "", next: str = "/"
) -> Response:
    """Send the browser to the organization's provider."""
    return forms.submit(
        lambda: sso.start_sign_in(
            db, settings, organizations.get_by_slug(db, org.strip().lower()), safe_next(next)
        ),
        done=lambda begun: _to_provider(settings, begun),
        page=forms.template(request, "identity/auth/signin.html", next=safe_next(next)),
        values={"org": org},
        errors=forms.beside("org"),
    )


def _to_provider(settings: AppSettings, begun: sso.SsoStart) -> Response:
    response = RedirectResponse(begun.authorization_url, status_code=303)
    response.set_cookie(
        SSO_COOKIE,
        begun.state_cookie,
        max_age=sso.STATE_MAX_AGE,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
        path="/sso",
    )
    return response


@router.get(
    links.SSO_CALLBACK.path,
    name=links.SSO_CALLBACK.name,
    dependencies=[Depends(public)],
    response_class=HTMLResponse,
)
def callback(request: Request, db: Db, settings: AppSettings) -> Response:
    """The provider sends the browser back here with a code (or an error)."""
    params = dict(request.query_params.items())
    try:
        outcome, next_url = sso.complete_sign_in(
            db, settings, cookie=request.cookies.get(SSO_COOKIE), params=params
        )
    except AppError as exc:
        failed = render(
            request, "identity/auth/sso_failed.html", exc.status_code, message=exc.detail
        )
        failed.delete_cookie(SSO_COOKIE, path="/sso")
        return failed
    if isinstance(outcome, sso_links.PendingLink):
        response = RedirectResponse(f"/signin?next={quote(next_url)}", status_code=303)
        set_link_cookie(response, settings, sso_links.pending_link_cookie(settings, outcome))
    else:
        response = sign_in_response(request, settings, db, outcome.id, next_url)
    response.delete_cookie(SSO_COOKIE, path="/sso")
    return response
