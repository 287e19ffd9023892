"""Pages for organization admins: author modules, version, publish, import and export."""

from __future__ import annotations

import json
import uuid
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request, UploadFile
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from app.errors import Invalid
from app.models import ActivityKind, Module, Standard
from app.services.learning import authoring, module_io, pathways
from app.services.learning.module_document import (
    MAX_DOCUMENT_BYTES,
    ModuleDoc,
    parse_document,
    questions_from_text,
    questions_to_text,
)
from app.web import forms
from app.web.access import Admin, Db, verify_csrf
from app.web.common import Text, TransactionalRoute, file_download, form_uuid, redirect, render

router = APIRouter(route_class=TransactionalRoute, dependencies=[Depends(verify_csrf)])


def activity_values(
    kind: Text = "",
    title: Text = "",
    required: Text = "",
    body: Text = "",
    url: Text = "",
    transcript_url: Text = "",
    pass_mark: Text = "",
    evidence_target: Text = "",
    questions: Text = "",
) -> dict[str, Any]:
    """The activity form's fields, as submitted (checked by the service)."""
    return {
        "kind": kind,
        "title": title,
        "required": bool(required),
        "body": body,
        "url": url,
        "transcript_url": transcript_url,
        "pass_mark": pass_mark,
        "evidence_target": evidence_target,
        "questions": questions,
    }


ActivityValues = Annotated[dict[str, Any], Depends(activity_values)]
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


def _edit_page(
    request: Request, db: Db, ctx: Admin, module_id: uuid.UUID, status: int = 200, **extra: Any
) -> Response:
    module = authoring.get_for_author(db, ctx.user, ctx.org, module_id)
    values = extra.pop("values", None) or {name: getattr(module, name) or "" for name in METADATA}
    if "format" in values and hasattr(values["format"], "value"):
        values["format"] = values["format"].value
    values.setdefault("tags", ", ".join(module.tags))
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
        **extra,
    )


@router.get("/orgs/{slug}/modules/{module_id}/edit", response_class=HTMLResponse)
def edit_module(request: Request, db: Db, ctx: Admin, module_id: uuid.UUID) -> Response:
    """Edit a module's details and content."""
    return _edit_page(request, db, ctx, module_id)


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
        page=partial(_edit_page, request, db, ctx, module_id),
        values=values,
    )


@router.post("/orgs/{slug}/modules/{module_id}/sections", response_class=HTMLResponse)
def add_section(
    request: Request, db: Db, ctx: Admin, module_id: uuid.UUID, section_title: Text = ""
) -> Response:
    """Add a section to a draft."""
    module = authoring.get_for_author(db, ctx.user, ctx.org, module_id)
    return forms.submit(
        lambda: authoring.add_section(ctx.user, module, section_title),
        done=lambda _: redirect(
            request, f"/orgs/{ctx.org.slug}/modules/{module_id}/edit#content", "Section added."
        ),
        page=partial(_edit_page, request, db, ctx, module_id),
    )


@router.post(
    "/orgs/{slug}/modules/{module_id}/sections/{section_id}/rename", response_class=HTMLResponse
)
def rename_section(
    request: Request,
    db: Db,
    ctx: Admin,
    module_id: uuid.UUID,
    section_id: uuid.UUID,
    title: Text = "",
) -> Response:
    """Rename a section of a draft."""
    module = authoring.get_for_author(db, ctx.user, ctx.org, module_id)
    return forms.submit(
        lambda: authoring.rename_section(ctx.user, module, section_id, title),
        done=lambda _: redirect(
            request,
            f"/orgs/{ctx.org.slug}/modules/{module_id}/edit#s-{section_id}",
            "Section renamed.",
        ),
        page=partial(_edit_page, request, db, ctx, module_id),
    )


@router.post("/orgs/{slug}/modules/{module_id}/activities", response_class=HTMLResponse)
def add_activity(
    request: Request,
    db: Db,
    ctx: Admin,
    module_id: uuid.UUID,
    values: ActivityValues,
    section_id: Text = "",
) -> Response:
    """Add an activity to a section of a draft."""
    module = authoring.get_for_author(db, ctx.user, ctx.org, module_id)
    fields = _activity_input(values)
    return forms.submit(
        lambda: authoring.add_activity(
            ctx.user, module, form_uuid(section_id, "section_id", "Choose a section."), fields
        ),
        done=lambda _: redirect(
            request, f"/orgs/{ctx.org.slug}/modules/{module_id}/edit#content", "Activity added."
        ),
        page=partial(_edit_page, request, db, ctx, module_id),
        errors=forms.prefixed("activity_"),
    )


def _activity_page(
    request: Request,
    db: Db,
    ctx: Admin,
    module_id: uuid.UUID,
    activity_id: uuid.UUID,
    status: int = 200,
    **extra: Any,
) -> Response:
    module = authoring.get_for_author(db, ctx.user, ctx.org, module_id)
    activity = module_io.find_activity(module, activity_id)
    values = extra.pop("values", None) or authoring.activity_fields(activity)
    if isinstance(values.get("questions"), list):
        values["questions"] = questions_to_text(values["questions"])
    return render(
        request,
        "learning/authoring/activity.html",
        status,
        org=ctx.org,
        module=module,
        activity=activity,
        values=values,
        kinds=list(ActivityKind),
        **extra,
    )


