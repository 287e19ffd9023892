"""Pages for organization admins: the sections and activities of a draft module.

Included before ``authoring``: its ``POST …/modules/{module_id}/{action}`` would otherwise take
``…/sections`` and ``…/activities``.
"""

from __future__ import annotations

import uuid
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from app.models import ActivityKind
from app.routers.learning.authoring import chosen_kind, edit_page
from app.services.learning import authoring, evidence_tasks, module_io
from app.services.learning.module_document import questions_from_text, questions_to_text
from app.web import forms
from app.web.access import Admin, Db, verify_csrf
from app.web.common import Text, TransactionalRoute, form_uuid, redirect, render

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
        page=partial(edit_page, request, db, ctx, module_id),
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
        page=partial(edit_page, request, db, ctx, module_id),
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
            db, ctx.user, module, form_uuid(section_id, "section_id", "Choose a section."), fields
        ),
        done=lambda _: redirect(
            request, f"/orgs/{ctx.org.slug}/modules/{module_id}/edit#content", "Activity added."
        ),
        page=partial(
            edit_page,
            request,
            db,
            ctx,
            module_id,
            activity_values={**values, "section_id": section_id},
            new_kind=values["kind"],
        ),
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
    choices = evidence_tasks.choices(db, ctx.org.id)
    stored = activity.evidence_target
    kept = stored if stored and stored not in {str(d.family_id) for d in choices} else None
    return render(
        request,
        "learning/authoring/activity.html",
        status,
        org=ctx.org,
        module=module,
        activity=activity,
        values=values,
        kinds=list(ActivityKind),
        kind=chosen_kind(request.query_params.get("kind"))
        or chosen_kind(values.get("kind"))
        or activity.kind.value,
        evidence_choices=choices,
        kept_target=kept,
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
        lambda: authoring.update_activity(
            db, ctx.user, module, activity_id, _activity_input(values)
        ),
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
        page=partial(edit_page, request, db, ctx, module_id),
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
        page=partial(edit_page, request, db, ctx, module_id),
        errors=forms.whole_form,
    )


@router.post("/orgs/{slug}/modules/{module_id}/prerequisites", response_class=HTMLResponse)
def add_prerequisite(
    request: Request, db: Db, ctx: Admin, module_id: uuid.UUID, prerequisite: Text = ""
) -> Response:
    """Require another module of the organization before enrolling in a draft."""
    module = authoring.get_for_author(db, ctx.user, ctx.org, module_id)
    return forms.submit(
        lambda: authoring.add_prerequisite(
            db,
            ctx.user,
            module,
            form_uuid(prerequisite, "prerequisite", "Choose one of this organization's modules."),
        ),
        done=lambda required: redirect(
            request,
            f"/orgs/{ctx.org.slug}/modules/{module_id}/edit#prerequisites",
            f"“{required.title}” is now a prerequisite.",
        ),
        page=partial(edit_page, request, db, ctx, module_id),
    )


@router.post(
    "/orgs/{slug}/modules/{module_id}/prerequisites/{family_id}/remove",
    response_class=HTMLResponse,
)
def remove_prerequisite(
    request: Request, db: Db, ctx: Admin, module_id: uuid.UUID, family_id: uuid.UUID
) -> Response:
    """Stop requiring a module before enrolling in a draft."""
    module = authoring.get_for_author(db, ctx.user, ctx.org, module_id)
    return forms.submit(
        lambda: authoring.remove_prerequisite(ctx.user, module, family_id),
        done=lambda _: redirect(
            request,
            f"/orgs/{ctx.org.slug}/modules/{module_id}/edit#prerequisites",
            "Prerequisite removed.",
        ),
        page=partial(edit_page, request, db, ctx, module_id),
        errors=forms.whole_form,
    )
