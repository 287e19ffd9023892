"""Faults, for real on this machine: a worker killed mid-request, PostgreSQL unreachable, a full
disk, a crash between signing and committing a credential, a status list that never answers.
Each test asserts what a user would notice and that no row is lost or doubled.

Default run: one kill-and-retry cycle per test; ``LAUREL_FAULT_ROUNDS=N`` repeats them (nightly).
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

from app.models import Attachment, Award, IssuedCredential, Post, StatusList
from tests.faults_support import ROUNDS, District, Proxy, Request, Server, count, seed
from tests.faults_support import signed_in_client as client_for

@pytest.fixture
def district(fresh_engine: Engine, tmp_path: Path) -> District:
    return seed(fresh_engine, tmp_path)


@pytest.fixture
def servers() -> Iterator[list[Server]]:
    started: list[Server] = []
    yield started
    for server in started:
        server.stop()


def stored_files(district: District) -> list[Path]:
    """Every file under the upload directory, partial ones included."""
    root = district.data_dir / "uploads"
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def clean_orphans(district: District, server: Server) -> str:
    env = server.environment()
    command = [str(Path(sys.executable).parent / "laurel"), "storage", "clean-orphans", "--older-than-hours", "0"]
    done = subprocess.run(
        command, env={**env, "COLUMNS": "200"}, cwd=server.environment()["PYTHONPATH"],
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    return done.stdout


def reply_form(nonce: str) -> dict[str, Any]:
    return {
        "data": {"body": "Try a two-question exit ticket.", "form_nonce": nonce},
        "files": {"files": ("plan.txt", b"Exit ticket plan\n" * 50, "text/plain")},
    }


def test_killed_reply_leaves_no_row_and_a_retry_posts_exactly_once(
    fresh_engine: Engine, district: District, servers: list[Server]
) -> None:
    replies_before = count(fresh_engine, Post)
    for round_number in range(ROUNDS):
        nonce = f"fault-suite-nonce-{round_number}"
        send = lambda server: client_for(  # noqa: E731
            fresh_engine, district, district.coach_id, server.base
        ).post(f"{district.thread_path}/replies", **reply_form(nonce))

        # Killed inside the transaction: no row; the stored file is an orphan the clean-up reports.
        server = Server(district, faults="community.reply=stall")
        servers.append(server.start())
        request = Request(lambda: send(server))
        server.wait_for_fault("community.reply")
        server.kill()
        request.join(30)
        assert isinstance(request.outcome, httpx.TransportError)
        assert count(fresh_engine, Post) == replies_before + round_number
        assert len(stored_files(district)) == 1
        report = clean_orphans(district, server)
        assert "Removed 1 orphan file(s)" in report, report
        assert stored_files(district) == []

        # Killed after the commit, before the answer: the row is there once...
        server = Server(district, faults="community.reply=stall-after-commit")
        servers.append(server.start())
        request = Request(lambda: send(server))
        server.wait_for_fault("community.reply")
        server.kill()
        request.join(30)
        assert isinstance(request.outcome, httpx.TransportError)
        assert count(fresh_engine, Post) == replies_before + round_number + 1

        # ...and the browser's retry of the same form leads to it instead of posting it again.
        server = Server(district)
        servers.append(server.start())
        retried = send(server)
        assert retried.status_code == 303, retried.text
        assert retried.headers["location"].startswith(district.thread_path)
        server.stop()
        assert count(fresh_engine, Post) == replies_before + round_number + 1
        assert count(fresh_engine, Attachment) == round_number + 1
        assert len(stored_files(district)) == round_number + 1


def test_a_retried_reply_form_is_refused_twice_within_one_server(
    fresh_engine: Engine, district: District, servers: list[Server]
) -> None:
    """Without a crash too: the same form sent twice (a double click) posts once."""
    server = Server(district)
    servers.append(server.start())
    client = client_for(fresh_engine, district, district.coach_id, server.base)
    before = count(fresh_engine, Post)
    first = client.post(f"{district.thread_path}/replies", **reply_form("double-click"))
    second = client.post(f"{district.thread_path}/replies", **reply_form("double-click"))
    assert (first.status_code, second.status_code) == (303, 303)
    assert second.headers["location"] == first.headers["location"]
    assert count(fresh_engine, Post) == before + 1


def issue(server: Server, fresh_engine: Engine, district: District, email: str) -> Any:
    client = client_for(fresh_engine, district, district.admin_id, server.base)
    return client.post(district.issue_path, data={"csv_text": f"email\n{email}\n"})


def status_indexes(engine: Engine) -> list[int]:
    with Session(engine) as db:
        return list(db.scalars(select(IssuedCredential.status_index)))


def test_crash_between_signing_and_commit_issues_each_credential_once(
    fresh_engine: Engine, district: District, servers: list[Server]
) -> None:
    ana, ben = district.teacher_emails
    server = Server(district, faults="credential.signed=stall")
    servers.append(server.start())
    request = Request(lambda: issue(server, fresh_engine, district, ana))
    server.wait_for_fault("credential.signed")
    server.kill()
    request.join(30)
    assert isinstance(request.outcome, httpx.TransportError)
    assert count(fresh_engine, IssuedCredential) == 0
    assert count(fresh_engine, Award) == 0
    with Session(fresh_engine) as db:
        assert sum(db.scalars(select(StatusList.allocated))) == 0

    server = Server(district)
    servers.append(server.start())
    for _ in range(2):  # the admin retries, then retries again
        assert issue(server, fresh_engine, district, ana).status_code == 200
    assert issue(server, fresh_engine, district, ben).status_code == 200
    assert count(fresh_engine, Award) == 2
    assert count(fresh_engine, IssuedCredential) == 2
    indexes = status_indexes(fresh_engine)
    assert len(set(indexes)) == 2, indexes
    with Session(fresh_engine) as db:
        assert sum(db.scalars(select(StatusList.allocated))) == 2


def test_unreachable_database_answers_503_and_recovers_without_restart(
    fresh_engine: Engine, district: District, servers: list[Server]
) -> None:
    if not district.url.startswith("postgresql"):
        pytest.skip("a proxy stands between Laurel and PostgreSQL; SQLite is a local file")
    url = fresh_engine.url
    proxy = Proxy(url.port or 5432)
    via_proxy = url.set(port=proxy.port).render_as_string(hide_password=False)
    server = Server(district, database_url=via_proxy)
    servers.append(server.start())
    client = client_for(fresh_engine, district, district.coach_id, server.base)
    assert client.get(district.thread_path).status_code == 200
    assert client.get("/readyz").status_code == 200
    pid = server.process.pid if server.process else None

    proxy.cut()
    page = client.get(district.thread_path)
    api = client.get("/api/v1/me")
    ready = client.get("/readyz")
    assert (page.status_code, api.status_code, ready.status_code) == (503, 503, 503)
    assert "cannot reach its database" in page.text
    assert api.json()["error"] == "unavailable"
    assert ready.json()["database"] == "unreachable"
    assert client.get("/healthz").status_code == 200

    proxy.restore()
    assert client.get(district.thread_path).status_code == 200
    assert client.get("/readyz").json() == {"status": "ok", "database": "ok"}
    assert server.process is not None and server.process.pid == pid
    assert server.process.poll() is None
    proxy.cut()
