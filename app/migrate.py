"""Run Alembic migrations programmatically (the only way Laurel's schema changes)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from app.settings import project_path

#: Full-text search objects made by hand in migrations (FTS5 tables and their shadow tables on
#: SQLite, a plain table with a GIN index on PostgreSQL); autogenerate must not compare them.
FTS_PREFIXES = ("community_fts", "modules_fts", "ix_modules_search_fts")


def include_object(obj: object, name: str | None, *_context: object) -> bool:
    """Autogenerate filter: leave the hand-made full-text search tables and indexes alone."""
    table = getattr(obj, "table", None)
    names = (name or "", getattr(table, "name", None) or "")
    return not any(n.startswith(FTS_PREFIXES) for n in names)


def alembic_config(database_url: str) -> Config:
    """An Alembic configuration for the given database, without needing alembic.ini."""
    config = Config()
    config.set_main_option("script_location", str(project_path("migrations")))
    config.set_main_option("sqlalchemy.url", database_url.replace("%", "%%"))
    config.set_main_option("file_template", "%%(year)d%%(month).2d%%(day).2d_%%(slug)s")
    config.set_main_option("truncate_slug_length", "40")
    return config


def upgrade(database_url: str, revision: str = "head") -> None:
    """Apply migrations up to ``revision``."""
    _ensure_sqlite_dir(database_url)
    command.upgrade(alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str = "base") -> None:
    """Revert migrations down to ``revision``."""
    command.downgrade(alembic_config(database_url), revision)


def _ensure_sqlite_dir(database_url: str) -> None:
    prefix = "sqlite:///"
    if database_url.startswith(prefix) and ":memory:" not in database_url:
        Path(database_url[len(prefix) :]).parent.mkdir(parents=True, exist_ok=True)
