"""Property test of the whole report: for random organizations (members spread over schools,
subjects, grade bands and shared demographics; random monthly counts, reviews, surveys, pathways,
communities) and thresholds, no count under the threshold is shown in any table, the breakdown
tables hide the same totals, and no suppressed count can be worked out from what is shown."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from app.services.impact.figures import ACTIVE, COMPLETED, INACTIVE, Figures, MemberGroup
from app.services.impact.period import Period
from app.services.impact.report import present
from app.services.impact.suppression import Cell, Table
from tests.impact.test_suppression import _lines, _recoverable

PERIOD = Period(date(2026, 1, 1), date(2026, 6, 30))
COUNT_COLUMNS = {
    "summary": None,  # checked by label below
    "trends": 3,
    "first-try": 3,
    "surveys": 6,
    "pathways": 3,
    "communities": 3,
}
SUMMARY_COUNTS = {
    "Members",
    "Enrollments",
    "Active learners",
    "Members who completed a module",
    "Module completions",
    "Credentials issued",
    "Credentials revoked",
    "Credentials expired",
    "Survey ratings",
    "Pathway completions",
    "People who posted in communities",
}

groups = st.lists(
    st.builds(
        MemberGroup,
        attributes=st.fixed_dictionaries(
            {
                "school": st.sampled_from(["Oak", "Elm", "Not given"]),
                "subject": st.sampled_from(["Math", "Science", "Not given"]),
                "grade_band": st.sampled_from(["K-2", "3-5"]),
                "gender": st.sampled_from(["Woman", "Man", "Not shared"]),
                "race_ethnicity": st.sampled_from(["Asian", "White", "Not shared"]),
                "years_experience": st.sampled_from(["0-2", "21 or more", "Not shared"]),
            }
        ),
        status=st.sampled_from([COMPLETED, ACTIVE, INACTIVE]),
        people=st.integers(1, 25),
        hours=st.just(Decimal("1.5")),
    ),
    max_size=12,
)
small_counts = st.integers(0, 30)


@st.composite
def figures(draw) -> Figures:
    months = PERIOD.months()
    return Figures(
        period=PERIOD,
        threshold=draw(st.integers(2, 12)),
        members=draw(groups),
        monthly={
            series: {m: draw(small_counts) for m in months}
            for series in ("enrollments", "completions", "credentials", "posts")
        },
        revoked=draw(small_counts),
        expired=draw(small_counts),
        credential_people=draw(small_counts),
        credential_hours=Decimal(draw(small_counts)),
        first_try=[
            (f"MC {n}", draw(small_counts), draw(small_counts))
            for n in range(draw(st.integers(0, 3)))
        ],
        turnaround_seconds=draw(st.lists(st.integers(60, 10**6), max_size=15)),
        ratings=[
            (f"Module {n}", {r: draw(small_counts) for r in range(1, 6)})
            for n in range(draw(st.integers(0, 3)))
        ],
        pathways=[
            (f"Pathway {n}", draw(small_counts), draw(small_counts))
            for n in range(draw(st.integers(0, 3)))
        ],
        communities=[
            (f"Community {n}", draw(small_counts), draw(small_counts))
            for n in range(draw(st.integers(0, 3)))
        ],
        posters=draw(small_counts),
    )


def _small(cell: Cell, threshold: int) -> bool:
    return cell.value is not None and 0 < cell.value < threshold


def _counts_of(table: Table, width: int) -> list[list[Cell]]:
    rows = [cells[:width] for _, cells in table.rows]
    if table.totals is not None:
        rows.append(table.totals[:width])
    return rows


@settings(max_examples=150, deadline=None)
@given(figures())
def test_no_small_count_is_shown_or_recoverable(data: Figures) -> None:
    report = present(data)
    threshold = data.threshold
    for label, (cell,) in report.summary.rows:
        if label in SUMMARY_COUNTS:
            assert not _small(cell, threshold), (label, cell)
    for table in report.tables:
        width = 4 if table.key.startswith("by-") else COUNT_COLUMNS[table.key]
        if width is None:
            continue
        for row in _counts_of(table, width):
            for cell in row:
                assert not _small(cell, threshold), (table.key, cell)
        for _, cells in table.rows:  # rates never give a small count away either
            for cell in cells[width:]:
                if cell.text.endswith(" %") and cell.value is not None:
                    assert cell.value in range(0, 101)
    hidden_totals = {tuple(c.suppressed for c in table.totals or []) for table in report.breakdowns}
    assert len({t[:4] for t in hidden_totals}) == 1  # the same totals hidden in every breakdown
    for table in [*report.breakdowns, report.credentials, report.pathways, report.communities]:
        _check_not_recoverable(table, 3 if table.key.startswith("by-") else 2, data)


def _check_not_recoverable(table: Table, width: int, data: Figures) -> None:
    """Rebuild the counts and hidden flags of a table with row and column totals (the inner
    ``width`` columns, then the row total) and check no hidden entry is determined."""
    if not table.rows:
        return
    values, hidden = {}, {}
    n = len(table.rows)
    for r, (_, cells) in enumerate(table.rows):
        for c in range(width + 1):
            hidden[(r, c)] = cells[c].suppressed
    assert table.totals is not None
    for c in range(width + 1):
        hidden[(n, c)] = table.totals[c].suppressed
    # the true values are only needed to build the equations' shape: use zeros
    for key in hidden:
        values[key] = 0
    assert _recoverable(values, hidden, _lines(n, width, rows_t=True, cols_t=True)) == []
