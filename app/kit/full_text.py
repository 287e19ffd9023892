"""Full-text search on either database: the words of a search box as a filter and an order.

PostgreSQL matches a ``tsvector`` (a stored column or a ``to_tsvector`` expression with a GIN
index) against ``plainto_tsquery``; SQLite matches an FTS5 table with every word quoted. Either
way every word must be found (English stemming on PostgreSQL, Porter on SQLite) and the best
match comes first (``ts_rank`` / FTS5 ``rank``, which is bm25).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, TypeVar

from sqlalchemy import (
    ColumnElement,
    FromClause,
    Select,
    SQLColumnExpression,
    bindparam,
    func,
    literal_column,
    select,
)
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import column, table

CONFIG: ColumnElement[Any] = literal_column("'english'")  # a constant: GIN expression indexes match
SelectT = TypeVar("SelectT", bound=Select[Any])


def tsvector(text: SQLColumnExpression[str]) -> ColumnElement[Any]:
    """PostgreSQL's English ``tsvector`` of ``text`` (as written in a GIN expression index)."""
    return func.to_tsvector(CONFIG, text)


@dataclass(frozen=True)
class Source:
    """Where a feature's text is indexed.

    ``fts5`` is the SQLite FTS5 table, searched in ``fts5_columns`` (all of its indexed columns
    when empty). When that table is not the one selected from, ``fts5_rows`` names its column
    holding the searched row's id and that id, and the search joins on them. ``tsvector`` is
    what PostgreSQL matches, on the table selected from.
    """

    fts5: str
    tsvector: SQLColumnExpression[Any]
    fts5_columns: tuple[str, ...] = ()
    fts5_rows: tuple[str, SQLColumnExpression[Any]] | None = None


@dataclass(frozen=True)
class Match:
    """A full-text condition, applied to a query, and the order that puts the best match first."""

    best_first: ColumnElement[Any]
    where: ColumnElement[bool] | None = None
    join: tuple[FromClause, ColumnElement[bool]] | None = None

    def apply(self, query: SelectT) -> SelectT:
        """``query`` keeping only the matching rows."""
        if self.join is not None:
            query = query.join(*self.join)
        return query if self.where is None else query.where(self.where)


def match(db: Session, source: Source, terms: list[str]) -> Match:
    """Rows of ``source`` holding every one of ``terms`` (words, at least one), best first."""
    if not terms:
        raise ValueError("full-text search needs at least one word")
    if db.get_bind().dialect.name == "postgresql":
        return _tsquery(source, terms)
    return _fts5(source, terms)


def fts5_query(terms: list[str], columns: tuple[str, ...] = ()) -> str:
    """``terms`` as an FTS5 query: each a quoted string (never syntax), all required."""
    quoted = " ".join('"' + term.replace('"', '""') + '"' for term in terms)
    return f"{{{' '.join(columns)}}}: ({quoted})" if columns else quoted


def _tsquery(source: Source, terms: list[str]) -> Match:
    query = func.plainto_tsquery(CONFIG, bindparam(None, " ".join(terms)))
    return Match(
        best_first=func.ts_rank(source.tsvector, query).desc(),
        where=source.tsvector.bool_op("@@")(query),
    )


def _fts5(source: Source, terms: list[str]) -> Match:
    found = literal_column(source.fts5).bool_op("MATCH")(
        bindparam(None, fts5_query(terms, source.fts5_columns))
    )
    if source.fts5_rows is None:
        return Match(best_first=table(source.fts5, column("rank")).c.rank, where=found)
    key, row_id = source.fts5_rows
    fts = table(source.fts5, column(key), column("rank"))
    hits = select(fts.c[key], fts.c.rank).where(found).subquery()
    return Match(best_first=hits.c.rank, join=(hits, hits.c[key] == row_id))
