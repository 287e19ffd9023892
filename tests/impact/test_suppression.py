"""The suppression rule, on random tables: no shown figure counts fewer than the threshold, and no
suppressed figure can be worked out from the shown figures and totals (by subtraction in one row
or column, nor by any combination of rows and columns)."""

from __future__ import annotations

from fractions import Fraction

from hypothesis import given, settings
from hypothesis import strategies as st

from app.services.impact.suppression import (
    SUPPRESSED,
    Mask,
    amount_cell,
    lone_count,
    rate_cell,
    suppression_mask,
)

tables = st.integers(1, 6).flatmap(
    lambda cols: st.lists(
        st.lists(st.integers(0, 40), min_size=cols, max_size=cols), min_size=1, max_size=6
    )
)
thresholds = st.integers(1, 15)


def _extended(counts: list[list[int]], mask: Mask, *, rows_t: bool, cols_t: bool):
    """values and hidden flags of every entry, totals included, keyed (row, column)."""
    n, m = len(counts), len(counts[0])
    values, hidden = {}, {}
    for r in range(n):
        for c in range(m):
            values[(r, c)], hidden[(r, c)] = counts[r][c], mask.cells[r][c]
    if rows_t:
        for r in range(n):
            values[(r, m)], hidden[(r, m)] = sum(counts[r]), mask.row_totals[r]
    if cols_t:
        for c in range(m):
            values[(n, c)] = sum(row[c] for row in counts)
            hidden[(n, c)] = mask.column_totals[c]
    if rows_t and cols_t:
        values[(n, m)], hidden[(n, m)] = sum(map(sum, counts)), mask.grand
    return values, hidden


def _lines(n: int, m: int, *, rows_t: bool, cols_t: bool):
    lines = []
    if rows_t:
        lines += [[(r, c) for c in range(m + 1)] for r in range(n + 1 if cols_t else n)]
    if cols_t:
        lines += [[(r, c) for r in range(n + 1)] for c in range(m + 1 if rows_t else m)]
    return lines


def _rank(matrix: list[list[Fraction]]) -> int:
    rows = [row[:] for row in matrix]
    rank, width = 0, len(rows[0]) if rows else 0
    for col in range(width):
        pivot = next((i for i in range(rank, len(rows)) if rows[i][col] != 0), None)
        if pivot is None:
            continue
        rows[rank], rows[pivot] = rows[pivot], rows[rank]
        for i in range(len(rows)):
            if i != rank and rows[i][col] != 0:
                factor = rows[i][col] / rows[rank][col]
                rows[i] = [a - factor * b for a, b in zip(rows[i], rows[rank], strict=True)]
        rank += 1
    return rank


def _recoverable(values, hidden, lines) -> list[tuple[int, int]]:
    """Suppressed entries fixed by the equations "each line's inner cells sum to its total"."""
    unknown = sorted(e for e, h in hidden.items() if h)
    if not unknown:
        return []
    index = {e: i for i, e in enumerate(unknown)}
    equations = []
    for line in lines:
        *inner, total = line
        row = [Fraction(0)] * len(unknown)
        for e in inner:
            if e in index:
                row[index[e]] += 1
        if total in index:
            row[index[total]] -= 1
        if any(row):
            equations.append(row)
    if not equations:
        return []
    base = _rank(equations)
    found = []
    for e, i in index.items():
        unit = [Fraction(0)] * len(unknown)
        unit[i] = Fraction(1)
        if _rank([*equations, unit]) == base:
            found.append(e)
    return found


def _check(counts: list[list[int]], threshold: int, *, rows_t: bool, cols_t: bool) -> None:
    mask = suppression_mask(counts, threshold, row_totals=rows_t, column_totals=cols_t)
    values, hidden = _extended(counts, mask, rows_t=rows_t, cols_t=cols_t)
    for entry, value in values.items():
        if 0 < value < threshold:
            assert hidden[entry], (entry, value)
    lines = _lines(len(counts), len(counts[0]), rows_t=rows_t, cols_t=cols_t)
    for line in lines:
        assert sum(hidden[e] for e in line) != 1, line
    assert _recoverable(values, hidden, lines) == []


@settings(max_examples=300, deadline=None)
@given(tables, thresholds)
def test_tables_with_both_totals(counts, threshold) -> None:
    _check(counts, threshold, rows_t=True, cols_t=True)


@settings(max_examples=150, deadline=None)
@given(tables, thresholds)
def test_tables_with_column_totals_only(counts, threshold) -> None:
    _check(counts, threshold, rows_t=False, cols_t=True)


@settings(max_examples=150, deadline=None)
@given(tables, thresholds)
def test_tables_with_row_totals_only(counts, threshold) -> None:
    _check(counts, threshold, rows_t=True, cols_t=False)


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 200), st.integers(0, 200), thresholds)
def test_a_rate_never_gives_away_a_small_count(a, b, threshold) -> None:
    numerator, denominator = min(a, b), max(a, b)
    cell = rate_cell(numerator, denominator, threshold)
    if cell.value is None:
        return
    assert denominator >= threshold
    assert not (0 < numerator < threshold)
    assert not (0 < denominator - numerator < threshold)


def test_a_row_with_one_small_cell_loses_its_next_smallest_too() -> None:
    mask = suppression_mask([[3, 20, 30], [15, 12, 40]], 10)
    assert mask.cells == [[True, True, False], [True, True, False]]
    assert mask.row_totals == [False, False]
    assert mask.column_totals == [False, False, False]


def test_the_bridge_between_two_squares_is_closed() -> None:
    # rows 0-1 x columns 0-1 and rows 2-3 x columns 2-3 hold small cells; each line then has two
    # suppressed entries, but the pattern must not let a combination of lines recover any cell
    counts = [
        [3, 4, 50, 60],
        [5, 6, 70, 80],
        [90, 91, 2, 3],
        [92, 93, 4, 5],
    ]
    _check(counts, 10, rows_t=True, cols_t=True)


def test_three_teachers_in_one_school() -> None:
    # one row (the school), one column (completed): the cell and every total are under 10
    mask = suppression_mask([[3]], 10)
    assert mask.cells == [[True]]
    assert mask.row_totals == [True]
    assert mask.column_totals == [True]
    assert mask.grand


def test_zero_is_shown_and_a_total_under_the_threshold_is_not() -> None:
    mask = suppression_mask([[0, 12], [0, 15]], 10)
    assert mask.cells == [[False, False], [False, False]]
    mask = suppression_mask([[0, 4]], 10)
    assert mask.cells == [[False, True]]
    assert mask.row_totals == [True]


def test_rates() -> None:
    assert rate_cell(0, 0, 10).text == "—"
    assert rate_cell(3, 8, 10).text == SUPPRESSED
    assert rate_cell(1, 40, 10).text == "<5 %"
    assert rate_cell(39, 40, 10).text == ">95 %"
    assert rate_cell(5, 20, 10).text == SUPPRESSED  # 25 % of 20 gives 5 away
    assert rate_cell(10, 40, 10).text == "25 %"
    assert rate_cell(0, 40, 10).text == "0 %"
    assert rate_cell(40, 40, 10).text == "100 %"
    assert rate_cell(20, 40, 10, hidden=True).text == SUPPRESSED


def test_counts_and_amounts_alone() -> None:
    assert lone_count(9, 10).text == SUPPRESSED
    assert lone_count(0, 10).text == "0"
    assert lone_count(1234, 10).text == "1,234"
    assert amount_cell(12.345, hidden=False).text == "12.3"
    assert amount_cell(12.345, hidden=True).value is None
