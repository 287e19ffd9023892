"""One-way changes that hold when the same action arrives twice at once (a double click, a retry,
two tabs): the row changes only while it is still as the caller read it, and only the request
whose change took goes on to notify, audit, issue or delete."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, update
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from app.db import Base, IdMixin
from app.errors import Conflict


def change(db: Session, row: IdMixin, *still: ColumnElement[bool], **values: Any) -> bool:
    """Set ``values`` on the row in the database only while every ``still`` condition holds;
    True when this request changed it (the loaded object then shows the values)."""
    model = type(row)
    assert issubclass(model, Base)
    statement = (
        update(model)
        .where(model.id == row.id, *still)
        .values(**values)
        .execution_options(synchronize_session=False)
    )
    if not db.execute(statement).rowcount:  # type: ignore[attr-defined]
        return False
    for name, value in values.items():
        set_committed_value(row, name, value)
    return True


def change_or_refuse(
    db: Session, row: IdMixin, refused: str, *still: ColumnElement[bool], **values: Any
) -> None:
    """``change``, or Conflict with ``refused`` when another request changed the row first."""
    if not change(db, row, *still, **values):
        raise Conflict(refused)
