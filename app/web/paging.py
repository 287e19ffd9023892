"""The one list shape of the JSON API: a page of items and the cursor of the next page."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Generic, TypeVar

from fastapi import Depends, Query
from pydantic import BaseModel, Field

from app.kit.keyset import PageRequest, Slice

T = TypeVar("T")
S = TypeVar("S")
DEFAULT_LIMIT = 50
MAX_LIMIT = 200
MAX_CURSOR = 4_000  # a cursor holds a sort key: up to 200 characters of a name


class Page(BaseModel, Generic[T]):
    """A page of a list; follow ``next_cursor`` until it is null to read every item once."""

    items: list[T]
    next_cursor: str | None = Field(
        description="Pass as ?cursor= for the next page; null on the last page"
    )

    @classmethod
    def of(cls, page: Slice[S], build: Callable[[S], T]) -> Page[T]:
        """A page of API models built from a page of rows."""
        return cls(items=[build(row) for row in page.items], next_cursor=page.next_cursor)


def page_request(
    limit: Annotated[
        int, Query(ge=1, le=MAX_LIMIT, description=f"Items per page (1 to {MAX_LIMIT})")
    ] = DEFAULT_LIMIT,
    cursor: Annotated[
        str | None,
        Query(max_length=MAX_CURSOR, description="next_cursor of the previous page"),
    ] = None,
) -> PageRequest:
    """The ``limit`` and ``cursor`` query parameters of a list."""
    return PageRequest(limit=limit, cursor=cursor)


Paging = Annotated[PageRequest, Depends(page_request)]
