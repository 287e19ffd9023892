"""Faults, for real on this machine: a worker killed mid-request, PostgreSQL unreachable, a full
disk, a crash between signing and committing a credential, a status list that never answers.
Each test asserts what a user would notice, and that no row is lost or doubled.

The tests that SIGKILL real uvicorn workers run on SQLite by default; ``LAUREL_FAULTS_FULL=1``
(nightly) runs them on PostgreSQL too, and ``LAUREL_FAULT_ROUNDS=N`` repeats their cycles.
"""

from __future__ import annotations

import asyncio
import subprocess
import sys
import time
from collections.abc import Iterator
from functools import partial
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi.testclient import TestClient
from sqlalchemy import Engine, select
from sqlalchemy.orm import Session, sessionmaker
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

from app.kit import outbound
from app.main import create_app
from app.models import Attachment, Award, IssuedCredential, Post, StatusList
from app.settings import Settings
from badges import KeyPair, did_document, did_web, issue, issue_status_list, status_entry
from badges import StatusList as Bits
from tests.credentials.test_verify_other_issuers import OTHER, unsigned
from tests.fake_oidc import ServerThread, free_port
from tests.faults_support import (
    FULL,
    ROUNDS,
    District,
    Proxy,
    Request,
    Server,
    count,
    seed,
    settings_for,
    sign_in,
    signed_in_client,
)


@pytest.fixture
def killable(fresh_engine: Engine) -> None:
    """Server-killing faults: on SQLite always, on PostgreSQL with LAUREL_FAULTS_FULL=1."""
    if not FULL and fresh_engine.dialect.name != "sqlite":
        pytest.skip(
            "kills real server processes on SQLite by default; LAUREL_FAULTS_FULL=1 adds this"
        )


@pytest.fixture
def district(fresh_engine: Engine, tmp_path: Path) -> District:
    return seed(fresh_engine, tmp_path)


@pytest.fixture
def servers() -> Iterator[list[Server]]:
    started: list[Server] = []
    yield started
    for server in started:
        server.stop()


def stored_files(root: Path) -> list[Path]:
    """Every file under an upload directory, partial ones included."""
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def clean_orphans(server: Server) -> str:
    """`laurel storage clean-orphans` with no grace period, as an operator runs it."""
    command = [str(Path(sys.executable).parent / "laurel"), "storage", "clean-orphans"]
    done = subprocess.run(
        [*command, "--older-than-hours", "0"], env={**server.environment(), "COLUMNS": "200"},
        capture_output=True, text=True, timeout=120, check=True,
    )  # fmt: skip
    return done.stdout


def reply_form(nonce: str, text: bytes = b"Exit ticket plan\n" * 50) -> dict[str, Any]:
    return {
        "data": {"body": "Try a two-question exit ticket.", "form_nonce": nonce},
        "files": {"files": ("plan.txt", text, "text/plain")},
    }


def send_reply(engine: Engine, district: District, nonce: str, server: Server) -> httpx.Response:
    client = signed_in_client(engine, district, district.coach_id, server.base)
    return client.post(f"{district.thread_path}/replies", **reply_form(nonce))


def killed_at(server: Server, send: Any, point: str) -> None:
    """Send a request, wait until it stalls at the fault point, SIGKILL the worker."""
    request = Request(partial(send, server))
    server.wait_for_fault(point)
    server.kill()
    request.join(30)
    assert isinstance(request.outcome, httpx.TransportError), request.outcome


