"""Pages for organization admins: author modules (details), version, publish, import and export.

Sections and activities are edited in ``module_content``, pathways in ``pathway_authoring``.
"""

from __future__ import annotations

import json
import uuid
from functools import partial
from typing import Any

from fastapi import APIRouter, Depends, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from app.errors import Invalid
from app.models import ActivityKind, Module, Standard
from app.services.learning import authoring, evidence_tasks, learner, module_io
from app.services.learning.module_document import (
    MAX_DOCUMENT_BYTES,
    ModuleDoc,
    parse_document,
)
from app.web import forms
from app.web.access import Admin, Db, verify_csrf
from app.web.common import Text, TransactionalRoute, file_download, redirect, render

router = APIRouter(route_class=TransactionalRoute, dependencies=[Depends(verify_csrf)])


METADATA = (
    "title",
    "summary",
    "cover_image_url",
    "grade_band",
    "subject",
    "language",
    "estimated_minutes",
    "pd_hours",
    "format",
    "starts_on",
    "ends_on",
    "capacity",
)


def _list_page(request: Request, db: Db, ctx: Admin, status: int = 200, **extra: Any) -> Response:
    return render(
        request,
        "learning/authoring/list.html",
        status,
        org=ctx.org,
        modules=authoring.list_for_author(db, ctx.user, ctx.org),
        **extra,
    )


@router.get("/orgs/{slug}/modules", response_class=HTMLResponse)
def module_list(request: Request, db: Db, ctx: Admin) -> Response:
    """The organization's modules (newest version of each)."""
    return _list_page(request, db, ctx)


@router.post("/orgs/{slug}/modules", response_class=HTMLResponse)
def create_module(request: Request, db: Db, ctx: Admin, title: Text = "") -> Response:
    """Start a new draft module."""
    try:
        doc = ModuleDoc.model_validate({"title": title})
    except ValueError:
        return _list_page(
            request,
            db,
            ctx,
            422,
            errors={"title": "Give the module a title of 3 to 200 characters."},
            values={"title": title},
        )
    module = module_io.import_module(db, ctx.org, ctx.user, doc)
    return redirect(request, f"/orgs/{ctx.org.slug}/modules/{module.id}/edit", "Draft created.")


@router.post("/orgs/{slug}/modules/import", response_class=HTMLResponse)
async def import_module(
    request: Request, db: Db, ctx: Admin, document: UploadFile | None = None
) -> Response:
    """Create a draft from an uploaded module document (JSON)."""
    raw = await document.read(MAX_DOCUMENT_BYTES + 1) if document else b""
    return forms.submit(
        lambda: module_io.import_module(db, ctx.org, ctx.user, _document(raw)),
        done=lambda module: redirect(
            request,
            f"/orgs/{ctx.org.slug}/modules/{module.id}/edit",
            f"Imported “{module.title}” as a draft.",
        ),
        page=partial(_list_page, request, db, ctx),
    )


def _document(raw: bytes) -> ModuleDoc:
    if not raw:
        raise Invalid("Choose a module document (a .json file) to import.", field="document")
    return parse_document(raw)


def edit_page(
    request: Request, db: Db, ctx: Admin, module_id: uuid.UUID, status: int = 200, **extra: Any
) -> Response:
    """A draft's editing page (details and content), with any errors and submitted values."""
    module = authoring.get_for_author(db, ctx.user, ctx.org, module_id)
    values = extra.pop("values", None) or {name: getattr(module, name) or "" for name in METADATA}
    if "format" in values and hasattr(values["format"], "value"):
        values["format"] = values["format"].value
    values.setdefault("tags", ", ".join(module.tags))
    new_kind = chosen_kind(extra.pop("new_kind", None) or request.query_params.get("kind"))
    required = learner.prerequisites_for(db, ctx.user, module)
    taken = {p.family_id for p in required}
    return render(
        request,
        "learning/authoring/edit.html",
        status,
        org=ctx.org,
        module=module,
        values=values,
        selected_standards={s.code for s in module.standards},
        standards=list(db.scalars(select(Standard).order_by(Standard.code))),
        kinds=list(ActivityKind),
        new_kind=new_kind,
        activity_values=extra.pop("activity_values", None) or {},
        evidence_choices=evidence_tasks.choices(db, ctx.org.id),
        prerequisites=required,
        prerequisite_choices=[
            m
            for m in authoring.prerequisite_choices(db, ctx.user, module)
            if m.family_id not in taken
        ],
        **extra,
    )


