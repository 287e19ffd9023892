"""Pages: the platform administrators' list of mail that could not be delivered."""

from __future__ import annotations

import uuid

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from app.services.notifications import mail_failures
from app.web.access import Db, platform_admin, verify_csrf
from app.web.common import TransactionalRoute, redirect, render

router = APIRouter(
    prefix="/admin",
    route_class=TransactionalRoute,
    dependencies=[Depends(verify_csrf), Depends(platform_admin)],
)


@router.get("/mail", response_class=HTMLResponse)
def failed_mail(request: Request, db: Db) -> Response:
    """Mail that could not be delivered after every retry, with a button to try again."""
    messages, total = mail_failures.failed_messages(db)
    return render(request, "notifications/admin_mail.html", messages=messages, total=total)


@router.post("/mail/retry", response_class=HTMLResponse)
def retry_all_mail(request: Request, db: Db) -> Response:
    """Queue every failed message again."""
    queued = mail_failures.retry_failed(db)
    return redirect(request, "/admin/mail", f"{queued} message(s) queued again.")


@router.post("/mail/{message_id}/retry", response_class=HTMLResponse)
def retry_mail(request: Request, db: Db, message_id: uuid.UUID) -> Response:
    """Queue one failed message again."""
    queued = mail_failures.retry_failed(db, message_id)
    note = "The message is queued again." if queued else "That message is no longer failed."
    return redirect(request, "/admin/mail", note)
