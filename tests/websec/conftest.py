"""A seeded demo district shared by the security tests (one per backend).

Seeding once per run keeps the suites quick: each test runs in a savepoint inside the
outer transaction and is rolled back, so every test starts from the same seeded world.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, func, select
from sqlalchemy.orm import Session, sessionmaker

from app import models
from app.db import Base
from app.demo import district as demo
from app.services.identity import access_tokens, sessions
from app.settings import Settings
from tests.support import cached_hash

SECRET = "test-secret-key-that-is-long-enough-0123456789"


@dataclass(frozen=True)
class World:
    """The seeded district: a real value for every path parameter, and its people."""

    params: dict[str, str]
    users: dict[str, uuid.UUID]


def _first(db: Session, column: Any, *where: Any) -> str:
    value = db.scalar(select(column).where(*where).limit(1))
    assert value is not None, f"the demo has no {column}"
    return str(value)


def _params(db: Session) -> dict[str, str]:
    """A real value for each path parameter name the routes use."""
    m = models
    module_id = _first(db, m.Activity.module_id)
    community = db.scalar(select(m.Community).join(m.Thread).limit(1))
    assert community is not None
    thread_id = _first(db, m.Thread.id, m.Thread.community_id == community.id)
    return {
        "slug": "riverbend",
        "module_id": module_id,
        "activity_id": _first(db, m.Activity.id, m.Activity.module_id == uuid.UUID(module_id)),
        "section_id": _first(db, m.Section.id, m.Section.module_id == uuid.UUID(module_id)),
        "item_id": _first(db, m.Activity.id, m.Activity.module_id == uuid.UUID(module_id)),
        "family_id": _first(db, m.Module.family_id),
        "action": "archive",
        "pathway_id": _first(db, m.Pathway.id),
        "definition_id": _first(db, m.MicroCredential.id),
        "credential_id": _first(db, m.IssuedCredential.id),
        "fmt": "json",
        "community": community.slug,
        "community_id": str(community.id),
        "thread_id": thread_id,
        "flag": "lock",
        "post_id": _first(db, m.Post.id, m.Post.thread_id == uuid.UUID(thread_id)),
        "report_id": _first(db, m.PostReport.id),
        "resource_id": _first(db, m.Resource.id),
        "exemplar_id": _first(db, m.Exemplar.id),
        "member_id": _first(db, m.CommunityMember.id),
        "user_id": _first(
            db, m.CommunityMember.user_id, m.CommunityMember.community_id == community.id
        ),
        "attachment_id": _first(db, m.Attachment.id),
        "mentorship_id": _first(db, m.Mentorship.id),
        "goal_id": _first(db, m.CoachingGoal.id),
        "submission_id": _first(db, m.Submission.id),
        "file_id": _first(db, m.EvidenceFile.id),
        "notification_id": _first(db, m.Notification.id),
        "token_id": _first(db, m.AccessToken.id),
        "membership_id": _first(db, m.Membership.id),
        "message_id": _first(db, m.OutboxMessage.id),
        "export_id": str(uuid.uuid4()),  # the demo has no data exports
        "token": "an-invitation-token-nobody-was-sent",
        "invitation_id": str(uuid.uuid4()),  # the demo sends none; only POST routes name one
        "sequence": _first(db, m.StatusList.sequence),
        "table": "summary",
    }


def fill(path: str, params: dict[str, str]) -> str:
    """The route's path with its parameters replaced by the world's values."""
    return path.format(**params)


def row_counts(db: Session) -> dict[str, int]:
    """The number of rows in every table: a refused write must leave all of them unchanged."""
    db.expire_all()
    return {
        table.name: int(db.scalar(select(func.count()).select_from(table)) or 0)
        for table in Base.metadata.sorted_tables
    }


def _seed(db: Session, settings: Settings) -> World:
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(demo, "hash_password", cached_hash)
        patch.setattr(demo, "verify_password", lambda stored, given: stored == cached_hash(given))
        demo.seed_demo(db, settings)
    users = {u.email.split("@")[0]: u.id for u in db.scalars(select(models.User))}
    admin = db.get(models.User, users["admin"])
    assert admin is not None
    admin.is_platform_admin = True  # so the /admin pages are reachable too
    access_tokens.create_token(
        db, admin, name="websec", scopes=["account:read"], expires_in_days=None
    )
    db.commit()
    return World(params=_params(db), users=users)


@pytest.fixture(scope="package")
def world_connection(
    engine: Engine, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Connection, World, Path]]:
    """The connection holding the seeded district in a transaction rolled back at the
    end of the run."""
    data_dir = tmp_path_factory.mktemp("world")
    settings = Settings(
        environment="test",
        base_url="http://testserver",
        data_dir=data_dir,
        secret_key=SECRET,  # type: ignore[arg-type]
        database_url="sqlite://",
        mail_backend="console",
    )
    with engine.connect() as conn:
        outer = conn.begin()
        factory = sessionmaker(
            bind=conn, expire_on_commit=False, join_transaction_mode="create_savepoint"
        )
        with factory() as db:
            world = _seed(db, settings)
        yield conn, world, data_dir
        outer.rollback()


@pytest.fixture
def world(world_connection: tuple[Connection, World, Path]) -> World:
    """The seeded district."""
    return world_connection[1]


@pytest.fixture
def connection(world_connection: tuple[Connection, World, Path]) -> Iterator[Connection]:
    """The test's savepoint inside the seeded transaction, rolled back afterwards."""
    conn = world_connection[0]
    savepoint = conn.begin_nested()
    yield conn
    if savepoint.is_active:
        savepoint.rollback()


@pytest.fixture
def settings(world_connection: tuple[Connection, World, Path]) -> Settings:
    """Production-like HTTPS settings (HSTS on) over the seeded district's files."""
    return Settings(
        environment="test",
        base_url="https://testserver",
        data_dir=world_connection[2],
        secret_key=SECRET,  # type: ignore[arg-type]
        database_url="sqlite://",
        mail_backend="console",
    )


def sign_in_as(client: Any, db: Session, settings: Settings, user_id: uuid.UUID) -> None:
    """Give a test client a session for a user (sign-in itself is tested elsewhere)."""
    user = db.get(models.User, user_id)
    assert user is not None
    raw = sessions.start_session(db, settings, user, ip=None, user_agent=None)
    db.commit()
    client.cookies.set("laurel_session", raw)
