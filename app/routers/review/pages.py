"""Pages: the coaches' review queue and review page, and the administrators' review overview."""

from __future__ import annotations

import uuid
from functools import partial
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response
from starlette.datastructures import FormData

from app.db import utcnow
from app.errors import Invalid
from app.kit import links, numbers
from app.models import Decision, Submission, User
from app.routers.review.evidence import PostedForm, form_values
from app.services.microcredentials import rubrics
from app.services.review import (
    assignments,
    calibration,
    changes,
    decisions,
    evidence,
    figures,
    permissions,
    queue,
    scoring,
)
from app.settings import Settings
from app.web import forms
from app.web.access import (
    Admin,
    AppSettings,
    CurrentUser,
    Db,
    OrgContext,
    verify_csrf,
)
from app.web.common import TransactionalRoute, form_uuid, redirect, render

router = APIRouter(route_class=TransactionalRoute, dependencies=[Depends(verify_csrf)])


def _uuid(raw: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(raw) if raw else None
    except ValueError:
        return None


@router.get("/review", response_class=HTMLResponse)
def queue_page(
    request: Request,
    db: Db,
    user: CurrentUser,
    status: str = "submitted",
    micro_credential: str = "",
    teacher: str = "",
    mine: str = "",
    sort: str = "oldest",
) -> Response:
    """The queue: submissions of the organizations where the person coaches, with filters."""
    filters = queue.QueueFilters(
        status=status if status in queue.STATUSES else "submitted",
        micro_credential_id=_uuid(micro_credential[:40]),
        teacher_id=_uuid(teacher[:40]),
        mine=bool(mine),
        sort=sort if sort in queue.SORTS else "oldest",
    )
    rows = queue.queue(db, user, filters)
    definitions, teachers = queue.queue_choices(db, user)
    return render(
        request,
        "review/queue.html",
        submissions=rows,
        filters=filters,
        definitions=definitions,
        teachers=teachers,
        reviewing=queue.reviewing_organizations(user),
        now=utcnow(),
    )


def _review_page(
    request: Request,
    user: User,
    submission: Submission,
    status: int = 200,
    **extra: Any,
) -> Response:
    definition = submission.micro_credential
    attempts = permissions.history(user, submission)
    current = attempts[-1].attempt
    previous = attempts[-2].attempt if len(attempts) > 1 else None
    history = [
        {
            "attempt": item.attempt,
            "reviews": [
                {"review": r, "levels": scoring.score_rows(definition, r)} for r in item.reviews
            ],
        }
        for item in reversed(attempts)
    ]
    return render(
        request,
        "review/review.html",
        status,
        submission=submission,
        definition=definition,
        requirements=evidence.requirements(definition),
        current=current,
        changes=changes.changes(definition, previous, current) if previous else None,
        previous=previous,
        history=history,
        may=permissions.allowed(user, submission),
        pass_rule=rubrics.describe_rule(
            definition.rubric, definition.pass_rule, definition.pass_value
        ),
        **extra,
    )


@router.get(links.REVIEW.path, name=links.REVIEW.name, response_class=HTMLResponse)
def review_page(request: Request, db: Db, user: CurrentUser, submission_id: uuid.UUID) -> Response:
    """Evidence and rubric side by side, the attempt history and what changed."""
    submission = queue.view_for_reviewer(db, user, submission_id)
    return _review_page(request, user, submission)


@router.post("/review/{submission_id}/claim", response_class=HTMLResponse)
def claim(request: Request, db: Db, user: CurrentUser, submission_id: uuid.UUID) -> Response:
    """Take the submission to review."""
    assignments.claim(db, user, submission_id)
    return redirect(request, f"/review/{submission_id}", "You are reviewing this submission.")


@router.post("/review/{submission_id}/release", response_class=HTMLResponse)
def release(request: Request, db: Db, user: CurrentUser, submission_id: uuid.UUID) -> Response:
    """Give the submission back to the queue."""
    assignments.release(db, user, submission_id)
    return redirect(request, "/review", "The submission is back in the queue.")


def review_input(form: FormData, submission: Submission) -> scoring.ReviewInput:
    """The review form's fields: a level and comment per criterion, feedback and decision."""
    levels: dict[str, int] = {}
    comments: dict[str, str] = {}
    for item in submission.micro_credential.rubric:
        key = item["key"]
        level = numbers.whole_number(str(form.get(f"level_{key}") or ""), 999)
        if level is not None:
            levels[key] = level
        comments[key] = str(form.get(f"comment_{key}") or "")
    decision = str(form.get("decision") or "")
    if decision not in {d.value for d in Decision}:
        raise Invalid("Choose Earned or Not yet.", field="decision")
    attempt_no = numbers.whole_number(str(form.get("attempt_no") or ""), 999_999)
    if attempt_no is None:
        raise Invalid("This form is out of date; reload the page.")
    return scoring.ReviewInput(
        attempt_no=attempt_no,
        decision=Decision(decision),
        levels=levels,
        comments=comments,
        feedback=str(form.get("feedback") or ""),
    )


@router.post("/review/{submission_id}/decision", response_class=HTMLResponse)
def decide(
    request: Request,
    db: Db,
    settings: AppSettings,
    user: CurrentUser,
    submission_id: uuid.UUID,
    form: PostedForm,
) -> Response:
    """Record the review and the decision (Earned records the award)."""
    submission = queue.for_reviewer(db, user, submission_id)
    return forms.submit(
        lambda: decisions.decide(db, settings, user, submission_id, review_input(form, submission)),
        done=lambda review: redirect(
            request,
            "/review",
            f"Decision recorded: {'Earned' if review.decision == Decision.EARNED else 'Not yet'}."
            " The teacher is notified.",
        ),
        page=partial(_review_page, request, user, submission),
        values=form_values(form),
    )


@router.post("/review/{submission_id}/calibration", response_class=HTMLResponse)
def calibrate(
    request: Request, db: Db, user: CurrentUser, submission_id: uuid.UUID, form: PostedForm
) -> Response:
    """Record the blind second review."""
    submission = queue.for_reviewer(db, user, submission_id)
    return forms.submit(
        lambda: calibration.calibrate(db, user, submission_id, review_input(form, submission)),
        done=lambda _: redirect(
            request, f"/review/{submission_id}", "Your second review is recorded."
        ),
        page=partial(_review_page, request, user, submission),
        values=form_values(form),
    )


def _admin_page(
    request: Request, db: Db, ctx: OrgContext, status: int = 200, **extra: Any
) -> Response:
    submissions = queue.open_for_admin(db, ctx.org)
    coaches = evidence.reviewers_of(db, ctx.org.id)
    return render(
        request,
        "review/admin.html",
        status,
        org=ctx.org,
        figures=figures.figures(db, ctx.org),
        submissions=submissions,
        choices={s.id: permissions.candidates(coaches, s) for s in submissions},
        calibrations=calibration.calibration_pairs(db, ctx.org),
        **extra,
    )


@router.get("/orgs/{slug}/review", response_class=HTMLResponse)
def admin_page(request: Request, db: Db, ctx: Admin) -> Response:
    """Assignments, calibration requests, turnaround figures and agreement."""
    return _admin_page(request, db, ctx)


@router.post("/orgs/{slug}/review/{submission_id}/assign", response_class=HTMLResponse)
def assign(
    request: Request,
    db: Db,
    settings: AppSettings,
    ctx: Admin,
    submission_id: uuid.UUID,
    coach_id: Annotated[str, Form()] = "",
) -> Response:
    """Assign a waiting submission to a coach."""
    return _admin_action(request, db, settings, ctx, submission_id, coach_id, assignments.assign)


@router.post("/orgs/{slug}/review/{submission_id}/calibration", response_class=HTMLResponse)
def request_calibration(
    request: Request,
    db: Db,
    settings: AppSettings,
    ctx: Admin,
    submission_id: uuid.UUID,
    coach_id: Annotated[str, Form()] = "",
) -> Response:
    """Ask another coach for a blind second review."""
    return _admin_action(
        request, db, settings, ctx, submission_id, coach_id, calibration.request_calibration
    )


def _admin_action(
    request: Request,
    db: Db,
    settings: Settings,
    ctx: OrgContext,
    submission_id: uuid.UUID,
    coach_id: str,
    action: Any,
) -> Response:
    submission = queue.get_in_org(db, ctx.org, submission_id)
    field = f"coach-{submission.id}"
    return forms.submit(
        lambda: action(
            db,
            settings,
            ctx.user,
            submission.id,
            form_uuid(coach_id[:40], field, "Choose a coach."),
        ),
        done=lambda _: redirect(
            request, f"/orgs/{ctx.org.slug}/review", "Done. The coach is notified."
        ),
        page=partial(_admin_page, request, db, ctx),
        errors=forms.renamed({"coach_id": field}),
    )
