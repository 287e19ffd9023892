"""Full-text search over community threads, replies and resources the viewer may read.

PostgreSQL: a plain table with a stored ``tsvector`` column (English) and a GIN index on it.
SQLite: an FTS5 virtual table (``doc_id`` is an indexed column there, so updates are quick).
Both are created by the migration and kept up to date here.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select, text
from sqlalchemy.orm import Session
from sqlalchemy.sql.expression import column, table

from app.kit import full_text, search_terms
from app.kit.markdown import plain_text
from app.models import Community, Organization, User
from app.services.communities import membership as communities

MAX_TERMS = 8
EXCERPT_CHARS = 240
EXCERPT_SOURCE = 1000  # Markdown read to make an excerpt of EXCERPT_CHARS plain characters
FTS = table(
    "community_fts",
    *(column(name) for name in ("kind", "doc_id", "community_id", "thread_id", "label", "body")),
    column("document"),  # PostgreSQL: tsvector of title and body, generated and GIN-indexed
)
TEXT = full_text.Source(
    fts5="community_fts", tsvector=FTS.c.document, fts5_columns=("title", "body")
)
_HIT_COLUMNS = (  # a SearchHit's fields, in order
    FTS.c.kind,
    FTS.c.doc_id,
    FTS.c.community_id,
    FTS.c.thread_id,
    FTS.c.label,
    func.substr(FTS.c.body, 1, EXCERPT_SOURCE),
)


@dataclass(frozen=True)
class SearchHit:
    """One result: what it is, where it lives and a short excerpt."""

    kind: str  # "thread", "post" or "resource"
    doc_id: str
    community_id: str
    thread_id: str
    title: str
    excerpt: str  # plain text: the Markdown syntax is left out

    @property
    def doc_uuid(self) -> uuid.UUID:
        """The document's id."""
        return uuid.UUID(hex=self.doc_id)

    @property
    def thread_uuid(self) -> uuid.UUID | None:
        """The thread's id (threads and replies)."""
        return uuid.UUID(hex=self.thread_id) if self.thread_id else None


def _is_postgres(db: Session) -> bool:
    return db.get_bind().dialect.name == "postgresql"


def index(
    db: Session,
    kind: str,
    doc_id: uuid.UUID,
    *,
    community_id: uuid.UUID,
    title: str,
    body: str,
    thread_id: uuid.UUID | None = None,
    label: str = "",
) -> None:
    """Replace a document in the index (its text or status changed)."""
    unindex(db, kind, doc_id)
    add(
        db,
        kind,
        doc_id,
        community_id=community_id,
        title=title,
        body=body,
        thread_id=thread_id,
        label=label,
    )


def add(
    db: Session,
    kind: str,
    doc_id: uuid.UUID,
    *,
    community_id: uuid.UUID,
    title: str,
    body: str,
    thread_id: uuid.UUID | None = None,
    label: str = "",
) -> None:
    """Add a new document to the index (nothing to replace: no lookup first)."""
    index_many(
        db,
        [
            {
                "kind": kind,
                "doc_id": doc_id.hex,
                "community_id": community_id.hex,
                "thread_id": thread_id.hex if thread_id else "",
                "title": title,
                "label": label or title,
                "body": body,
            }
        ],
    )


def index_many(db: Session, rows: list[dict[str, Any]]) -> None:
    """Insert many documents at once (used by bulk seeding); ids are hex strings."""
    if rows:
        db.execute(
            text(
                "INSERT INTO community_fts"
                " (kind, doc_id, community_id, thread_id, title, label, body) VALUES"
                " (:kind, :doc_id, :community_id, :thread_id, :title, :label, :body)"
            ),
            rows,
        )


def unindex(db: Session, kind: str, doc_id: uuid.UUID) -> None:
    """Remove a document from the index (hidden, removed or deleted)."""
    if _is_postgres(db):
        sql = "DELETE FROM community_fts WHERE kind = :kind AND doc_id = :doc_id"
        params = {"kind": kind, "doc_id": doc_id.hex}
    else:  # doc_id is an indexed FTS5 column, so the lookup uses the index
        sql = "DELETE FROM community_fts WHERE community_fts MATCH :match AND kind = :kind"
        params = {"kind": kind, "match": f'doc_id:"{doc_id.hex}"'}
    db.execute(text(sql), params)


def readable_communities(db: Session, user: User, org: Organization) -> list[Community]:
    """The organization's communities whose content the viewer may read."""
    return [
        community
        for community, member in communities.list_for(db, user, org)
        if communities.CommunityAccess(community, user, member).can_read
    ]


def search(
    db: Session, readable: list[Community], query: str, *, limit: int = 30
) -> list[SearchHit]:
    """Matches for the words in ``query`` within ``readable`` communities (best first).

    Callers get ``readable`` from ``readable_communities`` so nothing private ever matches.
    """
    terms = search_terms.words(query, MAX_TERMS)
    allowed = [c.id.hex for c in readable]
    if not terms or not allowed:
        return []
    match = full_text.match(db, TEXT, terms)
    statement = (
        match.apply(select(*_HIT_COLUMNS))
        .where(FTS.c.community_id.in_(allowed))
        .order_by(match.best_first)
        .limit(limit)
    )
    return [
        SearchHit(*row[:-1], excerpt=plain_text(row[-1], EXCERPT_CHARS))
        for row in db.execute(statement).all()
    ]
