"""Keyset pagination: the rows after an opaque cursor, in a stable order (sort keys, then id).

A cursor names the last row of the previous page by its sort-key values, so the next page is
the rows strictly after it: rows added or removed meanwhile never shift a page, and walking every
page returns each row once.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import ColumnElement, Select, and_, literal, or_
from sqlalchemy.orm import QueryableAttribute, Session
from sqlalchemy.types import TypeDecorator

from app.errors import Invalid

T = TypeVar("T")
Value = datetime | uuid.UUID | str | bool
KINDS: tuple[type, ...] = (datetime, uuid.UUID, str, bool)
BAD_CURSOR = (
    "The cursor is not one this list gave out (it may belong to another list or sort order). "
    "Start again without a cursor and follow next_cursor."
)


@dataclass(frozen=True)
class PageRequest:
    """How many rows to return, after which cursor (None: from the start)."""

    limit: int = 50
    cursor: str | None = None


@dataclass(frozen=True)
class Slice(Generic[T]):
    """A page of rows and the cursor of the next page (None on the last one)."""

    items: list[T]
    next_cursor: str | None


@dataclass(frozen=True)
class Key:
    """One sort key; ``kind`` is the Python type of its values (inferred from the column)."""

    column: ColumnElement[Any]
    descending: bool = False

    @property
    def kind(self) -> type:
        """The Python type of the key's values."""
        column_type = self.column.type
        if isinstance(column_type, TypeDecorator):
            column_type = column_type.impl_instance
        kind: type = column_type.python_type
        return kind


def sort_key(
    column: ColumnElement[Any] | QueryableAttribute[Any], *, descending: bool = False
) -> Key:
    """A sort key on a column or typed SQL expression."""
    return Key(column.expression, descending)


class Order:
    """A stable order: sort keys whose last one is unique (usually the id)."""

    def __init__(self, *keys: Key) -> None:
        for item in keys:
            if item.kind not in KINDS:
                raise TypeError(f"cannot page on {item.column} of type {item.kind.__name__}")
        self.keys = keys
        spec = "|".join(f"{k.column}{' desc' if k.descending else ''}" for k in keys)
        self.signature = hashlib.sha256(spec.encode()).hexdigest()[:12]

    def clauses(self) -> list[ColumnElement[Any]]:
        """ORDER BY clauses."""
        return [k.column.desc() if k.descending else k.column.asc() for k in self.keys]

    def scalars(self, db: Session, query: Select[T], page: PageRequest) -> Slice[T]:
        """A page of a single-entity query (given without ORDER BY or LIMIT)."""
        rows = self.rows(db, query, page)
        return Slice([row[0] for row in rows.items], rows.next_cursor)

    def rows(
        self, db: Session, query: Select[*tuple[Any, ...]], page: PageRequest
    ) -> Slice[tuple[Any, ...]]:
        """A page of a query's rows (given without ORDER BY or LIMIT)."""
        width = len(query.column_descriptions)
        if page.cursor is not None:
            query = query.where(self._after(self.decode(page.cursor)))
        query = query.add_columns(*(k.column for k in self.keys)).order_by(*self.clauses())
        rows = db.execute(query.limit(page.limit + 1)).unique().all()
        more, rows = len(rows) > page.limit, rows[: page.limit]
        cursor = self.encode(tuple(rows[-1][width:])) if more else None
        return Slice([tuple(row[:width]) for row in rows], cursor)

    def _after(self, values: list[Value]) -> ColumnElement[bool]:
        """Rows strictly after the one with these sort-key values."""
        bound = [literal(v, k.column.type) for k, v in zip(self.keys, values, strict=True)]
        steps = []
        for index, item in enumerate(self.keys):
            same = [k.column == v for k, v in zip(self.keys[:index], bound, strict=False)]
            value = bound[index]
            steps.append(
                and_(*same, item.column < value if item.descending else item.column > value)
            )
        return or_(*steps)

    def encode(self, values: tuple[Any, ...]) -> str:
        """The opaque cursor of a row with these sort-key values."""
        plain = [v.isoformat() if isinstance(v, datetime) else v for v in values]
        plain = [str(v) if isinstance(v, uuid.UUID) else v for v in plain]
        raw = json.dumps([self.signature, plain], separators=(",", ":"), ensure_ascii=False)
        return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")

    def decode(self, cursor: str) -> list[Value]:
        """The sort-key values in a cursor; Invalid when it was not made by this order."""
        try:
            raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
            signature, values = json.loads(raw)
            if signature != self.signature or len(values) != len(self.keys):
                raise ValueError("another order")
            return [_load(k.kind, v) for k, v in zip(self.keys, values, strict=True)]
        except (ValueError, TypeError, binascii.Error, OverflowError) as exc:
            raise Invalid(BAD_CURSOR, field="cursor", code="invalid_cursor") from exc


def _load(kind: type, value: object) -> Value:
    """A JSON value as the key's type (TypeError or ValueError when it is not one)."""
    if kind is bool and isinstance(value, bool):
        return value
    if not isinstance(value, str) or "\x00" in value:
        raise TypeError("not a key value")
    value.encode()  # UnicodeEncodeError for a lone surrogate, which no database accepts
    if kind is datetime:
        moment = datetime.fromisoformat(value)
        if moment.tzinfo is None:
            raise ValueError("a naive timestamp")
        return moment.astimezone(UTC)
    if kind is uuid.UUID:
        return uuid.UUID(value)
    if kind is str:
        return value
    raise TypeError("not a key value")
