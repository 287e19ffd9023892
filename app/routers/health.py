"""Liveness and readiness probes for load balancers and orchestrators."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.web.access import Db, public
from app.web.common import TransactionalRoute

router = APIRouter(route_class=TransactionalRoute, tags=["operations"])


@router.get("/healthz", dependencies=[Depends(public)])
def healthz() -> dict[str, str]:
    """The process is up."""
    return {"status": "ok"}


@router.get("/readyz", dependencies=[Depends(public)], response_model=None)
def readyz(db: Db) -> JSONResponse | dict[str, str]:
    """The process can reach its database."""
    try:
        db.execute(text("SELECT 1"))
    except SQLAlchemyError:
        return JSONResponse({"status": "unavailable", "database": "unreachable"}, status_code=503)
    return {"status": "ok", "database": "ok"}
