"""Run Alembic migrations programmatically (the only way Laurel's schema changes)."""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

from app.settings import project_path


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


#: Database objects made by hand in migrations (full-text search), not described by the models.
SEARCH_OBJECT_PREFIXES = ("modules_fts", "ix_modules_search_fts")


def include_object(
    _obj: object, name: str | None, _type: str, reflected: bool, _compare_to: object
) -> bool:
    """Alembic hook: leave the full-text search objects out of autogenerate comparisons."""
    return not (reflected and name is not None and name.startswith(SEARCH_OBJECT_PREFIXES))
