"""Plumbing for the authorization matrix: one seeded world per backend, one savepoint per call."""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Connection, Engine, func, select, table, text
from sqlalchemy.orm import sessionmaker

from app.db import Base
from app.settings import Settings
from app.web.access import (
    ApiToken,
    OrgRole,
    optional_api_token,
    platform_admin,
    public,
    signed_in,
)
from tests.route_table import ServedRoute
from tests.security.world import World, build_world

FULL = os.environ.get("LAUREL_SECURITY_FULL") == "1"
BASE_URL = "http://testserver"


def access_rule(route: ServedRoute) -> str:
    """The route's access dependency as text: ``public``, ``OrgRole(admin)``, ``ApiToken(x)``."""
    found: list[str] = []

    def walk(dependant: Any) -> None:
        for dep in dependant.dependencies:
            call = dep.call
            if isinstance(call, OrgRole):
                found.append(f"OrgRole({call.minimum.value})")
            elif isinstance(call, ApiToken):
                found.append(f"ApiToken({call.scope})")
            elif call is optional_api_token:
                found.append("optional_api_token")
            elif call in (public, signed_in, platform_admin):
                found.append(call.__name__)
            else:
                walk(dep)

    walk(route.dependant)
    assert len(found) == 1, (route.path, found)
    return found[0]


@dataclass
class Env:
    """The seeded world, its connection (for savepoints) and one client for every caller."""

    connection: Connection
    client: TestClient
    world: World

    def request(
        self,
        role: str,
        method: str,
        url: str,
        *,
        api: bool,
        token: str | None = None,
        body: dict[str, Any] | None = None,
        files: dict[str, Any] | None = None,
    ) -> Call:
        """A request as ``role``: its session cookie and CSRF token, or its bearer token (or
        ``token``) for the API."""
        caller = self.world.callers[role]
        headers = dict(caller.headers)
        if api:
            headers = {"authorization": f"Bearer {token}"} if token else dict(caller.bearer)
        else:
            headers["cookie"] = "; ".join(f"{k}={v}" for k, v in caller.cookies.items())
        kwargs: dict[str, Any] = {"headers": headers, "follow_redirects": False}
        if files:
            kwargs.update(data=body or {}, files=files)
        elif method in {"POST", "PUT", "PATCH"}:
            kwargs["json" if api else "data"] = body or {}
        return Call(method, url, kwargs)

    def call(self, call: Call, look: Callable[[], Any] | None = None) -> tuple[httpx.Response, Any]:
        """Send one request inside a savepoint that is rolled back afterwards; return the
        response and what ``look`` saw in the database just before the rollback."""
        return self.call_all([(call, look)])[0]

    def call_all(
        self, calls: list[tuple[Call, Callable[[], Any] | None]]
    ) -> list[tuple[httpx.Response, Any]]:
        """Send requests one after another, each in its own rolled-back savepoint, from the
        client's event loop (a third faster than one TestClient round trip each)."""

        async def send_all() -> list[tuple[httpx.Response, Any]]:
            transport = httpx.ASGITransport(app=self.client.app)
            results = []
            async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as client:
                for call, look in calls:
                    client.cookies.clear()
                    savepoint = self.connection.begin_nested()
                    try:
                        response = await client.request(call.method, call.url, **call.kwargs)
                        results.append((response, look() if look is not None else None))
                    finally:
                        savepoint.rollback()
            return results

        portal = self.client.portal
        assert portal is not None
        return portal.call(send_all)


@dataclass(frozen=True)
class Call:
    """A prepared request."""

    method: str
    url: str
    kwargs: dict[str, Any]


def matrix_env(
    database_url: str, engine: Engine, tmp_path_factory: pytest.TempPathFactory, *, backend: str
) -> Iterator[Env]:
    """Seed the world once on this backend: only on ``backend`` by default, on every backend
    with LAUREL_SECURITY_FULL=1."""
    if not (FULL or database_url.startswith(backend)):
        pytest.skip(f"runs on {backend} by default; LAUREL_SECURITY_FULL=1 runs every backend")
    from app.main import create_app

    settings = Settings(
        environment="test",
        base_url="http://testserver",
        data_dir=tmp_path_factory.mktemp("authz"),
        secret_key="test-secret-key-that-is-long-enough-0123456789",  # type: ignore[arg-type]
        database_url="sqlite://",
        mail_backend="console",
    )
    with engine.connect() as connection:
        outer = connection.begin()
        factory = sessionmaker(
            bind=connection, expire_on_commit=False, join_transaction_mode="create_savepoint"
        )
        with factory() as db:
            world = build_world(db, settings)
        application = create_app(settings, engine=engine)
        application.state.session_factory = factory
        with TestClient(application, base_url=BASE_URL) as client:
            yield Env(connection, client, world)
        outer.rollback()


def snapshot(connection: Connection, target: str) -> tuple[tuple[int, ...], str]:
    """Row counts of every table and a hash of every row of ``target``: cheap proof that a
    refused write changed nothing."""
    names = sorted(Base.metadata.tables)
    counts = connection.execute(
        select(*(select(func.count()).select_from(table(name)).scalar_subquery() for name in names))
    ).one()
    rows = connection.execute(select(text("*")).select_from(table(target))).all()
    digest = hashlib.sha256(repr(sorted(map(repr, rows))).encode()).hexdigest()
    return tuple(counts), digest