@pytest.mark.usefixtures("killable")
def test_killed_reply_leaves_no_row_and_a_retry_posts_exactly_once(
    fresh_engine: Engine, district: District, servers: list[Server]
) -> None:
    uploads = district.data_dir / "uploads"
    replies = count(fresh_engine, Post)
    for round_number in range(ROUNDS):
        send = partial(send_reply, fresh_engine, district, f"fault-suite-{round_number}")

        # Killed inside the transaction: no row; the stored file is an orphan the clean-up reports.
        server = Server(district, faults="community.reply=stall")
        killed_at(servers.append(server.start()) or server, send, "community.reply")
        assert count(fresh_engine, Post) == replies
        assert count(fresh_engine, Attachment) == round_number
        assert len(stored_files(uploads)) == round_number + 1
        report = clean_orphans(server)
        assert "Removed 1 orphan file(s)" in report, report
        assert len(stored_files(uploads)) == round_number

        # Killed after the commit, before the answer: the reply is there once...
        server = Server(district, faults="community.reply=stall-after-commit")
        killed_at(servers.append(server.start()) or server, send, "community.reply")
        assert count(fresh_engine, Post) == replies + 1

        # ...and the browser's retry of the same form leads to it instead of posting it again.
        server = Server(district)
        servers.append(server.start())
        retried = send(server)
        server.stop()
        assert retried.status_code == 303, retried.text
        assert retried.headers["location"].startswith(district.thread_path)
        replies += 1
        assert count(fresh_engine, Post) == replies
        assert count(fresh_engine, Attachment) == round_number + 1
        assert len(stored_files(uploads)) == round_number + 1


def test_the_same_reply_form_sent_twice_posts_once(
    fresh_engine: Engine, district: District
) -> None:
    """A double click, or a retry once the server answers again, leads to the first reply."""
    settings = settings_for(district.url, district.data_dir)
    replies = count(fresh_engine, Post)
    with in_process(fresh_engine, settings) as client:
        sign_in(fresh_engine, district, district.coach_id, client)
        sent = [
            client.post(
                f"{district.thread_path}/replies", **reply_form("twice"), follow_redirects=False
            )
            for _ in "ab"
        ]
    assert [r.status_code for r in sent] == [303, 303]
    assert sent[1].headers["location"] == sent[0].headers["location"]
    assert count(fresh_engine, Post) == replies + 1
    assert count(fresh_engine, Attachment) == 1
    assert len(stored_files(district.data_dir / "uploads")) == 1


def issue_to(engine: Engine, district: District, email: str, server: Server) -> httpx.Response:
    client = signed_in_client(engine, district, district.admin_id, server.base)
    return client.post(district.issue_path, data={"csv_text": f"email\n{email}\n"})


def allocated(engine: Engine) -> int:
    with Session(engine) as db:
        return sum(db.scalars(select(StatusList.allocated)))


@pytest.mark.usefixtures("killable")
def test_crash_between_signing_and_commit_issues_each_credential_once(
    fresh_engine: Engine, district: District, servers: list[Server]
) -> None:
    ana, ben = district.teacher_emails
    for _ in range(ROUNDS):
        server = Server(district, faults="credential.signed=stall")
        send = partial(issue_to, fresh_engine, district, ana)
        killed_at(servers.append(server.start()) or server, send, "credential.signed")
        assert count(fresh_engine, IssuedCredential) == 0
        assert count(fresh_engine, Award) == 0
        assert allocated(fresh_engine) == 0

    server = Server(district)
    servers.append(server.start())
    statuses = [issue_to(fresh_engine, district, ana, server).status_code for _ in range(2)]
    statuses.append(issue_to(fresh_engine, district, ben, server).status_code)
    assert statuses == [200, 200, 200]
    assert count(fresh_engine, Award) == 2
    assert count(fresh_engine, IssuedCredential) == 2
    with Session(fresh_engine) as db:
        indexes = list(db.scalars(select(IssuedCredential.status_index)))
    assert len(set(indexes)) == 2, indexes
    assert allocated(fresh_engine) == 2


def in_process(engine: Engine, settings: Settings) -> TestClient:
    """The app in this process, on its own engine (real commits, as in production)."""
    application = create_app(settings, engine=engine)
    application.state.session_factory = sessionmaker(bind=engine, expire_on_commit=False)
    return TestClient(application, base_url="http://testserver")