@router.get(
    "/orgs/{slug}/modules/{module_id}/activities/{activity_id}/edit", response_class=HTMLResponse
)
def edit_activity(
    request: Request, db: Db, ctx: Admin, module_id: uuid.UUID, activity_id: uuid.UUID
) -> Response:
    """Edit one activity of a draft."""
    return _activity_page(request, db, ctx, module_id, activity_id)


@router.post(
    "/orgs/{slug}/modules/{module_id}/activities/{activity_id}/edit", response_class=HTMLResponse
)
def save_activity(
    request: Request,
    db: Db,
    ctx: Admin,
    module_id: uuid.UUID,
    activity_id: uuid.UUID,
    values: ActivityValues,
) -> Response:
    """Save an activity of a draft."""
    module = authoring.get_for_author(db, ctx.user, ctx.org, module_id)
    return forms.submit(
        lambda: authoring.update_activity(ctx.user, module, activity_id, _activity_input(values)),
        done=lambda _: redirect(
            request, f"/orgs/{ctx.org.slug}/modules/{module_id}/edit#content", "Activity saved."
        ),
        page=partial(_activity_page, request, db, ctx, module_id, activity_id),
        values=values,
        errors=forms.prefixed("activity_"),
    )


def _activity_input(values: dict[str, Any]) -> dict[str, Any]:
    """Form values as an activity document."""
    kind = values["kind"]
    return {
        **values,
        "url": values["url"] or None,
        "transcript_url": values["transcript_url"] or None,
        "pass_mark": values["pass_mark"] or None,
        "evidence_target": values["evidence_target"] or None,
        "questions": questions_from_text(values["questions"]) if kind == "quiz" else [],
    }


@router.post("/orgs/{slug}/modules/{module_id}/items/{item_id}/move", response_class=HTMLResponse)
def move_item(
    request: Request,
    db: Db,
    ctx: Admin,
    module_id: uuid.UUID,
    item_id: uuid.UUID,
    direction: Text = "",
) -> Response:
    """Move a section or activity up or down."""
    module = authoring.get_for_author(db, ctx.user, ctx.org, module_id)
    return forms.submit(
        lambda: authoring.move(ctx.user, module, item_id, -1 if direction == "up" else 1),
        done=lambda _: redirect(
            request, f"/orgs/{ctx.org.slug}/modules/{module_id}/edit#content", "Moved."
        ),
        page=partial(_edit_page, request, db, ctx, module_id),
        errors=forms.whole_form,
    )


@router.post("/orgs/{slug}/modules/{module_id}/items/{item_id}/remove", response_class=HTMLResponse)
def remove_item(
    request: Request, db: Db, ctx: Admin, module_id: uuid.UUID, item_id: uuid.UUID
) -> Response:
    """Delete a section or activity from a draft."""
    module = authoring.get_for_author(db, ctx.user, ctx.org, module_id)
    return forms.submit(
        lambda: authoring.remove(ctx.user, module, item_id),
        done=lambda _: redirect(
            request, f"/orgs/{ctx.org.slug}/modules/{module_id}/edit#content", "Removed."
        ),
        page=partial(_edit_page, request, db, ctx, module_id),
        errors=forms.whole_form,
    )


@router.post("/orgs/{slug}/modules/{module_id}/{action}", response_class=HTMLResponse)
def lifecycle(request: Request, db: Db, ctx: Admin, module_id: uuid.UUID, action: str) -> Response:
    """Publish, archive, or start a new version."""
    module = authoring.get_for_author(db, ctx.user, ctx.org, module_id)
    return forms.submit(
        lambda: _run_lifecycle(db, ctx, module, action),
        done=lambda moved: redirect(
            request, f"/orgs/{ctx.org.slug}/modules/{moved[0]}/edit", moved[1]
        ),
        page=partial(_edit_page, request, db, ctx, module_id),
        errors=forms.whole_form,
    )


def _run_lifecycle(db: Db, ctx: Admin, module: Module, action: str) -> tuple[uuid.UUID, str]:
    """The module to show next and what happened."""
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
            db, ctx.user, ctx.org.id, title=title, summary=summary, family_ids=_ordered(positions)
        ),
        done=lambda _: redirect(
            request, f"/orgs/{ctx.org.slug}/pathways", f"Pathway “{title.strip()}” created."
        ),
        page=partial(_pathways_page, request, db, ctx),
        values={"title": title, "summary": summary, **positions},
    )


def _ordered(positions: dict[str, str]) -> list[uuid.UUID]:
    """Module families in the order of the positions given them (blank ones left out)."""
    try:
        chosen = sorted((int(v), uuid.UUID(k)) for k, v in positions.items() if v)
    except ValueError as exc:
        raise Invalid("Positions must be whole numbers.", field="modules") from exc
    return [f for _, f in chosen]
