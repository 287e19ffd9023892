"""Fault-suite helpers: Laurel as a real uvicorn subprocess on loopback (killed with SIGKILL),
a TCP proxy in front of PostgreSQL that can be cut and restored, and a seeded district."""

from __future__ import annotations

import contextlib
import os
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import Engine, func
from sqlalchemy import select as sql_select
from sqlalchemy.orm import Session

from app.models import Role, User
from app.services.communities import membership as communities
from app.services.communities import threads
from app.services.identity import access_tokens, sessions
from app.settings import Settings
from app.web import csrf
from app.web.access import SESSION_COOKIE
from tests.fake_oidc import free_port
from tests.microcredentials.support import admin_of, make_definition
from tests.support import make_org, make_user

ROOT = Path(__file__).resolve().parent.parent
SECRET = "fault-suite-secret-key-that-is-long-enough-0123"
#: LAUREL_FAULTS_FULL=1 (nightly) runs the tests that kill real server processes;
#: LAUREL_FAULT_ROUNDS=N repeats each kill-and-retry cycle N times.
FULL = os.environ.get("LAUREL_FAULTS_FULL") == "1"
ROUNDS = int(os.environ.get("LAUREL_FAULT_ROUNDS", "1"))


@dataclass
class District:
    """What the seeded database holds, with the URLs and ids the tests use."""

    url: str
    data_dir: Path
    coach_id: object
    admin_id: object
    teacher_emails: tuple[str, str]
    thread_path: str
    issue_path: str
    api_token: str


def settings_for(url: str, data_dir: Path) -> Settings:
    return Settings(
        environment="test",
        database_url=url,
        data_dir=data_dir,
        secret_key=SECRET,  # type: ignore[arg-type]
    )


def seed(engine: Engine, data_dir: Path) -> District:
    """A district with a coach's community thread and a published micro-credential."""
    settings = settings_for(engine.url.render_as_string(hide_password=False), data_dir)
    with Session(engine, expire_on_commit=False) as db:
        org = make_org(db)
        coach = make_user(db, "coach@school.org", org=org, role=Role.COACH)
        teachers = ("ana@school.org", "ben@school.org")
        for email in teachers:
            make_user(db, email, org=org)
        community = communities.create_community(db, org, coach, slug="math", name="Math")
        db.commit()
        ctx = communities.access(db, org, "math", coach)
        thread = threads.create_thread(db, settings, ctx, title="Exit tickets", body="Ideas?")
        db.commit()
        definition = make_definition(db, org, settings)
        admin = admin_of(db, org)
        _, token = access_tokens.create_token(
            db, coach, name="fault suite", scopes=["account:read"], expires_in_days=None
        )
        db.commit()
        base = f"/orgs/{org.slug}/communities/{community.slug}"
        return District(
            url=settings.database_url,
            data_dir=data_dir,
            coach_id=coach.id,
            admin_id=admin.id,
            teacher_emails=teachers,
            thread_path=f"{base}/threads/{thread.id}",
            issue_path=f"/orgs/{org.slug}/micro-credentials/{definition.id}/issue",
            api_token=token,
        )


def count(engine: Engine, model: type, *where: object) -> int:
    """Rows of a model, read on a fresh connection."""
    with Session(engine) as db:
        return db.scalar(sql_select(func.count()).select_from(model).where(*where)) or 0


def sign_in(engine: Engine, district: District, user_id: object, client: Any) -> Any:
    """Give an HTTP client (httpx or a TestClient) this user's session cookie and CSRF header."""
    settings = settings_for(district.url, district.data_dir)
    with Session(engine) as db:
        user = db.get_one(User, user_id)
        raw = sessions.start_session(db, settings, user, ip=None, user_agent="fault suite")
        db.commit()
    cookie = csrf.new_cookie_value()
    client.cookies.set(SESSION_COOKIE, raw)
    client.cookies.set(csrf.CSRF_COOKIE, cookie)
    client.headers[csrf.CSRF_HEADER] = csrf.form_token(SECRET, cookie)
    return client


def signed_in_client(
    engine: Engine, district: District, user_id: object, base: str
) -> httpx.Client:
    """An HTTP client for a server subprocess, signed in as this user."""
    client: httpx.Client = sign_in(
        engine, district, user_id, httpx.Client(base_url=base, timeout=60)
    )
    return client


