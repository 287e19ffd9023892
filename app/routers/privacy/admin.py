"""Pages: an organization's privacy settings (evidence retention) and its audit trail."""

from __future__ import annotations

from functools import partial
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from app.kit.keyset import PageRequest
from app.services.privacy import audit_log, retention
from app.web import forms
from app.web.access import Admin, Db, verify_csrf
from app.web.common import Text, TransactionalRoute, file_download, redirect, render

router = APIRouter(
    prefix="/orgs/{slug}/admin", route_class=TransactionalRoute, dependencies=[Depends(verify_csrf)]
)
MAX_CURSOR = 500
Filter = Annotated[str, Query(max_length=320)]
Day = Annotated[str, Query(max_length=20)]
Cursor = Annotated[str | None, Query(max_length=MAX_CURSOR)]


def _settings_page(request: Request, ctx: Admin, status: int = 200, **extra: object) -> Response:
    return render(
        request,
        "privacy/admin_settings.html",
        status,
        org=ctx.org,
        max_months=retention.MAX_MONTHS,
        **extra,
    )


@router.get("/privacy", response_class=HTMLResponse)
def settings_page(request: Request, ctx: Admin) -> Response:
    """How long the organization keeps evidence files."""
    return _settings_page(request, ctx)


@router.post("/privacy", response_class=HTMLResponse)
def save_settings(
    request: Request, db: Db, ctx: Admin, evidence_retention_months: Text = ""
) -> Response:
    """Save the retention period."""
    return forms.submit(
        lambda: retention.set_retention(db, ctx.user, ctx.org, evidence_retention_months),
        done=lambda org: redirect(
            request, f"/orgs/{org.slug}/admin/privacy", "The retention period is saved."
        ),
        page=partial(_settings_page, request, ctx),
        values={"evidence_retention_months": evidence_retention_months},
    )


@router.get("/audit", response_class=HTMLResponse)
def audit_page(
    request: Request,
    db: Db,
    ctx: Admin,
    action: Filter = "",
    actor: Filter = "",
    subject: Filter = "",
    since: Day = "",
    until: Day = "",
    cursor: Cursor = None,
) -> Response:
    """Search the organization's audit trail."""
    values = {"action": action, "actor": actor, "subject": subject, "since": since, "until": until}

    def found() -> Response:
        filters = audit_log.parse_filters(action, actor, subject, since, until)
        page = audit_log.search(
            db, ctx.user, ctx.org, filters, PageRequest(audit_log.PAGE_SIZE, cursor)
        )
        return _audit_page(
            request, db, ctx, 200, entries=page.items, next_cursor=page.next_cursor, values=values
        )

    return forms.submit(
        found,
        done=lambda response: response,
        page=partial(_audit_page, request, db, ctx, entries=[], next_cursor=None),
        values=values,
    )


def _audit_page(
    request: Request, db: Db, ctx: Admin, status: int = 200, **extra: object
) -> Response:
    return render(
        request,
        "privacy/audit.html",
        status,
        org=ctx.org,
        actions=audit_log.action_choices(db, ctx.org),
        **extra,
    )


@router.get("/audit.csv")
def audit_csv(
    db: Db,
    ctx: Admin,
    action: Filter = "",
    actor: Filter = "",
    subject: Filter = "",
    since: Day = "",
    until: Day = "",
) -> Response:
    """Every event of the search as CSV."""
    filters = audit_log.parse_filters(action, actor, subject, since, until)
    body = "".join(audit_log.export_csv(db, ctx.user, ctx.org, filters))
    return file_download(body, "text/csv; charset=utf-8", f"audit-{ctx.org.slug}.csv")
