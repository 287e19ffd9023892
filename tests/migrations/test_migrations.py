"""Alembic is the only way the schema changes: upgrade, downgrade and no autogenerate drift."""

from __future__ import annotations

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect

import app.models  # noqa: F401
from app import migrate
from app.db import Base


def test_head_matches_the_models(database_url: str) -> None:
    engine = create_engine(database_url)
    with engine.connect() as conn:
        opts = {"compare_type": True, "include_object": migrate.include_object}
        context = MigrationContext.configure(conn, opts=opts)
        diff = compare_metadata(context, Base.metadata)
    engine.dispose()
    assert diff == []


def test_downgrade_to_base_and_upgrade_again(database_url: str) -> None:
    migrate.downgrade(database_url, "base")
    engine = create_engine(database_url)
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    engine.dispose()
    migrate.upgrade(database_url)
    engine = create_engine(database_url)
    tables = set(inspect(engine).get_table_names())
    engine.dispose()
    assert set(Base.metadata.tables) <= tables


def test_upgrading_keeps_existing_data(database_url: str) -> None:
    """Later migrations (e.g. batch ALTERs on SQLite) must not drop or cascade-delete rows."""
    import uuid

    from sqlalchemy import text

    migrate.downgrade(database_url, "20261124_core")
    engine = create_engine(database_url)
    native = engine.dialect.name == "postgresql"  # SQLite stores UUIDs as 32 hex characters
    org, user, membership = (u if native else u.hex for u in (uuid.uuid4() for _ in range(3)))
    with engine.begin() as conn:
        now = "2026-11-24 00:00:00+00:00"
        conn.execute(
            text(
                "INSERT INTO organizations (id, slug, name, kind, created_at, updated_at) "
                "VALUES (:id, 'keep', 'Keep', 'district', :now, :now)"
            ),
            {"id": org, "now": now},
        )
        conn.execute(
            text(
                "INSERT INTO users (id, email, display_name, is_platform_admin, is_active, "
                "created_at, updated_at) VALUES (:id, 'keep@x.org', 'Keep', false, true, :now, "
                ":now)"
            ),
            {"id": user, "now": now},
        )
        conn.execute(
            text(
                "INSERT INTO memberships (id, user_id, organization_id, role, created_at, "
                "updated_at) VALUES (:id, :user, :org, 'teacher', :now, :now)"
            ),
            {
                "id": membership,
                "user": user,
                "org": org,
                "now": now,
            },
        )
    engine.dispose()
    migrate.upgrade(database_url)
    engine = create_engine(database_url)
    with engine.begin() as conn:
        kept = conn.execute(text("SELECT count(*) FROM memberships")).scalar_one()
        conn.execute(text("DELETE FROM memberships"))
        conn.execute(text("DELETE FROM users WHERE email = 'keep@x.org'"))
        conn.execute(text("DELETE FROM organizations WHERE slug = 'keep'"))
    engine.dispose()
    assert kept == 1
