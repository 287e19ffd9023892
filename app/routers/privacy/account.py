"""Pages: a person's own data: download a copy, delete the account, who accessed her records."""

from __future__ import annotations

import uuid
from functools import partial
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response
from starlette.background import BackgroundTask

from app.db import utcnow
from app.errors import Conflict
from app.kit import links
from app.kit.keyset import PageRequest
from app.services.privacy import audit_log, deletion, exports
from app.web import forms
from app.web.access import AppSettings, CurrentUser, Db, signed_in, verify_csrf
from app.web.common import Text, TransactionalRoute, redirect, render, stored_file

router = APIRouter(
    prefix="/account", route_class=TransactionalRoute, dependencies=[Depends(verify_csrf)]
)
MAX_CURSOR = 500


def _exports_page(
    request: Request,
    db: Db,
    settings: AppSettings,
    user: CurrentUser,
    status: int = 200,
    **extra: object,
) -> Response:
    return render(
        request,
        "privacy/exports.html",
        status,
        exports=exports.list_exports(db, user),
        ttl_hours=settings.privacy_export_ttl_hours,
        now=utcnow(),
        **extra,
    )


@router.get(
    links.DATA_EXPORTS.under(router.prefix),
    name=links.DATA_EXPORTS.name,
    response_class=HTMLResponse,
)
def exports_page(request: Request, db: Db, settings: AppSettings, user: CurrentUser) -> Response:
    """Download my data: ask for a copy, and the copies ready to download."""
    return _exports_page(request, db, settings, user)


@router.post("/data", response_class=HTMLResponse)
def request_export(request: Request, db: Db, settings: AppSettings, user: CurrentUser) -> Response:
    """Ask for a copy of everything Laurel holds about you."""

    def done(_: object) -> Response:
        small = exports.is_small(db, settings, user)
        response = redirect(
            request,
            "/account/data",
            "We are preparing your copy. We will notify you when it is ready.",
        )
        if small:  # built right after the commit, off the request's transaction
            factory = request.app.state.session_factory
            response.background = BackgroundTask(
                exports.build_pending_exports, factory, settings, limit=1
            )
        return response

    return forms.submit(
        lambda: exports.request_export(db, user),
        done=done,
        page=partial(_exports_page, request, db, settings, user),
    )


@router.get("/data/{export_id}/download")
def download(db: Db, settings: AppSettings, user: CurrentUser, export_id: uuid.UUID) -> Response:
    """The ZIP, for the person it is about, until its link expires."""
    export, stream = exports.open_download(db, settings, user, export_id)
    response = stored_file(exports.filename(export), "application/zip", stream)
    response.headers["Content-Disposition"] = f'attachment; filename="{exports.filename(export)}"'
    return response


def _delete_page(
    request: Request, settings: AppSettings, status: int = 200, **extra: object
) -> Response:
    return render(
        request,
        "privacy/delete.html",
        status,
        grace_days=settings.privacy_deletion_grace_days,
        **extra,
    )


@router.get("/delete", dependencies=[Depends(signed_in)], response_class=HTMLResponse)
def delete_page(request: Request, settings: AppSettings) -> Response:
    """What deleting the account means, the choices, and the confirmation form."""
    return _delete_page(request, settings)


@router.post("/delete", response_class=HTMLResponse)
def delete_account(
    request: Request,
    db: Db,
    settings: AppSettings,
    user: CurrentUser,
    credentials: Text = "",
    confirmation: Text = "",
) -> Response:
    """Schedule the deletion and sign out everywhere."""
    return forms.submit(
        lambda: deletion.request_deletion(
            db, settings, user, credentials=credentials, confirmation=confirmation
        ),
        done=lambda account: redirect(
            request,
            "/",
            "Your account will be deleted on "
            f"{account.deletion_due_at:%d %B %Y}. You are signed out everywhere; "
            "sign in before then to cancel.",
        ),
        page=partial(_delete_page, request, settings),
        values={"credentials": credentials},
    )


@router.post("/delete/cancel", response_class=HTMLResponse)
def cancel_deletion(request: Request, db: Db, user: CurrentUser) -> Response:
    """Keep the account."""
    try:
        deletion.cancel_deletion(db, user)
    except Conflict as exc:
        return redirect(request, "/account", exc.detail)
    return redirect(request, "/account", "Your account will not be deleted.")


@router.get("/access", response_class=HTMLResponse)
def access_page(
    request: Request,
    db: Db,
    user: CurrentUser,
    cursor: Annotated[str | None, Query(max_length=MAX_CURSOR)] = None,
) -> Response:
    """Who viewed or changed your records."""
    found = audit_log.my_access(db, user, PageRequest(audit_log.PAGE_SIZE, cursor))
    return render(
        request, "privacy/access.html", entries=found.items, next_cursor=found.next_cursor
    )
