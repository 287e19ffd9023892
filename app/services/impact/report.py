"""The impact report as people see it: every figure of ``figures.py`` turned into suppressed
tables (``suppression.py``), the charts drawn from those tables, and the same tables as CSV and
JSON. Nothing leaves this module unsuppressed."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from sqlalchemy.orm import Session

from app.errors import NotFound
from app.models import Organization
from app.services.impact import charts
from app.services.impact.figures import (
    ACTIVE,
    COMPLETED,
    DEMOGRAPHIC,
    DIMENSIONS,
    INACTIVE,
    NOT_GIVEN,
    NOT_SHARED,
    SERIES,
    Figures,
    gather,
)
from app.services.impact.period import Period
from app.services.impact.suppression import (
    Cell,
    Mask,
    Table,
    amount_cell,
    count_cell,
    lone_count,
    rate_cell,
    small,
    suppression_mask,
)
from app.services.review.figures import turnaround

DIMENSION_TITLES = {
    "school": "School",
    "subject": "Subject taught",
    "grade_band": "Grade band",
    "gender": "Gender",
    "race_ethnicity": "Race or ethnicity",
    "years_experience": "Years of experience",
}
STATUS_COLUMNS = [
    "Completed a module",
    "Active, no completion yet",
    "No learning activity",
]
SERIES_TITLES = {
    "enrollments": "Enrollments",
    "completions": "Module completions",
    "credentials": "Credentials issued",
}
TREND_SERIES = ("enrollments", "completions", "credentials")


@dataclass
class Dashboard:
    """The displayed report of one organization for one period."""

    period: Period
    threshold: int
    summary: Table
    trends: Table
    breakdowns: list[Table]
    credentials: Table
    surveys: Table
    pathways: Table
    communities: Table
    comments: dict[str, list[str]]
    charts: dict[str, str] = field(default_factory=dict)

    @property
    def tables(self) -> list[Table]:
        """Every table, in page order."""
        return [
            self.summary,
            self.trends,
            *self.breakdowns,
            self.credentials,
            self.surveys,
            self.pathways,
            self.communities,
        ]

    def table(self, key: str) -> Table:
        """One table by its key (NotFound for an unknown one)."""
        for table in self.tables:
            if table.key == key:
                return table
        raise NotFound("There is no such table in the impact report.")

    def as_json(self) -> dict[str, object]:
        """The report as the API returns it."""
        return {
            "from": self.period.start.isoformat(),
            "to": self.period.end.isoformat(),
            "min_cell_size": self.threshold,
            "tables": [t.as_json() for t in self.tables],
            "comments": self.comments,
        }


def build(db: Session, org: Organization, period: Period) -> Dashboard:
    """Read the figures and turn them into the displayed report."""
    return present(gather(db, org, period))


def _order(labels: Sequence[str]) -> list[str]:
    """Groups by name, with "Not given" and "Not shared" last."""
    last = {NOT_GIVEN: 1, NOT_SHARED: 2}
    return sorted(labels, key=lambda label: (last.get(label, 0), label.lower()))


def _with_totals(
    counts: list[list[int]], mask: Mask
) -> tuple[list[list[Cell]], list[Cell], list[Cell], Cell]:
    """Cells, row totals, column totals and grand total under a mask."""
    cells = [
        [count_cell(v, hidden=mask.cells[r][c]) for c, v in enumerate(row)]
        for r, row in enumerate(counts)
    ]
    row_totals = [count_cell(sum(row), hidden=mask.row_totals[r]) for r, row in enumerate(counts)]
    columns = len(counts[0]) if counts else 0
    column_totals = [
        count_cell(sum(row[c] for row in counts), hidden=mask.column_totals[c])
        for c in range(columns)
    ]
    grand = count_cell(sum(map(sum, counts)), hidden=mask.grand)
    return cells, row_totals, column_totals, grand


def present(figures: Figures) -> Dashboard:
    """The displayed report (see the module doc)."""
    threshold = figures.threshold
    breakdowns, margin = _breakdowns(figures)
    trends, trend_totals = _trends(figures)
    credentials = _first_try(figures)
    surveys, rated, rating_total = _surveys(figures)
    pathways, pathway_completed = _two_column_table(
        "pathways",
        "Pathway progress",
        "Pathway",
        ["Completed in the period", "In progress at its end"],
        [(title, [done, going]) for title, done, going in figures.pathways],
        threshold,
    )
    communities, _ = _two_column_table(
        "communities",
        "Community activity",
        "Community",
        ["Threads started", "Replies"],
        [(name, [threads, replies]) for name, threads, replies in figures.communities],
        threshold,
    )
    members, completed, active, inactive, hours = margin
    # active learners = completed + active = members - inactive: shown only when one of those
    # pairs is shown (so it tells nothing new), and never when it is itself a small count
    raw_learners = sum(g.people for g in figures.members if g.status in (COMPLETED, ACTIVE))
    derivable = (completed.value is not None and active.value is not None) or (
        members.value is not None and inactive.value is not None
    )
    learners = count_cell(raw_learners, hidden=not derivable or small(raw_learners, threshold))
    timing = turnaround("All reviews", figures.turnaround_seconds)
    slow = timing.count < threshold
    rows: list[tuple[str, Cell]] = [
        ("Members", members),
        ("Enrollments", trend_totals["enrollments"]),
        ("Active learners", learners),
        ("Members who completed a module", completed),
        ("Module completions", trend_totals["completions"]),
        (
            "Completion rate (of active learners)",
            rate_cell(
                int(completed.value or 0),
                int(learners.value or 0),
                threshold,
                hidden=completed.value is None or learners.value is None,
            ),
        ),
        ("PD hours from modules", hours),
        (
            "PD hours from credentials",
            amount_cell(
                figures.credential_hours,
                hidden=0 < figures.credential_people < threshold,
            ),
        ),
        ("Credentials issued", trend_totals["credentials"]),
        ("Credentials revoked", lone_count(figures.revoked, threshold)),
        ("Credentials expired", lone_count(figures.expired, threshold)),
        (
            "Review turnaround, median (hours)",
            amount_cell(_hours(timing.median_seconds), hidden=slow and timing.count > 0),
        ),
        (
            "Review turnaround, 90th percentile (hours)",
            amount_cell(_hours(timing.p90_seconds), hidden=slow and timing.count > 0),
        ),
        ("Survey ratings", rating_total),
        ("Average survey rating (1-5)", rated),
        ("Pathway completions", pathway_completed),
        ("People who posted in communities", lone_count(figures.posters, threshold)),
    ]
    summary = Table(
        key="summary",
        title="Summary",
        row_heading="Measure",
        columns=["Value"],
        rows=[(label, [cell]) for label, cell in rows],
    )
    dashboard = Dashboard(
        period=figures.period,
        threshold=threshold,
        summary=summary,
        trends=trends,
        breakdowns=breakdowns,
        credentials=credentials,
        surveys=surveys,
        pathways=pathways,
        communities=communities,
        comments=figures.comments,
    )
    dashboard.charts = _charts(dashboard)
    return dashboard


def _hours(seconds: float | None) -> float | None:
    return None if seconds is None else seconds / 3600


Margin = tuple[Cell, Cell, Cell, Cell, Cell]


def _breakdowns(figures: Figures) -> tuple[list[Table], Margin]:
    """One table per dimension: members by status, with PD hours and the completion rate.

    The tables share their column totals (the same members counted each way), so a total one
    table suppresses is suppressed in all of them: the masks are worked out again with the
    union of the hidden totals until no table hides a new one."""
    threshold = figures.threshold
    grids: dict[str, tuple[list[str], list[list[int]], list[Decimal]]] = {}
    for dimension in DIMENSIONS:
        groups: dict[str, list[int]] = {}
        hours: dict[str, Decimal] = {}
        for group in figures.members:
            label = group.attributes[dimension]
            counts = groups.setdefault(label, [0, 0, 0])
            counts[[COMPLETED, ACTIVE, INACTIVE].index(group.status)] += group.people
            hours[label] = hours.get(label, Decimal(0)) + group.hours
        labels = _order(list(groups))
        grids[dimension] = (labels, [groups[k] for k in labels], [hours[k] for k in labels])
    hidden_totals = [False, False, False]
    hidden_grand = False
    while True:
        masks = {
            d: suppression_mask(
                counts or [[0, 0, 0]],
                threshold,
                hidden_column_totals=hidden_totals,
                hidden_grand=hidden_grand,
            )
            for d, (_, counts, _) in grids.items()
        }
        union = [any(m.column_totals[c] for m in masks.values()) for c in range(3)]
        grand = any(m.grand for m in masks.values())
        if union == hidden_totals and grand == hidden_grand:
            break
        hidden_totals, hidden_grand = union, grand
    tables = []
    margin: Margin | None = None
    for dimension, (labels, grid_counts, group_hours) in grids.items():
        mask = masks[dimension]
        grid = grid_counts or [[0, 0, 0]]
        cells, row_totals, column_totals, grand_cell = _with_totals(grid, mask)
        total_hours = amount_cell(sum(group_hours, Decimal(0)), hidden=mask.column_totals[0])
        rows = []
        for r, label in enumerate(labels):
            done, going, _idle = cells[r]
            rows.append(
                (
                    label,
                    [
                        *cells[r],
                        row_totals[r],
                        amount_cell(group_hours[r], hidden=mask.cells[r][0]),
                        rate_cell(
                            grid[r][0],
                            grid[r][0] + grid[r][1],
                            threshold,
                            hidden=done.value is None or going.value is None,
                        ),
                    ],
                )
            )
        rate_total = rate_cell(
            sum(row[0] for row in grid),
            sum(row[0] + row[1] for row in grid),
            threshold,
            hidden=column_totals[0].value is None or column_totals[1].value is None,
        )
        tables.append(
            Table(
                key=f"by-{dimension.replace('_', '-')}",
                title=f"Members by {DIMENSION_TITLES[dimension].lower()}"
                + (" (where teachers chose to share it)" if dimension in DEMOGRAPHIC else ""),
                row_heading=DIMENSION_TITLES[dimension],
                columns=[*STATUS_COLUMNS, "Members", "PD hours", "Completion rate"],
                rows=rows,
                totals=[*column_totals, grand_cell, total_hours, rate_total],
                note=(
                    "Counted only for teachers who chose to share it in their profile; everyone "
                    "else is counted as “Not shared”."
                    if dimension in DEMOGRAPHIC
                    else ""
                ),
            )
        )
        if margin is None:
            margin = (grand_cell, column_totals[0], column_totals[1], column_totals[2], total_hours)
    assert margin is not None
    return tables, margin


def _trends(figures: Figures) -> tuple[Table, dict[str, Cell]]:
    months = figures.period.months()
    counts = [[figures.monthly[s].get(m, 0) for s in TREND_SERIES] for m in months]
    mask = suppression_mask(counts, figures.threshold, row_totals=False)
    cells = [
        [count_cell(v, hidden=mask.cells[r][c]) for c, v in enumerate(row)]
        for r, row in enumerate(counts)
    ]
    totals = [
        count_cell(sum(row[c] for row in counts), hidden=mask.column_totals[c])
        for c in range(len(TREND_SERIES))
    ]
    assert set(TREND_SERIES) <= set(SERIES)
    table = Table(
        key="trends",
        title="By month",
        row_heading="Month",
        columns=[SERIES_TITLES[s] for s in TREND_SERIES],
        rows=list(zip(months, cells, strict=True)),
        totals=totals,
    )
    return table, dict(zip(TREND_SERIES, totals, strict=True))


def _two_column_table(
    key: str,
    title: str,
    heading: str,
    columns: list[str],
    data: list[tuple[str, list[int]]],
    threshold: int,
) -> tuple[Table, Cell]:
    """A table of two counts per row, with row and column totals; and its first column total."""
    counts = [values for _, values in data] or [[0, 0]]
    mask = suppression_mask(counts, threshold)
    cells, row_totals, column_totals, grand = _with_totals(counts, mask)
    rows = [(label, [*cells[r], row_totals[r]]) for r, (label, _) in enumerate(data)]
    table = Table(
        key=key,
        title=title,
        row_heading=heading,
        columns=[*columns, "Total"],
        rows=rows,
        totals=[*column_totals, grand],
    )
    return table, column_totals[0]


def _first_try(figures: Figures) -> Table:
    threshold = figures.threshold
    counts = [[earned, not_yet] for _, earned, not_yet in figures.first_try] or [[0, 0]]
    mask = suppression_mask(counts, threshold)
    cells, row_totals, column_totals, grand = _with_totals(counts, mask)
    rows = [
        (
            name,
            [
                *cells[r],
                row_totals[r],
                rate_cell(
                    counts[r][0],
                    sum(counts[r]),
                    threshold,
                    hidden=cells[r][0].value is None or row_totals[r].value is None,
                ),
            ],
        )
        for r, (name, _, _) in enumerate(figures.first_try)
    ]
    overall = rate_cell(
        sum(row[0] for row in counts),
        sum(map(sum, counts)),
        threshold,
        hidden=column_totals[0].value is None or grand.value is None,
    )
    return Table(
        key="first-try",
        title="First-try pass rate by micro-credential",
        row_heading="Micro-credential",
        columns=[
            "Earned on the first attempt",
            "Not yet on the first attempt",
            "First attempts decided",
            "First-try pass rate",
        ],
        rows=rows,
        totals=[*column_totals, grand, overall],
    )


def _surveys(figures: Figures) -> tuple[Table, Cell, Cell]:
    threshold = figures.threshold
    counts = [[ratings.get(n, 0) for n in range(1, 6)] for _, ratings in figures.ratings]
    grid = counts or [[0] * 5]
    mask = suppression_mask(grid, threshold)
    cells, row_totals, column_totals, grand = _with_totals(grid, mask)

    def average(row: list[int], hidden: bool) -> Cell:
        total = sum(row)
        if total == 0:
            return amount_cell(None, hidden=False)
        value = sum(n * c for n, c in zip(range(1, 6), row, strict=True)) / total
        return amount_cell(value, hidden=hidden or total < threshold)

    rows = [
        (title, [*cells[r], row_totals[r], average(counts[r], row_totals[r].value is None)])
        for r, (title, _) in enumerate(figures.ratings)
    ]
    column_sum = [sum(row[c] for row in grid) for c in range(5)]
    overall = average(column_sum, grand.value is None)
    table = Table(
        key="surveys",
        title="Survey ratings by module",
        row_heading="Module",
        columns=["1", "2", "3", "4", "5", "Responses", "Average"],
        rows=rows,
        totals=[*column_totals, grand, overall],
        note="Ratings from 1 (not useful) to 5 (very useful) given at the end of a module.",
    )
    return table, overall, grand


def _charts(dashboard: Dashboard) -> dict[str, str]:
    trends = dashboard.trends
    months = [label for label, _ in trends.rows]
    out = {
        "trends": charts.line_chart(
            "chart-trends",
            "Enrollments, completions and credentials by month",
            months,
            [
                (name, [cells[c] for _, cells in trends.rows])
                for c, name in enumerate(trends.columns)
            ],
        )
    }
    for table in dashboard.breakdowns:
        out[table.key] = charts.bar_chart(
            f"chart-{table.key}",
            f"Members who completed a module, by {table.row_heading.lower()}",
            [label for label, _ in table.rows],
            [cells[0] for _, cells in table.rows],
        )
    first = dashboard.credentials
    out[first.key] = charts.bar_chart(
        f"chart-{first.key}",
        "First-try pass rate by micro-credential",
        [label for label, _ in first.rows],
        [cells[3] for _, cells in first.rows],
    )
    return out


def to_csv(table: Table) -> str:
    """A table as CSV, with the same (suppressed) text the page shows."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    for row in table.csv_rows():
        writer.writerow([_safe(value) for value in row])
    return buffer.getvalue()


def _safe(value: str) -> str:
    """Keep spreadsheet programs from running a cell as a formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value