def chosen_kind(value: str | None) -> str | None:
    """An activity kind chosen in the editor (None for nothing or anything unknown)."""
    return value if value in {k.value for k in ActivityKind} else None


@router.get("/orgs/{slug}/modules/{module_id}/edit", response_class=HTMLResponse)
def edit_module(request: Request, db: Db, ctx: Admin, module_id: uuid.UUID) -> Response:
    """Edit a module's details and content."""
    return edit_page(request, db, ctx, module_id)


@router.post("/orgs/{slug}/modules/{module_id}/edit", response_class=HTMLResponse)
async def save_module(request: Request, db: Db, ctx: Admin, module_id: uuid.UUID) -> Response:
    """Save a draft's details."""
    form = await request.form()
    values = {name: str(form.get(name, "")).strip() for name in METADATA}
    values["tags"] = str(form.get("tags", ""))
    codes = [str(c) for c in form.getlist("standards")]
    fields: dict[str, Any] = {
        k: (v or None)
        for k, v in values.items()
        if k not in ("tags", "summary", "grade_band", "subject", "title")
    }
    fields.update(
        title=values["title"],
        summary=values["summary"],
        grade_band=values["grade_band"],
        subject=values["subject"],
    )
    fields["format"] = values["format"] or "self_paced"
    fields["language"] = values["language"] or "en"
    fields["tags"] = [t.strip() for t in values["tags"].split(",") if t.strip()]
    known = {s.code: s for s in db.scalars(select(Standard).where(Standard.code.in_(codes)))}
    fields["standards"] = [{"code": s.code, "name": s.name, "url": s.url} for s in known.values()]
    for name in ("estimated_minutes", "pd_hours"):
        if fields.get(name) is None:
            fields.pop(name)
    module = authoring.get_for_author(db, ctx.user, ctx.org, module_id)
    return forms.submit(
        lambda: authoring.update_metadata(db, ctx.user, module, fields),
        done=lambda _: redirect(
            request, f"/orgs/{ctx.org.slug}/modules/{module_id}/edit", "Details saved."
        ),
        page=partial(edit_page, request, db, ctx, module_id),
        values=values,
    )


@router.post("/orgs/{slug}/modules/{module_id}/{action}", response_class=HTMLResponse)
def lifecycle(request: Request, db: Db, ctx: Admin, module_id: uuid.UUID, action: str) -> Response:
    """Publish, archive, or start a new version."""
    module = authoring.get_for_author(db, ctx.user, ctx.org, module_id)
    return forms.submit(
        lambda: _change(db, ctx, module, action),
        done=lambda outcome: redirect(
            request, f"/orgs/{ctx.org.slug}/modules/{outcome[0]}/edit", outcome[1]
        ),
        page=partial(edit_page, request, db, ctx, module_id),
        errors=forms.whole_form,
    )


def _change(db: Db, ctx: Admin, module: Module, action: str) -> tuple[uuid.UUID, str]:
    """Do ``action`` to ``module``: the version to edit next and what happened."""
    if action == "publish":
        authoring.publish(db, ctx.user, module)
        return module.id, f"Version {module.version} is published."
    if action == "archive":
        authoring.archive(db, ctx.user, module)
        return module.id, "The module is archived."
    if action == "new-version":
        copy = authoring.new_version(db, ctx.user, module)
        return (
            copy.id,
            f"Version {copy.version} is a draft. Teachers keep seeing the published one.",
        )
    raise Invalid("Unknown action.")


@router.get("/orgs/{slug}/modules/{module_id}/export")
def export_module(db: Db, ctx: Admin, module_id: uuid.UUID) -> Response:
    """Download the module as one JSON document."""
    module = authoring.get_for_author(db, ctx.user, ctx.org, module_id)
    body = json.dumps(module_io.export_document(module), indent=2, ensure_ascii=False)
    name = f"module-{module.family_id}-v{module.version}.json"
    return file_download(body, "application/json", name)
