"""Pages: assigning coaches (administrators), the coaching overview and a coaching page."""

from __future__ import annotations

import uuid
from functools import partial

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from app.kit import links
from app.models import GoalStatus, Mentorship, User
from app.services.mentorship import goals as coaching_goals
from app.services.mentorship import messages as coaching_messages
from app.services.mentorship import pairs as coaching
from app.services.mentorship import progress as mentee_progress
from app.web import forms
from app.web.access import (
    Admin,
    AppSettings,
    CurrentUser,
    Db,
    OrgContext,
    verify_csrf,
)
from app.web.common import Text, TransactionalRoute, form_uuid, redirect, render

router = APIRouter(route_class=TransactionalRoute, dependencies=[Depends(verify_csrf)])


def _admin_page(
    request: Request, db: Db, ctx: OrgContext, status: int = 200, **extra: object
) -> Response:
    coaches, members = coaching.candidates(db, ctx.org)
    return render(
        request,
        "mentorship/admin.html",
        status,
        org=ctx.org,
        coaches=coaches,
        members=members,
        mentorships=coaching.for_organization(db, ctx.org),
        **extra,
    )


@router.get("/orgs/{slug}/mentorships", response_class=HTMLResponse)
def mentorships(request: Request, db: Db, ctx: Admin) -> Response:
    """The organization's mentorships and the form to assign a coach."""
    return _admin_page(request, db, ctx)


@router.post("/orgs/{slug}/mentorships", response_class=HTMLResponse)
def assign(
    request: Request,
    db: Db,
    settings: AppSettings,
    ctx: Admin,
    coach_id: Text = "",
    teacher_id: Text = "",
) -> Response:
    """Assign a coach to a teacher."""
    return forms.submit(
        lambda: coaching.assign(
            db,
            settings,
            ctx.org,
            ctx.user,
            coach_id=form_uuid(coach_id, "coach_id", "Choose a coach."),
            teacher_id=form_uuid(teacher_id, "teacher_id", "Choose a teacher."),
        ),
        done=lambda made: redirect(
            request,
            f"/orgs/{ctx.org.slug}/mentorships",
            f"{made.coach.display_name} now coaches {made.teacher.display_name}.",
        ),
        page=partial(_admin_page, request, db, ctx),
        values={"coach_id": coach_id, "teacher_id": teacher_id},
    )


@router.post("/orgs/{slug}/mentorships/{mentorship_id}/end", response_class=HTMLResponse)
def end(request: Request, db: Db, ctx: Admin, mentorship_id: uuid.UUID) -> Response:
    """End a mentorship (its page stays readable by the pair)."""
    ended = coaching.end(db, ctx.org, ctx.user, mentorship_id)
    message = f"{ended.coach.display_name} no longer coaches {ended.teacher.display_name}."
    return redirect(request, f"/orgs/{ctx.org.slug}/mentorships", message)


@router.get("/coaching", response_class=HTMLResponse)
def overview(request: Request, db: Db, user: CurrentUser) -> Response:
    """A coach's mentees with their progress; a teacher's coaches."""
    return render(
        request,
        "mentorship/overview.html",
        mentees=coaching.mentees(db, user),
        coaches=coaching.coaches(db, user),
    )


def _page(
    request: Request,
    db: Db,
    user: User,
    mentorship: Mentorship,
    status: int = 200,
    **extra: object,
) -> Response:
    return render(
        request,
        "mentorship/page.html",
        status,
        m=mentorship,
        is_coach=user.id == mentorship.coach_id,
        goals=coaching_goals.goals(db, mentorship),
        messages=coaching_messages.conversation(db, mentorship, user),
        progress=mentee_progress.progress_for(db, mentorship),
        statuses=list(GoalStatus),
        **extra,
    )


@router.get(links.COACHING.path, name=links.COACHING.name, response_class=HTMLResponse)
def page(request: Request, db: Db, user: CurrentUser, mentorship_id: uuid.UUID) -> Response:
    """Goals, conversation, the coach's private notes and the mentee's progress."""
    return _page(request, db, user, coaching.view(db, user, mentorship_id))


@router.post("/coaching/{mentorship_id}/messages", response_class=HTMLResponse)
def message(
    request: Request,
    db: Db,
    settings: AppSettings,
    user: CurrentUser,
    mentorship_id: uuid.UUID,
    body: Text = "",
) -> Response:
    """Send a message to the other party."""
    return _write(request, db, settings, user, mentorship_id, "body", body, private=False)


@router.post("/coaching/{mentorship_id}/notes", response_class=HTMLResponse)
def note(
    request: Request,
    db: Db,
    settings: AppSettings,
    user: CurrentUser,
    mentorship_id: uuid.UUID,
    note: Text = "",
) -> Response:
    """Keep a private note (the coach only)."""
    return _write(request, db, settings, user, mentorship_id, "note", note, private=True)


def _write(
    request: Request,
    db: Db,
    settings: AppSettings,
    user: CurrentUser,
    mentorship_id: uuid.UUID,
    field: str,
    text: str,
    *,
    private: bool,
) -> Response:
    """Post a message or a private note; on a bad one, show the page with the error beside it."""
    mentorship = coaching.get_for(db, user, mentorship_id)
    anchor, done = ("notes", "Note saved.") if private else ("conversation", "Message sent.")
    return forms.submit(
        lambda: coaching_messages.post_message(
            db, settings, mentorship, user, text, private=private
        ),
        done=lambda _: redirect(request, f"/coaching/{mentorship.id}#{anchor}", done),
        page=partial(_page, request, db, user, mentorship),
        values={field: text},
        errors=forms.beside(field),
    )


@router.post("/coaching/{mentorship_id}/goals", response_class=HTMLResponse)
def add_goal(
    request: Request,
    db: Db,
    settings: AppSettings,
    user: CurrentUser,
    mentorship_id: uuid.UUID,
    title: Text = "",
    description: Text = "",
    due_on: Text = "",
) -> Response:
    """Set a coaching goal."""
    mentorship = coaching.get_for(db, user, mentorship_id)
    return forms.submit(
        lambda: coaching_goals.add_goal(
            db,
            settings,
            mentorship,
            user,
            title=title,
            description=description,
            due_on=coaching_goals.parse_due(due_on),
        ),
        done=lambda _: redirect(request, f"/coaching/{mentorship.id}#goals", "Goal added."),
        page=partial(_page, request, db, user, mentorship),
        values={"title": title, "description": description, "due_on": due_on},
    )


@router.post("/coaching/{mentorship_id}/goals/{goal_id}/status", response_class=HTMLResponse)
def goal_status(
    request: Request,
    db: Db,
    user: CurrentUser,
    mentorship_id: uuid.UUID,
    goal_id: uuid.UUID,
    status: Text = "",
) -> Response:
    """Mark a goal achieved, dropped or open again."""
    mentorship = coaching.get_for(db, user, mentorship_id)
    goal = coaching_goals.set_goal_status(
        db, mentorship, goal_id, coaching_goals.parse_status(status)
    )
    return redirect(
        request, f"/coaching/{mentorship.id}#goals", f"'{goal.title}' is {goal.status.value}."
    )
