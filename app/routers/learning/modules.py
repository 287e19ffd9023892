"""Pages: the module catalog, a module, its activities, enrollment, quizzes and the survey."""

from __future__ import annotations

import uuid
from decimal import Decimal, InvalidOperation
from functools import partial

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from app.kit.markdown import render_markdown
from app.models import Activity, ActivityKind, QuizAttempt
from app.services.communities import membership as communities
from app.services.learning import catalog, certificates, enrollment, evidence_tasks, learner
from app.services.review import evidence as review_evidence
from app.web import forms
from app.web.access import AppSettings, CurrentUser, Db, verify_csrf
from app.web.common import Text, TransactionalRoute, file_download, redirect, render

router = APIRouter(route_class=TransactionalRoute, dependencies=[Depends(verify_csrf)])


def _hours(value: str) -> Decimal | None:
    """A minimum of PD hours from 0 to 1000 (as the API allows); None for anything else."""
    try:
        hours = Decimal(value[:20]) if value else None
    except InvalidOperation:
        return None
    return hours if hours is not None and hours.is_finite() and 0 <= hours <= 1000 else None


@router.get("/modules", response_class=HTMLResponse)
def catalog_page(
    request: Request,
    db: Db,
    user: CurrentUser,
    q: str = "",
    subject: str = "",
    grade_band: str = "",
    standard: str = "",
    length: str = "",
    format: str = "",
    language: str = "",
    min_hours: str = "",
    sort: str = "relevance",
    page: int = 1,
) -> Response:
    """Browse and search the published modules of the teacher's organizations."""
    query = catalog.CatalogQuery(
        q=q[:200],
        subject=subject,
        grade_band=grade_band,
        standard=standard,
        length=length,
        format=format,
        language=language,
        min_hours=_hours(min_hours),
        sort=sort if sort in catalog.SORTS else "relevance",
        page=page,
    )
    result = catalog.search(db, user, query)
    params = {k: v for k, v in request.query_params.items() if k != "page" and v}
    return render(
        request,
        "learning/modules/catalog.html",
        result=result,
        query=query,
        min_hours=min_hours,
        params=params,
        sorts=catalog.SORTS,
    )


def _module_page(
    request: Request,
    db: Db,
    user: CurrentUser,
    module_id: uuid.UUID,
    status: int = 200,
    **extra: object,
) -> Response:
    view = learner.learner_view(db, user, module_id)
    return render(
        request,
        "learning/modules/detail.html",
        status,
        view=view,
        module=view.module,
        preview=request.query_params.get("preview") == "1" and view.can_author,
        attached_communities=communities.attached_to(db, "module", str(view.module.family_id)),
        prerequisites=learner.prerequisites_for(db, user, view.module),
        certificate=certificates.available(db, view),
        **extra,
    )


@router.get("/modules/{module_id}", response_class=HTMLResponse)
def module_page(request: Request, db: Db, user: CurrentUser, module_id: uuid.UUID) -> Response:
    """A module: what it covers, sections and activities, and the teacher's progress."""
    return _module_page(request, db, user, module_id)


@router.post("/modules/{module_id}/enroll", response_class=HTMLResponse)
def enroll(request: Request, db: Db, user: CurrentUser, module_id: uuid.UUID) -> Response:
    """Enroll in the module."""
    return forms.submit(
        lambda: enrollment.enroll(db, user, module_id),
        done=lambda _: redirect(
            request, f"/modules/{module_id}", "You are enrolled. Start whenever you are ready."
        ),
        page=partial(_module_page, request, db, user, module_id),
        errors=forms.whole_form,
    )


@router.post("/modules/{module_id}/unenroll", response_class=HTMLResponse)
def unenroll(request: Request, db: Db, user: CurrentUser, module_id: uuid.UUID) -> Response:
    """Leave the module."""
    return forms.submit(
        lambda: enrollment.unenroll(db, user, module_id),
        done=lambda _: redirect(
            request,
            f"/modules/{module_id}",
            "You left the module. Your progress is kept if you come back.",
        ),
        page=partial(_module_page, request, db, user, module_id),
        errors=forms.whole_form,
    )


