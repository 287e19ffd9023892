"""Pages: the notification list, e-mail preferences and the digest's unsubscribe link."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from app.kit import links
from app.services.communities import digest
from app.services.notifications import delivery as notifications
from app.web.access import AppSettings, CurrentUser, Db, public, verify_csrf
from app.web.common import TransactionalRoute, redirect, render, safe_next

router = APIRouter(route_class=TransactionalRoute, dependencies=[Depends(verify_csrf)])


@router.get("/notifications", response_class=HTMLResponse)
def inbox(request: Request, db: Db, user: CurrentUser) -> Response:
    """The person's newest notifications."""
    return render(request, "notifications/list.html", items=notifications.recent(db, user))


@router.post("/notifications/read-all", response_class=HTMLResponse)
def read_all(request: Request, db: Db, user: CurrentUser) -> Response:
    """Mark every notification read."""
    notifications.mark_all_read(db, user)
    return redirect(request, "/notifications", "All notifications are marked read.")


@router.post("/notifications/{notification_id}/read", response_class=HTMLResponse)
def read_one(request: Request, db: Db, user: CurrentUser, notification_id: uuid.UUID) -> Response:
    """Mark one notification read and open what it points to."""
    note = notifications.mark_read(db, user, notification_id)
    return redirect(request, safe_next(note.url, "/notifications"))


@router.get("/account/notifications", response_class=HTMLResponse)
def preferences(request: Request, db: Db, user: CurrentUser) -> Response:
    """Which notifications come by e-mail, and how often the digest comes."""
    return render(
        request,
        "notifications/preferences.html",
        kinds=notifications.KINDS,
        chosen=notifications.preferences(db, user),
        frequency=digest.frequency_of(db, user),
        frequencies=digest.FREQUENCIES,
    )


@router.post("/account/notifications", response_class=HTMLResponse)
def save_preferences(
    request: Request,
    db: Db,
    user: CurrentUser,
    email: Annotated[list[str] | None, Form()] = None,
    digest_frequency: Annotated[str, Form()] = "off",
) -> Response:
    """Save the choices."""
    notifications.save_preferences(db, user, set(email or []))
    digest.set_frequency(db, user, digest_frequency)
    return redirect(request, "/account/notifications", "Your notification choices are saved.")


@router.get(
    links.DIGEST_UNSUBSCRIBE.path,
    name=links.DIGEST_UNSUBSCRIBE.name,
    dependencies=[Depends(public)],
    response_class=HTMLResponse,
)
def unsubscribe_page(request: Request, db: Db, settings: AppSettings, token: str = "") -> Response:
    """Confirm stopping the digest (works without signing in)."""
    user = digest.user_for_token(db, settings, token)
    return render(request, "notifications/unsubscribe.html", token=token, email=user.email)


@router.post("/digest/unsubscribe", dependencies=[Depends(public)], response_class=HTMLResponse)
def unsubscribe(
    request: Request, db: Db, settings: AppSettings, token: Annotated[str, Form()] = ""
) -> Response:
    """Stop the digest for the account the signed link names."""
    user = digest.user_for_token(db, settings, token)
    digest.set_frequency(db, user, "off")
    return render(request, "notifications/unsubscribe.html", done=True, email=user.email)
