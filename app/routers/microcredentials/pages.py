"""Pages: authoring micro-credentials (admins), the teachers' catalog and detail pages, and the
public Achievement (JSON-LD) and image."""

from __future__ import annotations

import uuid
from functools import partial
from typing import Any

from anyio import to_thread
from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.datastructures import FormData, UploadFile

from app.kit import links, markdown
from app.kit.storage.uploads import Upload
from app.models import DefinitionStatus, MicroCredential, User
from app.routers.microcredentials import form as editor
from app.services.communities import membership as communities
from app.services.credentials import awards
from app.services.microcredentials import definition_fields, definition_images, rubrics
from app.services.microcredentials import definitions as microcredentials
from app.services.microcredentials.permissions import can_author_microcredentials
from app.services.orgs.permissions import is_member
from app.web import forms
from app.web.access import (
    Admin,
    AppSettings,
    CurrentUser,
    Db,
    MaybeUser,
    OrgContext,
    public,
    verify_csrf,
)
from app.web.common import TransactionalRoute, redirect, render, wants_json

router = APIRouter(route_class=TransactionalRoute, dependencies=[Depends(verify_csrf)])
JSON_TYPES = ("application/ld+json", "application/json")


# ---------------------------------------------------------------- admin: list and editor


@router.get("/orgs/{slug}/micro-credentials", response_class=HTMLResponse)
def admin_list(request: Request, db: Db, ctx: Admin) -> Response:
    """The organization's micro-credentials (current version of each)."""
    return render(
        request,
        "microcredentials/admin_list.html",
        org=ctx.org,
        items=microcredentials.list_for_admin(db, ctx.user, ctx.org),
        unsigned=len(awards.unsigned_for_organization(db, ctx.org)),
    )


def _editor(
    request: Request,
    db: Db,
    ctx: OrgContext,
    form: editor.RubricForm,
    definition: MicroCredential | None = None,
    status: int = 200,
    errors: dict[str, str] | None = None,
) -> Response:
    modules, paths = microcredentials.link_choices(db, ctx.user, ctx.org)
    return render(
        request,
        "microcredentials/edit.html",
        status,
        org=ctx.org,
        form=form,
        definition=definition,
        versions=microcredentials.history(db, definition) if definition else [],
        frozen=microcredentials.is_frozen(db, definition) if definition else False,
        modules=modules,
        pathways=paths,
        achievement_types=definition_fields.ACHIEVEMENT_TYPES,
        errors=errors or {},
    )


@router.get("/orgs/{slug}/micro-credentials/new", response_class=HTMLResponse)
def new_form(request: Request, db: Db, ctx: Admin) -> Response:
    """An empty editor: three criteria by four levels to start from."""
    return _editor(request, db, ctx, editor.blank())


async def _read_form(request: Request) -> tuple[FormData, Upload | None]:
    form = await request.form()
    upload = form.get("image")
    if isinstance(upload, UploadFile) and upload.filename:
        return form, Upload(upload.filename, upload.file)
    return form, None


def _plain(form: FormData) -> dict[str, Any]:
    data: dict[str, Any] = {k: v for k, v in form.items() if isinstance(v, str)}
    data["module_family_ids"] = [v for v in form.getlist("module_family_ids") if isinstance(v, str)]
    return data


@router.post("/orgs/{slug}/micro-credentials/new", response_class=HTMLResponse)
async def create(request: Request, db: Db, settings: AppSettings, ctx: Admin) -> Response:
    """Save a new draft, or add a criterion or level to the grid and show it again."""
    raw, upload = await _read_form(request)
    data = _plain(raw)
    action = str(data.get("action", "save"))
    form = editor.from_submitted(data, action)
    if action != "save":
        return await to_thread.run_sync(lambda: _editor(request, db, ctx, form))

    def save() -> Response:
        return forms.submit(
            lambda: microcredentials.create(
                db, settings, ctx.user, ctx.org, editor.to_fields(form), upload
            ),
            done=lambda definition: redirect(
                request,
                f"/orgs/{ctx.org.slug}/micro-credentials/{definition.id}/edit",
                f"Draft “{definition.name}” saved. Publish it when it is ready for teachers.",
            ),
            page=partial(_editor, request, db, ctx, form, None),
        )

    return await to_thread.run_sync(save)


def _saved_editor(
    request: Request,
    db: Db,
    ctx: OrgContext,
    definition: MicroCredential,
    status: int = 200,
    errors: dict[str, str] | None = None,
) -> Response:
    """The editor showing the version as it is saved."""
    form = editor.from_definition(definition)
    return _editor(request, db, ctx, form, definition, status, errors)


@router.get("/orgs/{slug}/micro-credentials/{definition_id}/edit", response_class=HTMLResponse)
def edit_form(request: Request, db: Db, ctx: Admin, definition_id: uuid.UUID) -> Response:
    """The editor for one version, with its version history."""
    definition = microcredentials.get_for_admin(db, ctx.user, ctx.org, definition_id)
    return _saved_editor(request, db, ctx, definition)


@router.post("/orgs/{slug}/micro-credentials/{definition_id}/edit", response_class=HTMLResponse)
async def update(
    request: Request, db: Db, settings: AppSettings, ctx: Admin, definition_id: uuid.UUID
) -> Response:
    """Save changes (as a new version if anyone has submitted evidence or been awarded)."""
    raw, upload = await _read_form(request)
    data = _plain(raw)
    action = str(data.get("action", "save"))
    form = editor.from_submitted(data, action)

    def save() -> Response:
        definition = microcredentials.get_for_admin(db, ctx.user, ctx.org, definition_id)
        if action != "save":
            return _editor(request, db, ctx, form, definition)
        return forms.submit(
            lambda: microcredentials.update(
                db,
                settings,
                ctx.user,
                definition,
                editor.to_fields(form),
                upload,
                remove_image=bool(data.get("remove_image")),
            ),
            done=lambda saved: _saved(request, ctx, definition.version, saved),
            page=partial(_editor, request, db, ctx, form, definition),
        )

    return await to_thread.run_sync(save)


