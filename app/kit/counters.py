"""Denormalized counters changed in SQL (``column = column + delta``), never read-modify-write.

Two requests that each read a counter, add one in Python and write it back lose one of the
increments; an UPDATE that adds in the database cannot (PostgreSQL locks the row, SQLite has one
writer). The counters are for display and sorting only: pagination counts the rows themselves.
"""

from __future__ import annotations

from sqlalchemy import update
from sqlalchemy.orm import InstrumentedAttribute, Session
from sqlalchemy.orm.attributes import set_committed_value

from app.db import IdMixin


def add(db: Session, row: IdMixin, column: InstrumentedAttribute[int], delta: int) -> int:
    """Add ``delta`` to ``row``'s ``column`` in one UPDATE; the loaded row shows the new value."""
    model = type(row)
    value: int = db.execute(
        update(model)
        .where(model.id == row.id)
        .values({column.key: column + delta})
        .returning(column)
        .execution_options(synchronize_session=False)
    ).scalar_one()
    set_committed_value(row, column.key, value)
    return value
