"""Shared fixtures: settings, databases (SQLite always, PostgreSQL when present), app and clients.

Each database is migrated with Alembic once per run (per xdist worker); each test runs inside an
outer transaction that is rolled back, while the app's commits become savepoints.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.orm import Session, sessionmaker

from app import migrate
from app.db import make_engine
from app.services.identity import passwords
from app.settings import Settings
from tests.support import ConsoleInbox, WebClient

# argon2id with minimal work in tests (docs/security.md, "Passwords in the test suite").
passwords.use_test_cost()

IN_CI = os.environ.get("CI", "").lower() == "true"
POSTGRES_ADMIN_URL = os.environ.get(
    "LAUREL_TEST_POSTGRES_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"
)
BACKENDS = ["sqlite", "postgresql"]


def unavailable(reason: str) -> None:
    """Skip outside CI; fail in CI, where every part of the suite must run."""
    if IN_CI:
        pytest.fail(f"required in CI: {reason}")
    pytest.skip(reason)


CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="session")
def chromium() -> Iterator[Any]:
    """Debian's Chromium through Playwright, one per test process. Playwright's sync API runs one
    instance at a time in a process, so the browser and web-security suites share this one (two
    would fail whenever a worker ran both)."""
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        unavailable("Playwright is not installed")
    if not Path(CHROMIUM).exists():
        unavailable(f"Chromium not found at {CHROMIUM} (apt-get install -y chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def _postgres_reachable() -> str | None:
    try:
        engine = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except Exception as exc:  # any driver or network failure means "not here"
        return f"PostgreSQL not reachable at {POSTGRES_ADMIN_URL}: {type(exc).__name__}"
    return None


def _create_postgres_database(worker: str) -> tuple[str, str]:
    name = f"laurel_test_{worker}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return name, POSTGRES_ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"


def _drop_postgres_database(name: str) -> None:
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(scope="session", params=BACKENDS)
def database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """A freshly migrated database of each backend, for the whole run."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'laurel.db'}"
        migrate.upgrade(url)
        yield url
        return
    problem = _postgres_reachable()
    if problem:
        unavailable(problem)
    name, url = _create_postgres_database(worker)
    try:
        migrate.upgrade(url)
        yield url
    finally:
        _drop_postgres_database(name)


@pytest.fixture(scope="session")
def engine(database_url: str) -> Iterator[Engine]:
    """The engine for the run's database."""
    engine = make_engine(database_url)
    yield engine
    engine.dispose()


@pytest.fixture
def connection(engine: Engine) -> Iterator[Connection]:
    """A connection inside an outer transaction that is rolled back after the test."""
    with engine.connect() as conn:
        outer = conn.begin()
        yield conn
        if outer.is_active:
            outer.rollback()


@pytest.fixture
def session_factory(connection: Connection) -> sessionmaker[Session]:
    """Sessions bound to the test's connection; their commits are savepoints."""
    return sessionmaker(
        bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
    )


@pytest.fixture
def db(session_factory: sessionmaker[Session]) -> Iterator[Session]:
    """A session for arranging data and checking rows."""
    with session_factory() as session:
        yield session


@pytest.fixture
def settings(tmp_path: Path) -> Settings:
    """Test settings: console mail, a fixed secret, files under the test's temp directory."""
    return Settings(
        environment="test",
        base_url="http://testserver",
        data_dir=tmp_path,
        secret_key="test-secret-key-that-is-long-enough-0123456789",  # type: ignore[arg-type]
        database_url="sqlite://",
        mail_backend="console",
    )


@pytest.fixture
def app(settings: Settings, engine: Engine, session_factory: sessionmaker[Session]):
    """The application, using the test's transaction-bound sessions."""
    from app.main import create_app

    application = create_app(settings, engine=engine)
    application.state.session_factory = session_factory
    return application


@pytest.fixture
def inbox(capsys: pytest.CaptureFixture[str]) -> ConsoleInbox:
    """The mail the console backend sent during the test."""
    return ConsoleInbox(capsys)


@pytest.fixture
def web(app, settings: Settings, db: Session, inbox: ConsoleInbox) -> Iterator[WebClient]:
    """A browser-like client: cookies, CSRF tokens, reading mail from the outbox."""
    from fastapi.testclient import TestClient

    with TestClient(app, base_url="http://testserver") as client:
        yield WebClient(client, settings, db, inbox)


@pytest.fixture
def web2(app, settings: Settings, db: Session, inbox: ConsoleInbox) -> Iterator[WebClient]:
    """A second, independent browser."""
    from fastapi.testclient import TestClient

    with TestClient(app, base_url="http://testserver") as client:
        yield WebClient(client, settings, db, inbox)


@pytest.fixture
def elsewhere(app, settings: Settings, db: Session, inbox: ConsoleInbox) -> Iterator[WebClient]:
    """A browser on another client address than ``web`` and ``web2``."""
    from fastapi.testclient import TestClient

    with TestClient(app, base_url="http://testserver", client=("203.0.113.9", 40000)) as client:
        yield WebClient(client, settings, db, inbox)


@pytest.fixture
def fresh_engine(database_url: str, tmp_path: Path) -> Iterator[Engine]:
    """A migrated database of the same backend for this test alone (real separate connections,
    for concurrency tests; its rows need no cleanup)."""
    if database_url.startswith("sqlite"):
        url, name = f"sqlite:///{tmp_path / 'alone.db'}", None
    else:
        name, url = _create_postgres_database("alone")
    migrate.upgrade(url)
    engine = make_engine(url)
    yield engine
    engine.dispose()
    if name:
        _drop_postgres_database(name)
