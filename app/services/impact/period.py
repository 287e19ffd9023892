"""The date range a report covers: parsed from ``from``/``to`` (YYYY-MM-DD), last 12 months by
default, at most ten years, inclusive of both days."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_

from app.db import utcnow
from app.errors import Invalid

MAX_MONTHS = 120
EARLIEST = date(2000, 1, 1)


@dataclass(frozen=True)
class Period:
    """From ``start`` to ``end``, both days included (UTC)."""

    start: date
    end: date

    @property
    def start_at(self) -> datetime:
        """The first instant of the period."""
        return datetime.combine(self.start, time.min, UTC)

    @property
    def end_at(self) -> datetime:
        """The first instant after the period."""
        return datetime.combine(self.end + timedelta(days=1), time.min, UTC)

    def holds(self, column: Any) -> ColumnElement[bool]:
        """SQL: the timestamp column falls in the period."""
        return and_(column >= self.start_at, column < self.end_at)

    def months(self) -> list[str]:
        """Each calendar month the period touches, as YYYY-MM."""
        out = []
        year, month = self.start.year, self.start.month
        while (year, month) <= (self.end.year, self.end.month):
            out.append(f"{year:04d}-{month:02d}")
            year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        return out

    def query(self) -> str:
        """The period as a query string (for links to CSV files)."""
        return f"from={self.start.isoformat()}&to={self.end.isoformat()}"


def default_period(today: date | None = None) -> Period:
    """The last twelve calendar months, this one included."""
    today = today or utcnow().date()
    year, month = today.year, today.month - 11
    if month < 1:
        year, month = year - 1, month + 12
    return Period(date(year, month, 1), today)


def _day(raw: str, field: str, label: str) -> date:
    try:
        day = date.fromisoformat(raw.strip())
    except ValueError as exc:
        raise Invalid(
            f"Enter the {label} date as YYYY-MM-DD, for example 2026-09-01.", field=field
        ) from exc
    if day < EARLIEST or day.year > 2999:
        raise Invalid(f"The {label} date must be between 2000 and 2999.", field=field)
    return day


def parse_period(start: str | None, end: str | None, today: date | None = None) -> Period:
    """The period from form or query values (either may be empty: the default end is today,
    the default start twelve months before the end)."""
    fallback = default_period(today)
    last = _day(end, "to", "end") if end and end.strip() else fallback.end
    first = _day(start, "from", "start") if start and start.strip() else default_period(last).start
    if last < first:
        raise Invalid("The end date is before the start date.", field="to")
    period = Period(first, last)
    if len(period.months()) > MAX_MONTHS:
        raise Invalid("Choose a period of ten years or less.", field="from")
    return period
