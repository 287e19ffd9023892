"""Pages: sharing earned evidence into its micro-credential's community as an exemplar."""

from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import APIRouter, Depends, Form, Request
from fastapi.responses import HTMLResponse, Response

from app.services.communities import exemplar_sharing
from app.web.access import AppSettings, CurrentUser, Db, verify_csrf
from app.web.common import TransactionalRoute, redirect

router = APIRouter(route_class=TransactionalRoute, dependencies=[Depends(verify_csrf)])


@router.post("/evidence/{submission_id}/exemplars", response_class=HTMLResponse)
def share(
    request: Request,
    db: Db,
    settings: AppSettings,
    user: CurrentUser,
    submission_id: uuid.UUID,
    community_id: Annotated[uuid.UUID, Form()],
    consent: Annotated[bool, Form()] = False,
) -> Response:
    """Share a copy of one's earned evidence in the community (the owner, consenting)."""
    exemplar = exemplar_sharing.share(
        db, settings, user, submission_id, community_id, consent=consent
    )
    return redirect(
        request,
        f"/evidence/{submission_id}",
        f"A copy of your evidence is now an exemplar in the gallery: {exemplar.title}.",
    )


@router.post(
    "/evidence/{submission_id}/exemplars/{exemplar_id}/withdraw", response_class=HTMLResponse
)
def withdraw(
    request: Request,
    db: Db,
    settings: AppSettings,
    user: CurrentUser,
    submission_id: uuid.UUID,
    exemplar_id: uuid.UUID,
) -> Response:
    """Withdraw an exemplar shared from this evidence (its copied files are deleted)."""
    exemplar_sharing.withdraw(db, settings, user, submission_id, exemplar_id)
    return redirect(request, f"/evidence/{submission_id}", "Your exemplar is withdrawn.")