@dataclass
class Server:
    """``uvicorn app.asgi:app`` in a subprocess, with fault points from ``faults``."""

    district: District
    database_url: str = ""
    faults: str = ""
    port: int = field(default_factory=free_port)
    log: Path | None = None
    process: subprocess.Popen[bytes] | None = None

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def environment(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("LAUREL_")}
        env.update(
            PYTHONPATH=str(ROOT),
            LAUREL_ENVIRONMENT="test",
            LAUREL_DATABASE_URL=self.database_url or self.district.url,
            LAUREL_DATA_DIR=str(self.district.data_dir),
            LAUREL_SECRET_KEY=SECRET,
            LAUREL_BASE_URL=self.base,
            LAUREL_MAIL_DRAIN_AFTER_REQUEST="false",
            LAUREL_LOG_JSON="false",
        )
        if self.faults:
            env["LAUREL_FAULT_POINTS"] = self.faults
        return env

    def start(self) -> Server:
        self.log = self.district.data_dir / f"server-{self.port}.log"
        command = [sys.executable, "-m", "uvicorn", "app.asgi:app", "--host", "127.0.0.1"]
        with self.log.open("wb") as out:
            self.process = subprocess.Popen(
                [*command, "--port", str(self.port)], env=self.environment(), cwd=ROOT,
                stdout=out, stderr=subprocess.STDOUT,
            )  # fmt: skip
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            assert self.process.poll() is None, self.log.read_text()
            try:
                if httpx.get(f"{self.base}/healthz", timeout=2).status_code == 200:
                    return self
            except httpx.TransportError:
                time.sleep(0.2)
        raise AssertionError(f"server did not start: {self.log.read_text()}")

    def wait_for_fault(self, name: str, seconds: float = 60) -> None:
        assert self.log is not None
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if f"fault point reached: {name}" in self.log.read_text(errors="replace"):
                return
            time.sleep(0.1)
        raise AssertionError(f"fault point {name} not reached: {self.log.read_text()}")

    def kill(self) -> None:
        """SIGKILL: no shutdown handlers, no rollback by the process itself."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=30)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=30)


class Request(threading.Thread):
    """A request sent in the background; its outcome (response or transport error) kept."""

    def __init__(self, send: object) -> None:
        super().__init__(daemon=True)
        self.send = send
        self.outcome: httpx.Response | Exception | None = None
        self.start()

    def run(self) -> None:
        try:
            self.outcome = self.send()  # type: ignore[operator]
        except httpx.TransportError as exc:
            self.outcome = exc


class Proxy:
    """A TCP proxy on loopback in front of another port; ``cut`` drops every connection and
    refuses new ones (the database "goes away"), ``restore`` listens again."""

    def __init__(self, target_port: int) -> None:
        self.target_port = target_port
        self.port = free_port()
        self.listener: socket.socket | None = None
        self.sockets: list[socket.socket] = []
        self.lock = threading.Lock()
        self.restore()

    def restore(self) -> None:
        listener = socket.socket()
        listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        listener.bind(("127.0.0.1", self.port))
        listener.listen(64)
        self.listener = listener
        threading.Thread(target=self._accept, args=(listener,), daemon=True).start()

    def _accept(self, listener: socket.socket) -> None:
        while True:
            try:
                client, _ = listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            with self.lock:
                self.sockets += [client, upstream]
            threading.Thread(target=self._pipe, args=(client, upstream), daemon=True).start()

    def _pipe(self, a: socket.socket, b: socket.socket) -> None:
        try:
            while True:
                ready, _, _ = select.select([a, b], [], [], 1)
                for source in ready:
                    data = source.recv(65536)
                    if not data:
                        return
                    (b if source is a else a).sendall(data)
        except OSError:
            return
        finally:
            a.close()
            b.close()

    def cut(self) -> None:
        assert self.listener is not None
        self.listener.shutdown(socket.SHUT_RDWR)  # wakes the blocked accept(); close alone does not
        self.listener.close()
        with self.lock:
            for sock in self.sockets:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)
                sock.close()
            self.sockets.clear()
