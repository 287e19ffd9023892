"""Starting a browser session over HTTP: the session cookie after sign-in, and the cookie that
keeps a single sign-on link waiting for a password sign-in."""

from __future__ import annotations

from fastapi import Request
from fastapi.responses import RedirectResponse, Response

from app.kit.i18n import gettext as _
from app.models import User
from app.services.identity.sessions import start_session
from app.services.orgs import sso_links
from app.web.access import SESSION_COOKIE, AppSettings, Db
from app.web.common import client_ip, redirect, safe_next

LINK_COOKIE = "laurel_sso_link"
LINK_COOKIE_PATH = "/signin"


def sign_in_response(
    request: Request,
    settings: AppSettings,
    db: Db,
    user_id: object,
    next_url: str,
    note: str = "",
) -> RedirectResponse:
    """Start a session for the user and redirect, setting the session cookie."""
    user = db.get_one(User, user_id)
    raw = start_session(
        db, settings, user, ip=client_ip(request), user_agent=request.headers.get("user-agent")
    )
    welcome = _("Welcome, %(name)s.", name=user.display_name)
    message = _("%(welcome)s %(note)s", welcome=welcome, note=note) if note else welcome
    response = redirect(request, safe_next(next_url), message)
    response.set_cookie(
        SESSION_COOKIE,
        raw,
        max_age=settings.session_max_age_seconds,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
        path="/",
    )
    return response


def set_link_cookie(response: Response, settings: AppSettings, value: str) -> None:
    """Keep a single sign-on link waiting for a password sign-in, for a few minutes."""
    response.set_cookie(
        LINK_COOKIE,
        value,
        max_age=sso_links.LINK_MAX_AGE,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
        path=LINK_COOKIE_PATH,
    )
