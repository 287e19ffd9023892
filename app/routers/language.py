"""The language switch in every page's footer: a plain link, so it works without JavaScript."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import Response

from app.errors import NotFound
from app.kit import i18n
from app.web.access import AppSettings, public
from app.web.common import TransactionalRoute, redirect, safe_next
from app.web.language import LANGUAGE_COOKIE, ONE_YEAR, cookie_serializer

router = APIRouter(route_class=TransactionalRoute)


@router.get("/language", dependencies=[Depends(public)])
def choose_language(
    request: Request, settings: AppSettings, lang: str = "", next: str = "/"
) -> Response:
    """Remember ``lang`` for this browser and go back to ``next`` (a path on this site only)."""
    code = i18n.supported(lang)
    if code is None or code != lang.lower():
        raise NotFound(i18n.lazy_gettext("Laurel does not speak that language yet."))
    response = redirect(request, safe_next(next))
    response.set_cookie(
        LANGUAGE_COOKIE,
        cookie_serializer(settings.secret).dumps(code),
        max_age=ONE_YEAR,
        httponly=True,
        samesite="lax",
        secure=settings.secure_cookies,
        path="/",
    )
    return response
