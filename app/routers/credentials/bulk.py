"""Pages: administrators issue a micro-credential to a CSV of recipients."""

from __future__ import annotations

import uuid
from functools import partial
from typing import Any

from anyio import to_thread
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import UploadFile

from app.errors import AppError, Invalid
from app.models import MicroCredential
from app.services.credentials import bulk_issue
from app.web import forms
from app.web.access import Admin, AppSettings, Db, OrgContext, verify_csrf
from app.web.common import TransactionalRoute, render

router = APIRouter(route_class=TransactionalRoute, dependencies=[Depends(verify_csrf)])
MAX_CSV_BYTES = 2 * 1024 * 1024


def _issue_page(
    request: Request,
    ctx: OrgContext,
    definition: MicroCredential,
    status: int = 200,
    **extra: Any,
) -> Response:
    return render(
        request,
        "credentials/bulk_issue.html",
        status,
        org=ctx.org,
        definition=definition,
        **extra,
    )


@router.get("/orgs/{slug}/micro-credentials/{definition_id}/issue", response_class=HTMLResponse)
def issue_form(request: Request, db: Db, ctx: Admin, definition_id: uuid.UUID) -> Response:
    """Upload or paste a CSV of recipients for one micro-credential."""
    definition = bulk_issue.definition_to_issue(db, ctx.user, ctx.org, definition_id)
    return _issue_page(request, ctx, definition)


@router.post("/orgs/{slug}/micro-credentials/{definition_id}/issue", response_class=HTMLResponse)
async def issue(
    request: Request, db: Db, settings: AppSettings, ctx: Admin, definition_id: uuid.UUID
) -> Response:
    """Check every row first (all problems at once), then issue and show the results."""
    form = await request.form()
    text = str(form.get("csv_text") or "")
    upload = form.get("csv_file")
    too_big = False
    if isinstance(upload, UploadFile) and upload.filename:
        raw = await upload.read(MAX_CSV_BYTES + 1)
        too_big = len(raw) > MAX_CSV_BYTES
        text = raw.decode("utf-8-sig", errors="replace")

    def run() -> Response:
        definition = bulk_issue.definition_to_issue(db, ctx.user, ctx.org, definition_id)
        values = {"csv_text": str(form.get("csv_text") or "")}
        try:
            if too_big:
                raise Invalid("The file is larger than 2 MB; split it.", field="csv_file")
            if not text.strip():
                raise Invalid("Upload a CSV file or paste its rows.", field="csv_text")
            recipients = bulk_issue.parse_recipients(text)
            outcome = bulk_issue.issue_definition(db, settings, ctx.user, definition, recipients)
        except bulk_issue.BulkProblems as exc:
            return _issue_page(request, ctx, definition, 422, problems=exc.problems, values=values)
        except AppError as exc:
            return forms.refused(partial(_issue_page, request, ctx, definition), exc, values)
        return _issue_page(request, ctx, definition, outcome=outcome)

    return await to_thread.run_sync(run)
