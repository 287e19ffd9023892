"""Small-cell suppression: what every figure of an impact report shows (pure, no database).

Every number a report shows, in HTML, CSV or JSON, is a :class:`Cell` made here, so the rule is
written once:

- A count of people (or of events, which stand for people) from 1 to ``threshold - 1`` is
  *suppressed* (primary suppression). **A zero is shown**: it counts nobody, so it identifies no
  one, and hiding zeros would hide "no one in this school has started yet", which is what a PD
  lead most needs to see.
- In a table with totals, a suppressed cell must not be recoverable by subtraction: every row
  and every column (each with its total) holds either no suppressed entry or at least two
  (complementary suppression: the next smallest cell of the line is suppressed too, non-zero
  cells before zeros, inner cells before the total, until nothing changes). In a table with row
  *and* column totals the suppressed cells must also not form a "bridge" (a cell recoverable by
  combining several rows and columns), so the pattern is extended until every suppressed cell
  lies on a cycle of suppressed cells: then no linear combination of the shown figures and
  totals gives any one of them. Totals under the threshold are suppressed like any cell.
- A rate is suppressed when its denominator is under the threshold. When its numerator, or the
  people not counted by it, number 1 to ``threshold - 1`` (the exact rate would give that small
  count away), it is shown as "<5 %" or ">95 %" when it is near 0 or 100, and suppressed
  otherwise.
- Sums (PD hours) and averages follow the count of people behind them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Decimal

SUPPRESSED = "suppressed"
"""What a suppressed figure shows, in every format."""
NOTHING = "—"
"""A rate over nobody (no denominator)."""


@dataclass(frozen=True)
class Cell:
    """One displayed figure: the text people see and the number, when it may be shown."""

    text: str
    value: int | float | None

    @property
    def suppressed(self) -> bool:
        """Whether the figure is withheld."""
        return self.text == SUPPRESSED

    def as_json(self) -> dict[str, object]:
        """``{"value": number or null, "display": text}`` (null whenever not shown exactly)."""
        return {"value": self.value, "display": self.text, "suppressed": self.suppressed}


HIDDEN = Cell(SUPPRESSED, None)


def count_cell(value: int, *, hidden: bool) -> Cell:
    """A count, or the suppression marker when the mask hides it."""
    return HIDDEN if hidden else Cell(f"{value:,}", value)


def small(value: int, threshold: int) -> bool:
    """Whether a count is small enough to identify someone (1 to threshold - 1)."""
    return 0 < value < threshold


def lone_count(value: int, threshold: int) -> Cell:
    """A count shown alone (not in a table): suppressed when small."""
    return count_cell(value, hidden=small(value, threshold))


def amount_cell(value: Decimal | float | None, *, hidden: bool, places: int = 1) -> Cell:
    """A sum or an average (PD hours, ratings), hidden with the count of people behind it."""
    if hidden:
        return HIDDEN
    if value is None:
        return Cell(NOTHING, None)
    number = round(float(value), places)
    return Cell(f"{number:,.{places}f}", number)


def rate_cell(numerator: int, denominator: int, threshold: int, *, hidden: bool = False) -> Cell:
    """A percentage that never gives away a count under the threshold (see the module doc)."""
    if hidden:
        return HIDDEN
    if denominator <= 0:
        return Cell(NOTHING, None)
    if denominator < threshold:
        return HIDDEN
    percent = 100.0 * numerator / denominator
    if small(numerator, threshold) or small(denominator - numerator, threshold):
        if percent < 5:
            return Cell("<5 %", None)
        if percent > 95:
            return Cell(">95 %", None)
        return HIDDEN
    shown = round(percent)
    return Cell(f"{shown} %", shown)


@dataclass
class Mask:
    """Which entries of a table are suppressed: cells, row totals, column totals, grand total."""

    cells: list[list[bool]]
    row_totals: list[bool] = field(default_factory=list)
    column_totals: list[bool] = field(default_factory=list)
    grand: bool = False


Entry = tuple[int, int]  # (row, column) in the table extended by its totals (row R, column C)


def suppression_mask(
    counts: Sequence[Sequence[int]],
    threshold: int,
    *,
    row_totals: bool = True,
    column_totals: bool = True,
    hidden_column_totals: Sequence[bool] = (),
    hidden_grand: bool = False,
) -> Mask:
    """The suppressed entries of a table of counts whose totals are the sums of its rows
    and/or columns (see the module doc for the rule).

    ``hidden_column_totals`` and ``hidden_grand`` suppress those totals from the start: several
    tables that share their totals (one breakdown per school, per subject...) must hide the same
    ones, or one table would show what another hides."""
    rows = len(counts)
    cols = len(counts[0]) if rows else 0
    if any(len(row) != cols for row in counts):
        raise ValueError("every row needs the same number of cells")
    values: dict[Entry, int] = {(r, c): int(counts[r][c]) for r in range(rows) for c in range(cols)}
    if row_totals:
        for r in range(rows):
            values[(r, cols)] = sum(counts[r])
    if column_totals:
        for c in range(cols):
            values[(rows, c)] = sum(counts[r][c] for r in range(rows))
    if row_totals and column_totals:
        values[(rows, cols)] = sum(sum(row) for row in counts)
    lines = _lines(rows, cols, row_totals=row_totals, column_totals=column_totals)
    hidden = {entry for entry, value in values.items() if small(value, threshold)}
    if column_totals:
        hidden |= {(rows, c) for c, flag in enumerate(hidden_column_totals) if flag}
    if row_totals and column_totals and hidden_grand:
        hidden.add((rows, cols))
    changed = True
    while changed:
        changed = _complete_lines(values, lines, hidden, rows, cols)
        if not changed and row_totals and column_totals:
            changed = _break_bridges(values, hidden, rows, cols)
    return Mask(
        cells=[[(r, c) in hidden for c in range(cols)] for r in range(rows)],
        row_totals=[(r, cols) in hidden for r in range(rows)] if row_totals else [],
        column_totals=[(rows, c) in hidden for c in range(cols)] if column_totals else [],
        grand=(rows, cols) in hidden if row_totals and column_totals else False,
    )


def _lines(rows: int, cols: int, *, row_totals: bool, column_totals: bool) -> list[list[Entry]]:
    """Each group of entries whose sum is shown as one of them (inner cells first, total last)."""
    lines: list[list[Entry]] = []
    if row_totals:
        lines += [[(r, c) for c in range(cols + 1)] for r in range(rows)]
        if column_totals:
            lines.append([(rows, c) for c in range(cols + 1)])
    if column_totals:
        lines += [[(r, c) for r in range(rows + 1)] for c in range(cols)]
        if row_totals:
            lines.append([(r, cols) for r in range(rows + 1)])
    return lines


def _preference(values: dict[Entry, int], rows: int, cols: int, entry: Entry) -> tuple[int, ...]:
    """Which entry to suppress next: non-zero first, inner cells before totals, small first."""
    value = values[entry]
    is_total = entry[0] == rows or entry[1] == cols
    return (value == 0, is_total, value, entry[0], entry[1])


def _complete_lines(
    values: dict[Entry, int], lines: list[list[Entry]], hidden: set[Entry], rows: int, cols: int
) -> bool:
    """Suppress one more entry in every line holding exactly one; whether anything changed."""
    changed = False
    for line in lines:
        if sum(1 for entry in line if entry in hidden) != 1:
            continue
        candidates = [entry for entry in line if entry not in hidden]
        if candidates:  # a line always has two entries or more, so there is one
            hidden.add(min(candidates, key=lambda e: _preference(values, rows, cols, e)))
            changed = True
    return changed


def _break_bridges(values: dict[Entry, int], hidden: set[Entry], rows: int, cols: int) -> bool:
    """In a table with both totals, suppress one more entry to put a bridge on a cycle.

    Rows (with the totals row) and columns (with the totals column) are the nodes of a graph
    whose edges are the suppressed entries. A suppressed entry that is a bridge of that graph
    can be worked out by adding and subtracting whole rows and columns; one on a cycle cannot.
    """
    bridge = _find_bridge(hidden)
    if bridge is None:
        return False
    side_a, side_b = _sides(hidden - {bridge}, bridge)
    candidates = [
        (r, c)
        for r in range(rows + 1)
        for c in range(cols + 1)
        if (r, c) not in hidden
        and (
            (("r", r) in side_a and ("c", c) in side_b)
            or (("r", r) in side_b and ("c", c) in side_a)
        )
    ]
    hidden.add(min(candidates, key=lambda e: _preference(values, rows, cols, e)))
    return True


Node = tuple[str, int]


def _adjacency(hidden: set[Entry]) -> dict[Node, list[tuple[Node, Entry]]]:
    graph: dict[Node, list[tuple[Node, Entry]]] = {}
    for entry in hidden:
        row, col = ("r", entry[0]), ("c", entry[1])
        graph.setdefault(row, []).append((col, entry))
        graph.setdefault(col, []).append((row, entry))
    return graph


def _find_bridge(hidden: set[Entry]) -> Entry | None:
    """A bridge of the suppressed-entry graph, if any (Tarjan's low-link, without recursion)."""
    graph = _adjacency(hidden)
    order: dict[Node, int] = {}
    low: dict[Node, int] = {}
    bridges: list[Entry] = []
    for start in sorted(graph):
        if start in order:
            continue
        order[start] = low[start] = len(order)
        stack: list[tuple[Node, Entry | None, int]] = [(start, None, 0)]
        while stack:
            node, via, index = stack[-1]
            neighbours = graph[node]
            if index < len(neighbours):
                stack[-1] = (node, via, index + 1)
                nxt, edge = neighbours[index]
                if edge == via:
                    continue
                if nxt in order:
                    low[node] = min(low[node], order[nxt])
                else:
                    order[nxt] = low[nxt] = len(order)
                    stack.append((nxt, edge, 0))
                continue
            stack.pop()
            if stack:
                parent = stack[-1][0]
                low[parent] = min(low[parent], low[node])
                if low[node] > order[parent] and via is not None:
                    bridges.append(via)
    return min(bridges) if bridges else None


def _sides(rest: set[Entry], bridge: Entry) -> tuple[set[Node], set[Node]]:
    """The nodes reachable from each end of ``bridge`` without it."""
    graph = _adjacency(rest)

    def reach(start: Node) -> set[Node]:
        seen = {start}
        todo = [start]
        while todo:
            node = todo.pop()
            for nxt, _ in graph.get(node, []):
                if nxt not in seen:
                    seen.add(nxt)
                    todo.append(nxt)
        return seen

    return reach(("r", bridge[0])), reach(("c", bridge[1]))


@dataclass(frozen=True)
class Table:
    """A displayed table: a heading per column, one row of cells per group, and totals."""

    key: str
    title: str
    row_heading: str
    columns: list[str]
    rows: list[tuple[str, list[Cell]]]
    totals: list[Cell] | None = None
    note: str = ""

    def as_json(self) -> dict[str, object]:
        """The table as the API returns it."""
        return {
            "key": self.key,
            "title": self.title,
            "row_heading": self.row_heading,
            "columns": self.columns,
            "rows": [
                {"label": label, "cells": [c.as_json() for c in cells]}
                for label, cells in self.rows
            ],
            "totals": [c.as_json() for c in self.totals] if self.totals is not None else None,
            "note": self.note,
        }

    def csv_rows(self) -> list[list[str]]:
        """Header, rows and totals as text (the same text the page shows)."""
        out = [[self.row_heading, *self.columns]]
        out += [[label, *(c.text for c in cells)] for label, cells in self.rows]
        if self.totals is not None:
            out.append(["Total", *(c.text for c in self.totals)])
        return out
