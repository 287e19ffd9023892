"""JSON shapes of the impact API."""

from __future__ import annotations

from datetime import date

from pydantic import BaseModel, ConfigDict, Field


class CellRead(BaseModel):
    """One figure: ``value`` is null whenever it is not shown exactly (suppressed, or coarsened
    to "<5 %" / ">95 %"); ``display`` is the text the dashboard shows."""

    value: float | int | None
    display: str
    suppressed: bool


class RowRead(BaseModel):
    """One group of a table."""

    label: str
    cells: list[CellRead]


class TableRead(BaseModel):
    """One table of the report, as on the dashboard and in its CSV file."""

    key: str
    title: str
    row_heading: str
    columns: list[str]
    rows: list[RowRead]
    totals: list[CellRead] | None
    note: str


class ImpactRead(BaseModel):
    """An organization's impact report for a period, small cells suppressed."""

    model_config = ConfigDict(populate_by_name=True)

    organization: str
    start: date = Field(alias="from")
    end: date = Field(alias="to")
    min_cell_size: int
    tables: list[TableRead]
    comments: dict[str, list[str]]
