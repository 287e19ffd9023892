"""Pages for organization admins: the organization's pathways and a form to create one."""

from __future__ import annotations

import uuid
from typing import Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from app.errors import AppError
from app.services.learning import authoring, pathways
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
    try:
        chosen = sorted((int(v), uuid.UUID(k)) for k, v in positions.items() if v)
        pathways.author_pathway(
            db,
            ctx.user,
            ctx.org.id,
            title=title,
            summary=summary,
            family_ids=[f for _, f in chosen],
        )
    except ValueError:
        return _pathways_page(
            request,
            db,
            ctx,
            422,
            errors={"modules": "Positions must be whole numbers."},
            values={"title": title, "summary": summary, **positions},
        )
    except AppError as exc:
        return _pathways_page(
            request,
            db,
            ctx,
            exc.status_code,
            errors=exc.form_errors(),
            values={"title": title, "summary": summary, **positions},
        )
    return redirect(
        request, f"/orgs/{ctx.org.slug}/pathways", f"Pathway “{title.strip()}” created."
    )