@router.post("/modules/{module_id}/move-to-latest", response_class=HTMLResponse)
def move_to_latest(request: Request, db: Db, user: CurrentUser, module_id: uuid.UUID) -> Response:
    """Move an enrollment to the newest version of the module."""
    view = learner.learner_view(db, user, module_id)
    return forms.submit(
        lambda: enrollment.move_to_latest(db, view),
        done=lambda newer: redirect(
            request, f"/modules/{newer.id}", f"You moved to version {newer.version}."
        ),
        page=partial(_module_page, request, db, user, module_id),
        errors=forms.whole_form,
    )


#: Where a teacher stands with a micro-credential's evidence, as the evidence task says it.
STANDING = {
    None: "Not started",
    "draft": "Draft (not submitted yet)",
    "submitted": "Submitted, waiting for a coach's review",
    "not_yet": "Not yet: a coach returned it with feedback",
    "earned": "Earned",
}


def _evidence_task(
    db: Db, user: CurrentUser, view: learner.Learner, activity: Activity
) -> tuple[evidence_tasks.EvidenceTarget | None, str | None]:
    """The micro-credential an evidence task leads to and where the teacher stands with it.

    The standing comes from the review feature (its submissions); the learning routes may read
    it (see the import contract in pyproject.toml), the learning services may not.
    """
    target = evidence_tasks.resolve(db, view.module, activity.evidence_target)
    if target is None or not target.linked or target.definition is None:
        return target, None
    submission = review_evidence.current_for(db, user, target.definition)
    return target, STANDING[submission.status.value if submission else None]


def _activity_page(
    request: Request,
    db: Db,
    user: CurrentUser,
    view: learner.Learner,
    activity_id: uuid.UUID,
    status: int = 200,
    **extra: object,
) -> Response:
    activity = enrollment.open_activity(view, activity_id)
    activities = view.module.activities
    index = activities.index(activity)
    progress = view.progress.get(activity.id)
    attempts = view.attempts.get(activity.id, [])
    target, standing = (
        _evidence_task(db, user, view, activity)
        if activity.kind == ActivityKind.EVIDENCE
        else (None, None)
    )
    last = attempts[-1] if attempts else None
    return render(
        request,
        "learning/modules/activity.html",
        status,
        view=view,
        module=view.module,
        activity=activity,
        body_html=render_markdown(activity.body, "module"),
        previous=activities[index - 1] if index > 0 else None,
        following=activities[index + 1] if index + 1 < len(activities) else None,
        response_text=progress.response_text if progress else "",
        attempts=attempts,
        missed=learner.missed_questions(activity, last) if last and not last.passed else [],
        target=target,
        standing=standing,
        **extra,
    )


@router.get("/modules/{module_id}/activities/{activity_id}", response_class=HTMLResponse)
def activity_page(
    request: Request, db: Db, user: CurrentUser, module_id: uuid.UUID, activity_id: uuid.UUID
) -> Response:
    """One activity (remembered as where to continue)."""
    view = learner.learner_view(db, user, module_id)
    return _activity_page(request, db, user, view, activity_id)


def _after(view: learner.Learner, activity_id: uuid.UUID) -> str:
    base = f"/modules/{view.module.id}"
    if view.enrollment is not None and view.enrollment.completed_at is not None:
        return base + "#complete"
    return f"{base}/activities/{activity_id}"


@router.post("/modules/{module_id}/activities/{activity_id}/done", response_class=HTMLResponse)
def mark_done(
    request: Request,
    db: Db,
    settings: AppSettings,
    user: CurrentUser,
    module_id: uuid.UUID,
    activity_id: uuid.UUID,
) -> Response:
    """Mark a reading, video or resource as done and go on to the next activity."""
    view = learner.learner_view(db, user, module_id)
    return forms.submit(
        lambda: enrollment.mark_done(db, settings, view, activity_id),
        done=lambda activity: _went_on(request, view, module_id, activity),
        page=partial(_activity_page, request, db, user, view, activity_id),
        errors=forms.whole_form,
    )


