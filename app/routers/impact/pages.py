"""Pages: an organization's impact dashboard, its tables as CSV, the state report, and a coach's
own review figures."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import HTMLResponse, Response

from app.errors import AppError
from app.services.impact import coach, report, state_report
from app.services.impact.period import Period, parse_period
from app.web import forms
from app.web.access import Admin, AppSettings, Coach, Db, OrgContext, verify_csrf
from app.web.common import TransactionalRoute, file_download, render

router = APIRouter(route_class=TransactionalRoute, dependencies=[Depends(verify_csrf)])
From = Annotated[str, Query(alias="from", max_length=40)]
To = Annotated[str, Query(alias="to", max_length=40)]
CSV = "text/csv; charset=utf-8"
DASHBOARD = "/orgs/{slug}/admin/impact"


def _values(start: str, end: str, period: Period | None = None) -> dict[str, str]:
    if period is not None:
        return {"from": period.start.isoformat(), "to": period.end.isoformat()}
    return {"from": start, "to": end}


@router.get(DASHBOARD, response_class=HTMLResponse)
def dashboard(request: Request, db: Db, ctx: Admin, start: From = "", end: To = "") -> Response:
    """Figures, breakdowns and charts for a date range (the last 12 months by default)."""

    def show(period: Period) -> Response:
        return render(
            request,
            "impact/dashboard.html",
            org=ctx.org,
            report=report.build(db, ctx.org, period),
            period=period,
            values=_values(start, end, period),
        )

    return forms.submit(
        lambda: parse_period(start, end),
        done=show,
        page=forms.template(request, "impact/dashboard.html", org=ctx.org, report=None),
        values=_values(start, end),
    )


@router.get(DASHBOARD + "/state-report.csv")
def state_report_csv(
    db: Db, settings: AppSettings, ctx: Admin, start: From = "", end: To = ""
) -> Response:
    """Every completed module and issued credential of the period, per teacher (audited)."""
    period = parse_period(start, end)
    body, _ = state_report.export(db, settings, ctx.org, ctx.user, period)
    name = f"{ctx.org.slug}-state-report-{period.start}-{period.end}.csv"
    return file_download(body, CSV, name)


@router.get(DASHBOARD + "/{table}.csv")
def table_csv(db: Db, ctx: Admin, table: str, start: From = "", end: To = "") -> Response:
    """One table of the dashboard as CSV, suppressed exactly as on the page."""
    period = parse_period(start, end)
    chosen = report.build(db, ctx.org, period).table(table[:40])
    name = f"{ctx.org.slug}-impact-{chosen.key}-{period.start}-{period.end}.csv"
    return file_download(report.to_csv(chosen), CSV, name)


@router.get("/orgs/{slug}/coach/impact", response_class=HTMLResponse)
def coach_page(request: Request, db: Db, ctx: Coach, start: From = "", end: To = "") -> Response:
    """The coach's own queue age, turnaround and agreement with second reviewers."""
    return _coach(request, db, ctx, start, end)


def _coach(request: Request, db: Db, ctx: OrgContext, start: str, end: str) -> Response:
    try:
        period = parse_period(start, end)
    except AppError as exc:
        return forms.refused(
            forms.template(request, "impact/coach.html", org=ctx.org, figures=None),
            exc,
            _values(start, end),
        )
    return render(
        request,
        "impact/coach.html",
        org=ctx.org,
        figures=coach.coach_figures(db, ctx.org, ctx.user, period),
        values=_values(start, end, period),
    )
