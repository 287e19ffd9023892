"""The scheduled privacy work: ``laurel privacy run`` and the worker call ``run``."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.orm import Session, sessionmaker

from app.db import begin_writing
from app.services.privacy import deletion, exports, retention
from app.settings import Settings


@dataclass(frozen=True)
class RunReport:
    """What one run did."""

    exports_built: int
    exports_expired: int
    accounts_erased: int
    evidence_files_removed: int


def run(session_factory: sessionmaker[Session], settings: Settings) -> RunReport:
    """Build waiting exports, remove expired ones, erase accounts past their grace period and
    apply evidence retention; each step in its own transaction(s)."""
    built = exports.build_pending_exports(session_factory, settings)
    with session_factory() as db:
        begin_writing(db)
        expired = exports.remove_expired(db, settings)
        db.commit()
    erased = deletion.erase_due(session_factory, settings)
    with session_factory() as db:
        begin_writing(db)
        removed = retention.apply_retention(db, settings)
        db.commit()
    return RunReport(built, expired, erased, removed)