def test_unreachable_database_answers_503_and_recovers_without_restart(
    fresh_engine: Engine, district: District
) -> None:
    if not district.url.startswith("postgresql"):
        pytest.skip("a proxy stands between Laurel and PostgreSQL; SQLite is a local file")
    proxy = Proxy(fresh_engine.url.port or 5432)
    via_proxy = fresh_engine.url.set(port=proxy.port).render_as_string(hide_password=False)
    settings = settings_for(via_proxy, district.data_dir)
    application = create_app(settings)  # its own engine, with its own pool, through the proxy
    probe = TestClient(application, base_url="http://testserver")
    with TestClient(application, base_url="http://testserver") as client:
        sign_in(fresh_engine, district, district.coach_id, client)
        api = {"Authorization": f"Bearer {district.api_token}"}
        assert client.get(district.thread_path).status_code == 200
        assert client.get("/api/v1/me", headers=api).status_code == 200

        proxy.cut()
        page = client.get(district.thread_path)
        me = client.get("/api/v1/me", headers=api)
        ready = probe.get("/readyz")  # a load balancer: no cookies
        assert (page.status_code, me.status_code, ready.status_code) == (503, 503, 503)
        assert "cannot reach its database" in page.text
        assert me.json()["error"] == "unavailable"
        assert page.headers["retry-after"] == "5"
        assert ready.json()["database"] == "unreachable"
        assert probe.get("/healthz").status_code == 200

        proxy.restore()
        assert client.get(district.thread_path).status_code == 200
        assert client.get("/api/v1/me", headers=api).status_code == 200
        assert probe.get("/readyz").json() == {"status": "ok", "database": "ok"}
    proxy.cut()
    application.state.engine.dispose()


@pytest.fixture
def full_disk(tmp_path: Path) -> Iterator[Path]:
    """A real 64 KB tmpfs filesystem (needs root; skipped with the reason otherwise)."""
    mount = tmp_path / "small-disk"
    mount.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mount)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs here: {done.stderr.decode().strip()}")
    yield mount
    subprocess.run(["umount", str(mount)], check=True)


def test_full_disk_while_storing_an_upload_answers_503_and_leaves_nothing(
    fresh_engine: Engine, district: District, full_disk: Path
) -> None:
    settings = settings_for(district.url, district.data_dir)
    settings.upload_dir = full_disk
    replies = count(fresh_engine, Post)
    with in_process(fresh_engine, settings) as client:
        sign_in(fresh_engine, district, district.coach_id, client)
        form = reply_form("full-disk", b"lesson notes\n" * 20_000)  # 260 KB on a 64 KB disk
        response = client.post(f"{district.thread_path}/replies", **form)
    assert response.status_code == 503
    assert "no room to store files" in response.text
    assert count(fresh_engine, Post) == replies
    assert count(fresh_engine, Attachment) == 0
    assert stored_files(full_disk) == []


class SlowStatusIssuer:
    """Another district whose DID document answers at once and whose status list never does."""

    def __init__(self, delay: float) -> None:
        self.did = did_web(f"{OTHER}/issuers/main")
        self.key = KeyPair.generate().with_id(f"{self.did}#key-1")
        self.list_url = f"{OTHER}/status/1"
        self.delay = delay
        self.status_requests = 0
        self.documents = {
            "/issuers/main/did.json": did_document(self.did, current=[self.key]),
            "/status/1": issue_status_list(self.list_url, self.did, Bits(), self.key),
        }

    def app(self) -> Starlette:
        async def serve(request: Any) -> JSONResponse:
            if request.url.path == "/status/1":
                self.status_requests += 1
                await asyncio.sleep(self.delay)
            return JSONResponse(self.documents[request.url.path])

        return Starlette(routes=[Route("/{path:path}", serve)])


def test_status_list_timing_out_is_reported_unknown_within_the_deadline(
    app: Any, web: Any, settings: Settings
) -> None:
    other = SlowStatusIssuer(delay=4.0)
    port = free_port()
    settings.verify_allow_private_addresses = True
    settings.verify_mirrors = {OTHER: f"http://127.0.0.1:{port}"}
    settings.verify_http_timeout_seconds = 1.0
    app.state.verify_fetcher = outbound.verification_fetcher(settings)
    credential = issue(unsigned(other.did, status_entry(other.list_url, 7)), other.key)
    with ServerThread(other.app(), port):
        started = time.monotonic()
        response = web.client.post("/api/v1/verify", json={"credential": credential})
        elapsed = time.monotonic() - started
    assert response.status_code == 200, response.text
    body = response.json()
    status = {check["code"]: check for check in body["checks"]}["status"]
    assert (status["state"], body["verdict"]) == ("unknown", "indeterminate")
    assert other.status_requests == 1
    assert elapsed < 3.5, elapsed