def _saved(
    request: Request, ctx: OrgContext, version: int, saved: microcredentials.Saved
) -> Response:
    message = (
        f"Saved as version {saved.definition.version}: people already submitted evidence "
        f"for (or earned) version {version}, which stays as it was."
        if saved.new_version
        else "Changes saved."
    )
    return redirect(
        request, f"/orgs/{ctx.org.slug}/micro-credentials/{saved.definition.id}/edit", message
    )


@router.post("/orgs/{slug}/micro-credentials/{definition_id}/publish", response_class=HTMLResponse)
def publish(request: Request, db: Db, ctx: Admin, definition_id: uuid.UUID) -> Response:
    """Offer the micro-credential to the organization's teachers."""
    definition = microcredentials.get_for_admin(db, ctx.user, ctx.org, definition_id)
    return forms.submit(
        lambda: microcredentials.publish(db, ctx.user, definition),
        done=lambda _: redirect(
            request,
            f"/orgs/{ctx.org.slug}/micro-credentials/{definition.id}/edit",
            f"“{definition.name}” is published; teachers can find it in the catalog.",
        ),
        page=partial(_saved_editor, request, db, ctx, definition),
    )


@router.post("/orgs/{slug}/micro-credentials/{definition_id}/archive", response_class=HTMLResponse)
def archive(request: Request, db: Db, ctx: Admin, definition_id: uuid.UUID) -> Response:
    """Stop offering the micro-credential; credentials already issued stay valid."""
    definition = microcredentials.get_for_admin(db, ctx.user, ctx.org, definition_id)
    return forms.submit(
        lambda: microcredentials.archive(db, ctx.user, definition),
        done=lambda _: redirect(
            request,
            f"/orgs/{ctx.org.slug}/micro-credentials",
            f"“{definition.name}” is archived. Credentials already issued stay valid.",
        ),
        page=partial(_saved_editor, request, db, ctx, definition),
    )


# ---------------------------------------------------------------- catalog and public pages


@router.get("/micro-credentials", response_class=HTMLResponse)
def catalog(request: Request, db: Db, user: CurrentUser) -> Response:
    """Micro-credentials the teacher's organizations offer."""
    items = microcredentials.catalog(db, user)
    return render(request, "microcredentials/catalog.html", items=items)


@router.get(
    links.MICROCREDENTIAL.path,
    name=links.MICROCREDENTIAL.name,
    dependencies=[Depends(public)],
    response_model=None,
)
def detail(
    request: Request, db: Db, settings: AppSettings, user: MaybeUser, definition_id: uuid.UUID
) -> Response:
    """The micro-credential's page, or its OB 3.0 Achievement for JSON clients."""
    if wants_json(request, JSON_TYPES):
        definition = microcredentials.get_public(db, definition_id)
        return JSONResponse(
            awards.achievement_document(settings, definition), media_type="application/ld+json"
        )
    definition = microcredentials.get_visible(db, user, definition_id)
    return render(request, "microcredentials/detail.html", **_detail_context(db, user, definition))


def _detail_context(db: Db, user: User | None, definition: MicroCredential) -> dict[str, Any]:
    member = user is not None and is_member(user, definition.organization_id)
    return {
        "definition": definition,
        "description_html": markdown.render_markdown(definition.description, "post"),
        "criteria_html": markdown.render_markdown(definition.criteria, "post"),
        "rule": rubrics.describe_rule(
            definition.rubric, definition.pass_rule, definition.pass_value
        )
        if definition.rubric
        else "",
        "levels": _level_headings(definition),
        "modules": microcredentials.linked_modules(db, definition),
        "attached_communities": communities.attached_to(
            db, "micro_credential", str(definition.family_id)
        )
        if member
        else [],
        "pathway": microcredentials.pathway_of(db, definition),
        "is_member": member,
        "can_author": user is not None
        and can_author_microcredentials(user, definition.organization_id),
        "can_start_evidence": member
        and definition.status == DefinitionStatus.PUBLISHED
        and definition.is_current
        and definition.award_rule.value == "review",
    }


def _level_headings(definition: MicroCredential) -> list[dict[str, Any]]:
    if not definition.rubric:
        return []
    return sorted(definition.rubric[0]["levels"], key=lambda lv: lv["level"])


@router.get(
    links.MICROCREDENTIAL_IMAGE.path,
    name=links.MICROCREDENTIAL_IMAGE.name,
    dependencies=[Depends(public)],
    response_model=None,
)
def image(db: Db, settings: AppSettings, user: MaybeUser, definition_id: uuid.UUID) -> Response:
    """The micro-credential's image (uploaded, or the generated default as SVG).

    Public once published; administrators also see their drafts' images.
    """
    definition = microcredentials.get_visible(db, user, definition_id)
    data, media_type = definition_images.image(settings, definition)
    return Response(
        data,
        media_type=media_type,
        headers={
            "Cache-Control": "private, no-store"
            if definition.status == DefinitionStatus.DRAFT
            else "public, max-age=3600",
            "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
            "X-Content-Type-Options": "nosniff",
        },
    )
