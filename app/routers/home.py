"""Pages: the landing page and each role's dashboard."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from fastapi.responses import HTMLResponse, Response

from app.models import User
from app.services.credentials import holdings
from app.services.learning import overview, recommendations
from app.services.mentorship import goals
from app.services.orgs.permissions import organizations_of
from app.services.review import dashboard
from app.web.access import Db, MaybeUser, public
from app.web.common import TransactionalRoute, render

router = APIRouter(route_class=TransactionalRoute)


@router.get("/", dependencies=[Depends(public)], response_class=HTMLResponse)
def home(request: Request, db: Db, user: MaybeUser) -> Response:
    """The landing page for visitors; the dashboard for people who are signed in."""
    if user is None:
        return render(request, "home/landing.html")
    memberships = organizations_of(user)
    roles = {m.role.value for m in memberships}
    learner = _learner_home(db, user) if "teacher" in roles else None
    return render(
        request,
        "home/dashboard.html",
        memberships=memberships,
        roles=roles,
        is_platform_admin=user.is_platform_admin,
        work=dashboard.work_summary(db, user),
        learner=learner,
    )


RECOMMENDED_SHOWN = 3


def _learner_home(db: Db, user: User) -> dict[str, object]:
    """A teacher's home: each feature's part, in a fixed number of queries."""
    year_start = overview.school_year_start()
    return {
        "resume": overview.resume(db, user),
        "year_start": year_start,
        "pd_hours": overview.pd_hours_since(db, user, year_start),
        "goals_due": goals.due_for_teacher(db, user),
        "cohorts_ending": overview.cohort_deadlines(db, user),
        "recommended": recommendations.recommend(db, user, limit=RECOMMENDED_SHOWN),
        "credentials": holdings.recent(db, user),
    }
