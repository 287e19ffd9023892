"""Full-text search on SQLite (FTS5) and PostgreSQL (tsvector), on tables of the tests' own.

Two ways a feature indexes text: the table it selects from is the index (``notes``: an FTS5 table
on SQLite, a plain table on PostgreSQL), or the rows live elsewhere (``lessons``) and the SQLite
FTS5 table (``lessons_fts``) is joined on their id.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import column, table

from app.kit import full_text, search_terms

NOTES = table("notes", column("id"), column("tag"), column("body"))
LESSONS = table("lessons", column("id"), column("body"))
IN_NOTES = full_text.Source(
    fts5="notes", tsvector=full_text.tsvector(NOTES.c.body), fts5_columns=("body",)
)
IN_LESSONS = full_text.Source(
    fts5="lessons_fts",
    tsvector=full_text.tsvector(LESSONS.c.body),
    fts5_rows=("lesson_id", LESSONS.c.id),
)
TEXTS = {
    1: "Fraction strips and fraction walls: fractions everywhere",
    2: "Exit tickets after a lesson on fractions and decimals",
    3: "Estimation jars with beans",
    4: "Fraction strips",
}


def _postgres(db: Session) -> bool:
    return db.get_bind().dialect.name == "postgresql"


@pytest.fixture
def notes(db: Session) -> None:
    """``notes`` holding TEXTS; each tagged "decimals", a word only searched in ``body``."""
    if _postgres(db):
        db.execute(text("CREATE TABLE notes (id int PRIMARY KEY, tag text, body text)"))
    else:
        db.execute(
            text(
                "CREATE VIRTUAL TABLE notes USING fts5(id UNINDEXED, tag, body, tokenize = porter)"
            )
        )
    db.execute(
        text("INSERT INTO notes (id, tag, body) VALUES (:id, 'decimals', :body)"),
        [{"id": key, "body": body} for key, body in TEXTS.items()],
    )


@pytest.fixture
def lessons(db: Session) -> None:
    """``lessons`` holding TEXTS; on SQLite also their FTS5 index ``lessons_fts``."""
    db.execute(text("CREATE TABLE lessons (id int PRIMARY KEY, body text)"))
    rows = [{"id": key, "body": body} for key, body in TEXTS.items()]
    db.execute(text("INSERT INTO lessons (id, body) VALUES (:id, :body)"), rows)
    if not _postgres(db):
        db.execute(
            text(
                "CREATE VIRTUAL TABLE lessons_fts"
                " USING fts5(lesson_id UNINDEXED, body, tokenize = porter)"
            )
        )
        db.execute(text("INSERT INTO lessons_fts (lesson_id, body) VALUES (:id, :body)"), rows)


def found_notes(db: Session, words: list[str]) -> list[int]:
    """Ids of the notes holding every word, best first."""
    match = full_text.match(db, IN_NOTES, words)
    return list(db.scalars(match.apply(select(NOTES.c.id)).order_by(match.best_first)))


def found_lessons(db: Session, words: list[str]) -> list[int]:
    """Ids of the lessons holding every word, best first (then by id)."""
    match = full_text.match(db, IN_LESSONS, words)
    query = match.apply(select(LESSONS.c.id))
    return list(db.scalars(query.order_by(match.best_first, LESSONS.c.id)))


FINDERS: list[tuple[str, Callable[[Session, list[str]], list[int]]]] = [
    ("notes", found_notes),
    ("lessons", found_lessons),
]


@pytest.mark.parametrize(("source", "found"), FINDERS)
def test_every_word_is_required_and_the_best_match_comes_first(
    request: pytest.FixtureRequest, db: Session, source: str, found
) -> None:
    request.getfixturevalue(source)
    best, *others = found(db, ["fraction"])
    assert [best, sorted(others)] == [1, [2, 4]]  # three times in the first
    assert sorted(found(db, ["fractions", "strips"])) == [1, 4]
    assert found(db, ["beans", "fractions"]) == []


@pytest.mark.parametrize(("source", "found"), FINDERS)
def test_words_are_stemmed(request: pytest.FixtureRequest, db: Session, source: str, found) -> None:
    request.getfixturevalue(source)
    assert found(db, ["ticket"]) == [2]
    assert found(db, ["estimating", "jar"]) == [3]


@pytest.mark.parametrize(("source", "found"), FINDERS)
def test_symbols_around_words_are_not_syntax(
    request: pytest.FixtureRequest, db: Session, source: str, found
) -> None:
    request.getfixturevalue(source)
    words = search_terms.words('"exit -tickets* NEAR(decimals) OR', 8)
    assert words == ["exit", "tickets", "NEAR", "decimals", "OR"]
    assert found(db, words[:2]) == [2]  # "-tickets" is the word, not "without tickets"
    assert found(db, ['say "hi"', "title:x", "NOT"]) == []  # quotes and operators match text


def test_only_the_searched_columns_are_matched(db: Session, notes: None) -> None:
    assert found_notes(db, ["decimals"]) == [2]  # every note's tag says "decimals"


def test_the_join_counts_each_lesson_once(db: Session, lessons: None) -> None:
    match = full_text.match(db, IN_LESSONS, ["fraction", "strips"])
    matching = match.apply(select(LESSONS.c.id)).subquery()
    assert db.scalar(select(func.count()).select_from(matching)) == 2


def test_no_words_is_a_mistake_of_the_caller(db: Session) -> None:
    with pytest.raises(ValueError, match="at least one word"):
        full_text.match(db, IN_NOTES, [])


def test_fts5_queries_quote_every_word() -> None:
    assert full_text.fts5_query(["exit", 'a"b']) == '"exit" "a""b"'
    assert full_text.fts5_query(["exit"], ("title", "body")) == '{title body}: ("exit")'