def _went_on(
    request: Request, view: learner.Learner, module_id: uuid.UUID, activity: Activity
) -> Response:
    """On to the next activity once one is done (or to the module, complete)."""
    following = view.next_activity
    if view.enrollment and view.enrollment.completed_at:
        return redirect(request, f"/modules/{module_id}#complete", "Module complete. Well done!")
    target = (
        f"/modules/{module_id}/activities/{following.id}" if following else f"/modules/{module_id}"
    )
    return redirect(request, target, f"“{activity.title}” is done.")


@router.post(
    "/modules/{module_id}/activities/{activity_id}/reflection", response_class=HTMLResponse
)
def save_reflection(
    request: Request,
    db: Db,
    settings: AppSettings,
    user: CurrentUser,
    module_id: uuid.UUID,
    activity_id: uuid.UUID,
    response: Text = "",
) -> Response:
    """Save a reflection (the Save button, or autosave from app/static/js/autosave.js)."""
    view = learner.learner_view(db, user, module_id)
    autosave = request.headers.get("x-autosave") == "1"
    return forms.submit(
        lambda: enrollment.save_reflection(db, settings, view, activity_id, response),
        done=lambda _: (
            Response(status_code=204)
            if autosave
            else redirect(request, _after(view, activity_id), "Your reflection is saved.")
        ),
        page=forms.plain_text
        if autosave
        else partial(_activity_page, request, db, user, view, activity_id),
    )


@router.post("/modules/{module_id}/activities/{activity_id}/quiz", response_class=HTMLResponse)
async def submit_quiz(
    request: Request,
    db: Db,
    settings: AppSettings,
    user: CurrentUser,
    module_id: uuid.UUID,
    activity_id: uuid.UUID,
) -> Response:
    """Grade a quiz attempt."""
    form = await request.form()
    answers: dict[str, list[str]] = {}
    for key in form:
        if key.startswith("q-"):
            answers[key[2:]] = [str(v) for v in form.getlist(key)]
    view = learner.learner_view(db, user, module_id)
    try:
        attempt_no = int(str(form.get("attempt", "")))
    except ValueError:
        attempt_no = 0
    return forms.submit(
        lambda: enrollment.submit_quiz(db, settings, view, activity_id, attempt_no, answers),
        done=lambda attempt: _scored(request, view, activity_id, attempt),
        page=partial(_activity_page, request, db, user, view, activity_id),
    )


def _scored(
    request: Request, view: learner.Learner, activity_id: uuid.UUID, attempt: QuizAttempt
) -> Response:
    target = _after(view, activity_id)
    if attempt.passed and target.endswith("#complete"):
        message = f"You passed with {attempt.score}% and completed the module."
    elif attempt.passed:
        message = f"You passed with {attempt.score}%. The answers are shown below."
    else:
        needed = view_pass_mark(view, activity_id)
        message = (
            f"You scored {attempt.score}%; you need {needed}%. "
            "The questions to look at again are listed below; then try again."
        )
    return redirect(request, target, message)


def view_pass_mark(view: learner.Learner, activity_id: uuid.UUID) -> int:
    """The pass mark of a quiz in the view."""
    return enrollment.activity_of(view, activity_id).pass_mark or 100


@router.post("/modules/{module_id}/feedback", response_class=HTMLResponse)
def feedback(
    request: Request,
    db: Db,
    user: CurrentUser,
    module_id: uuid.UUID,
    rating: Text = "",
    comment: Text = "",
) -> Response:
    """Save the end-of-module survey."""
    view = learner.learner_view(db, user, module_id)
    try:
        value = int(rating) if rating else None
    except ValueError:
        value = 0
    return forms.submit(
        lambda: enrollment.save_feedback(db, view, value, comment),
        done=lambda _: redirect(request, "/learning", "Thank you for your feedback."),
        page=partial(_module_page, request, db, user, module_id),
    )


@router.get("/modules/{module_id}/certificate")
def certificate(db: Db, user: CurrentUser, module_id: uuid.UUID) -> Response:
    """The signed-in teacher's certificate of completion (PDF) for an hours-only module she
    completed; 404 for anyone else and for modules that earn a credential."""
    cert = certificates.for_teacher(db, user, module_id)
    name = f"laurel-certificate-{cert.completed_on.isoformat()}-{module_id}.pdf"
    return file_download(certificates.to_pdf(cert), "application/pdf", name)
