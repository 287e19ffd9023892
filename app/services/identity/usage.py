"""When a browser session or an access token was last used.

The time is no part of what the user asked for, so it is written after the request's transaction,
in its own short one: a request that only reads never has to turn its read into a write (which
SQLite refuses when another connection committed in between), and it never holds a second
pooled connection."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from sqlalchemy import Update
from sqlalchemy.exc import OperationalError
from sqlalchemy.orm import Session, sessionmaker

log = logging.getLogger(__name__)

TOUCH_INTERVAL = timedelta(minutes=5)
PENDING = "usage_pending"


def record_later(db: Session, statement: Update) -> None:
    """Keep ``statement`` (an UPDATE of a last-used time) for ``flush``."""
    db.info.setdefault(PENDING, []).append(statement)


def flush(sessions: sessionmaker[Session], info: dict[str, Any]) -> None:
    """Run the kept updates in one short transaction (a busy database only loses them)."""
    statements: list[Update] = info.pop(PENDING, [])
    if not statements:
        return
    try:
        with sessions() as db:
            for statement in statements:
                db.execute(statement)
            db.commit()
    except OperationalError:
        log.warning("last-used times not recorded: the database is busy")
