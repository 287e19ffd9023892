"""Pages for organization admins: the organization's pathways and a form to create one."""

from __future__ import annotations

import uuid
from functools import partial
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from app.errors import Invalid
from app.services.learning import authoring, pathways
from app.web import forms
from app.web.access import Admin, Db, verify_csrf
from app.web.common import TransactionalRoute, redirect, render

router = APIRouter(route_class=TransactionalRoute, dependencies=[Depends(verify_csrf)])


def _pathways_page(
    request: Request, db: Db, ctx: Admin, status: int = 200, **extra: Any
) -> Response:
    return render(
        request,
        "learning/authoring/pathways.html",
        status,
        org=ctx.org,
        pathway_views=pathways.list_for(db, ctx.user, ctx.org.id),
        modules=authoring.published_for_author(db, ctx.user, ctx.org),
        **extra,
    )


@router.get("/orgs/{slug}/pathways", response_class=HTMLResponse)
def pathway_list(request: Request, db: Db, ctx: Admin) -> Response:
    """The organization's pathways, and a form to create one."""
    return _pathways_page(request, db, ctx)


@router.post("/orgs/{slug}/pathways", response_class=HTMLResponse)
async def create_pathway(request: Request, db: Db, ctx: Admin) -> Response:
    """Create a pathway from modules given positions."""
    form = await request.form()
    title, summary = str(form.get("title", "")), str(form.get("summary", ""))
    positions = {k[4:]: str(v).strip() for k, v in form.items() if k.startswith("pos-")}
    return forms.submit(
        lambda: pathways.author_pathway(
            db, ctx.user, ctx.org.id, title=title, summary=summary, family_ids=_order(positions)
        ),
        done=lambda _: redirect(
            request, f"/orgs/{ctx.org.slug}/pathways", f"Pathway “{title.strip()}” created."
        ),
        page=partial(_pathways_page, request, db, ctx),
        values={"title": title, "summary": summary, **positions},
    )


def _order(positions: dict[str, str]) -> list[uuid.UUID]:
    """The module families given a position (``pos-<family id>``), by position."""
    try:
        chosen = sorted((int(v), uuid.UUID(k)) for k, v in positions.items() if v)
    except ValueError:
        raise Invalid("Positions must be whole numbers.", field="modules") from None
    return [f for _, f in chosen]
