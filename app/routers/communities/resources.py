"""Pages: a community's resource library, exemplar gallery, and files (served to readers only)."""

from __future__ import annotations

import uuid
from functools import partial
from typing import Annotated

from fastapi import APIRouter, Depends, File, Request, UploadFile
from fastapi.responses import HTMLResponse, Response

from app.kit.markdown import render_markdown
from app.routers.communities.common import Community, base_url
from app.services.communities import attachments, exemplars, resources
from app.services.communities.membership import CommunityAccess
from app.web import forms
from app.web.access import AppSettings, CurrentUser, Db, verify_csrf
from app.web.common import Text, TransactionalRoute, read_uploads, redirect, render, stored_file

router = APIRouter(route_class=TransactionalRoute, dependencies=[Depends(verify_csrf)])
PREFIX = "/orgs/{slug}/communities/{community}/resources"
Files = Annotated[list[UploadFile] | None, File()]


def _library(
    request: Request,
    db: Db,
    ctx: CommunityAccess,
    status: int = 200,
    tag: str = "",
    grade_band: str = "",
    q: str = "",
    **extra: object,
) -> Response:
    rows = resources.library(db, ctx, tag=tag, grade_band=grade_band, text=q)
    return render(
        request,
        "communities/resources.html",
        status,
        ctx=ctx,
        community=ctx.community,
        resources=rows,
        voted=resources.my_votes(db, ctx, rows),
        descriptions={r.id: render_markdown(r.description, "post") for r in rows},
        filters={"tag": tag, "grade_band": grade_band, "q": q},
        base=base_url(ctx),
        **extra,
    )


@router.get(PREFIX, response_class=HTMLResponse)
def library(
    request: Request, db: Db, ctx: Community, tag: str = "", grade_band: str = "", q: str = ""
) -> Response:
    """The library, most upvoted first, with filters."""
    return _library(request, db, ctx, tag=tag[:40], grade_band=grade_band[:40], q=q[:200])


@router.post(PREFIX, response_class=HTMLResponse)
def share(
    request: Request,
    db: Db,
    settings: AppSettings,
    ctx: Community,
    title: Text = "",
    description: Text = "",
    url: Text = "",
    tags: Text = "",
    grade_band: Text = "",
    standards: Text = "",
    files: Files = None,
) -> Response:
    """Share a link or a file."""
    values = {
        "title": title, "description": description, "url": url, "tags": tags,
        "grade_band": grade_band, "standards": standards,
    }  # fmt: skip
    return forms.submit(
        lambda: resources.share(db, settings, ctx, uploads=read_uploads(files), **values),
        done=lambda _: redirect(request, f"{base_url(ctx)}/resources", "Thank you for sharing."),
        page=partial(_library, request, db, ctx),
        values=values,
    )


@router.post(PREFIX + "/{resource_id}/vote", response_class=HTMLResponse)
def vote(request: Request, db: Db, ctx: Community, resource_id: uuid.UUID) -> Response:
    """Upvote a resource, or take the upvote back."""
    added = resources.toggle_vote(db, ctx, resource_id)
    message = "Upvoted." if added else "Upvote taken back."
    return redirect(request, f"{base_url(ctx)}/resources#resource-{resource_id}", message)


@router.get("/orgs/{slug}/communities/{community}/exemplars", response_class=HTMLResponse)
def exemplar_gallery(request: Request, db: Db, ctx: Community) -> Response:
    """Evidence that members shared, with consent, from their earned micro-credentials."""
    rows = exemplars.gallery(db, ctx)
    return render(
        request, "communities/exemplars.html", ctx=ctx, community=ctx.community,
        exemplars=rows, withdrawable=exemplars.withdrawable(ctx, rows), base=base_url(ctx),
    )  # fmt: skip


@router.post(
    "/orgs/{slug}/communities/{community}/exemplars/{exemplar_id}/withdraw",
    response_class=HTMLResponse,
)
def withdraw_exemplar(
    request: Request, db: Db, settings: AppSettings, ctx: Community, exemplar_id: uuid.UUID
) -> Response:
    """Withdraw one's own exemplar (its copied files are deleted)."""
    exemplars.withdraw(db, settings, ctx, exemplar_id)
    return redirect(request, f"{base_url(ctx)}/exemplars", "Your exemplar is withdrawn.")


@router.get("/files/{attachment_id}")
def download(
    db: Db, settings: AppSettings, user: CurrentUser, attachment_id: uuid.UUID
) -> Response:
    """An attached file, for people who may read where it is attached."""
    attachment, stream = attachments.open_for(db, settings, user, attachment_id)
    return stored_file(attachment.filename, attachment.content_type, stream)
