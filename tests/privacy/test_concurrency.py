"""Two workers on the same pending export: one builds it, the other's file is removed again."""

from __future__ import annotations

import contextlib

from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from app.db import make_session_factory
from app.kit.storage import storage_for
from app.models import DataExport, ExportStatus, User
from app.services.privacy import exports


def test_a_second_worker_loses_cleanly(fresh_engine, settings) -> None:
    sessions = make_session_factory(fresh_engine)
    with sessions() as db:
        user = User(email="ana@example.org", display_name="Ana Example")
        db.add(user)
        db.flush()
        db.add(DataExport(user_id=user.id))
        db.commit()
    first, second = sessions(), sessions()
    try:
        mine = first.scalars(select(DataExport)).one()
        theirs = second.scalars(select(DataExport)).one()
        assert exports.build(first, settings, mine)
        first.commit()
        # the other worker read the row while it was pending; its conditional update finds it
        # built (PostgreSQL), or SQLite refuses its stale write: either way it keeps nothing
        with contextlib.suppress(OperationalError):
            assert not exports.build(second, settings, theirs)
        second.rollback()
    finally:
        first.close()
        second.close()
    with sessions() as db:
        export = db.scalars(select(DataExport)).one()
        assert export.status == ExportStatus.READY
        stored = [f.key for f in storage_for(settings).list_files()]
        assert stored == [export.storage_key]
