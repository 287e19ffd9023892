"""Pages: the teacher's learning dashboard, goals and self-assessment, pathways, transcript."""

from __future__ import annotations

import uuid
from datetime import date
from decimal import Decimal
from functools import partial

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response
from sqlalchemy import select

from app.models import EnrollmentStatus, Standard
from app.services.learning import about_me, pathways, recommendations, transcript
from app.web import forms
from app.web.access import CurrentUser, Db, verify_csrf
from app.web.common import TransactionalRoute, file_download, redirect, render

router = APIRouter(route_class=TransactionalRoute, dependencies=[Depends(verify_csrf)])


@router.get("/learning", response_class=HTMLResponse)
def dashboard(request: Request, db: Db, user: CurrentUser) -> Response:
    """In-progress and completed modules, PD hours, pathways and recommendations."""
    enrollments = transcript.my_enrollments(db, user)
    completed = [e for e in enrollments if e.status == EnrollmentStatus.COMPLETED]
    return render(
        request,
        "learning/dashboard.html",
        in_progress=[e for e in enrollments if e.status == EnrollmentStatus.ACTIVE],
        completed=completed,
        total_hours=sum((e.pd_hours_awarded or Decimal(0) for e in completed), Decimal(0)),
        recommended=recommendations.recommend(db, user),
        pathway_views=pathways.list_for(db, user),
    )


def _goals_page(
    request: Request, db: Db, user: CurrentUser, status: int = 200, **extra: object
) -> Response:
    profile, ratings = recommendations.profile_of(db, user)
    return render(
        request,
        "learning/goals.html",
        status,
        profile=profile,
        ratings=ratings,
        standards=list(db.scalars(select(Standard).order_by(Standard.code))),
        levels=recommendations.LEVELS,
        memberships=about_me.memberships_of(user),
        choices=about_me.CHOICES,
        **extra,
    )


@router.get("/learning/goals", response_class=HTMLResponse)
def goals(request: Request, db: Db, user: CurrentUser) -> Response:
    """Goals, grade band, subject and a short self-assessment against the standards."""
    return _goals_page(request, db, user)


@router.post("/learning/goals", response_class=HTMLResponse)
async def save_goals(request: Request, db: Db, user: CurrentUser) -> Response:
    """Save goals and self-ratings."""
    form = await request.form()
    ratings = {k[7:]: str(v) for k, v in form.items() if k.startswith("rating-")}

    def save() -> None:
        recommendations.save_profile(
            db,
            user,
            goals=str(form.get("goals", "")),
            grade_band=str(form.get("grade_band", "")),
            subject=str(form.get("subject", "")),
            ratings=ratings,
        )
        if form.get("about_me"):  # the form's school and demographics fields were sent
            about_me.save_about_me(
                db,
                user,
                schools={k[7:]: str(v) for k, v in form.items() if k.startswith("school-")},
                share=form.get("share_demographics") == "1",
                answers={name: str(form.get(name, "")) for name in about_me.CHOICES},
            )

    return forms.submit(
        save,
        done=lambda _: redirect(
            request, "/learning", "Your goals are saved. Recommendations are updated."
        ),
        page=partial(_goals_page, request, db, user),
    )


@router.get("/learning/transcript", response_class=HTMLResponse)
def transcript_page(
    request: Request, db: Db, user: CurrentUser, start: str = "", end: str = "", download: str = ""
) -> Response:
    """PD hours and completed modules for a date range; download as CSV or PDF."""
    values = {"start": start, "end": end}
    return forms.submit(
        lambda: transcript.parse_range(start, end),
        done=lambda dates: _transcript(request, db, user, dates, download, values),
        page=forms.template(request, "learning/transcript.html", report=None),
        values=values,
    )


def _transcript(
    request: Request,
    db: Db,
    user: CurrentUser,
    dates: tuple[date | None, date | None],
    download: str,
    values: dict[str, str],
) -> Response:
    first, last = dates
    report = transcript.build(db, user, first, last)
    name = f"laurel-transcript-{first or 'all'}-{last or 'today'}"
    if download == "csv":
        return file_download(transcript.to_csv(report), "text/csv; charset=utf-8", f"{name}.csv")
    if download == "pdf":
        return file_download(transcript.to_pdf(report), "application/pdf", f"{name}.pdf")
    query = request.url.query
    return render(
        request,
        "learning/transcript.html",
        report=report,
        values=values,
        query=query.replace("&download=csv", "").replace("&download=pdf", ""),
    )


@router.get("/pathways", response_class=HTMLResponse)
def pathway_list(request: Request, db: Db, user: CurrentUser) -> Response:
    """Pathways of the teacher's organizations, with progress."""
    return render(request, "learning/pathways.html", pathway_views=pathways.list_for(db, user))


@router.get("/pathways/{pathway_id}", response_class=HTMLResponse)
def pathway_page(request: Request, db: Db, user: CurrentUser, pathway_id: uuid.UUID) -> Response:
    """One pathway: its modules in order and where the teacher is."""
    return render(request, "learning/pathway.html", pv=pathways.get_for(db, user, pathway_id))
