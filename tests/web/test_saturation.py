"""Many concurrent requests on one real uvicorn worker: no 500 and no stall. A worker lets in only
as many requests as it has pooled connections (each holds at most one), answers the rest with an
early 503 and Retry-After, and its connections have Nagle's algorithm off."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
import pytest
from sqlalchemy import Engine
from sqlalchemy.orm import Session

from app.main import create_app
from app.server import ServerConfig
from app.services.identity import access_tokens
from app.settings import Settings
from tests.live_server import LiveServer
from tests.support import make_org, make_user

CONNECTIONS = 64
REQUESTS_PER_CONNECTION = 4
DEADLINE_SECONDS = 15.0  # under the 30 s pool timeout a stalled request used to wait for
DRIVER = Path(__file__).parents[1] / "load_driver.py"


@pytest.mark.slow
def test_64_connections_on_one_worker_get_answers_or_an_early_503(
    fresh_engine: Engine, tmp_path: Path
) -> None:
    """Half the connections verify with a `verify` token (which used to hold a second pooled
    connection for the rate-limit count: 500s after 30 s), half anonymously; every other
    request reads the issuer profile. The load comes from another process."""
    with Session(fresh_engine) as db:
        make_org(db)
        _token, raw = access_tokens.create_token(
            db, make_user(db, "hr@employer.org"), name="hr", scopes=["verify"], expires_in_days=1
        )
        db.commit()
    settings = Settings(
        environment="test",
        base_url="http://127.0.0.1",
        data_dir=tmp_path,
        database_url=fresh_engine.url.render_as_string(hide_password=False),
        secret_key="saturation-secret-0123456789abcdef",  # type: ignore[arg-type]
        verify_rate_limit_per_minute=100_000,
        verify_rate_limit_per_minute_with_key=100_000,
    )
    app = create_app(settings)  # the engine and pool a real worker gets
    started = time.monotonic()
    with LiveServer(app) as server:
        load = (server.url, CONNECTIONS, REQUESTS_PER_CONNECTION, DEADLINE_SECONDS, raw)
        driver = subprocess.run(
            [sys.executable, str(DRIVER), *map(str, load)],
            capture_output=True,
            text=True,
            timeout=55,
            check=True,
        )
    app.state.engine.dispose()
    assert time.monotonic() - started < 60
    results = json.loads(driver.stdout)
    assert len(results) == CONNECTIONS * REQUESTS_PER_CONNECTION
    statuses = {status for status, _, _ in results}
    assert statuses <= {200, 503}, statuses
    assert sum(1 for status, _, _ in results if status == 200) >= CONNECTIONS
    assert all(retry == "1" for status, _, retry in results if status == 503)
    assert max(seconds for _, seconds, _ in results) < DEADLINE_SECONDS


def test_a_full_worker_answers_503_with_retry_after_at_once(settings: Settings) -> None:
    limits = {"max_concurrent_requests": 1, "saturation_wait_seconds": 0.2}
    app = create_app(settings.model_copy(update=limits))
    inside, release = threading.Event(), threading.Event()

    @app.get("/held")
    def held() -> dict[str, str]:  # one request occupying the worker's only place
        inside.set()
        release.wait(10)
        return {"status": "done"}

    with LiveServer(app) as server:
        holder = ThreadPoolExecutor(1).submit(httpx.get, f"{server.url}/held", timeout=15)
        assert inside.wait(10)
        started = time.monotonic()
        refused_api = httpx.post(f"{server.url}/api/v1/verify", json={"credential": "x"})
        refused_page = httpx.get(f"{server.url}/verify")
        waited = time.monotonic() - started
        alive = httpx.get(f"{server.url}/healthz")
        release.set()
        assert holder.result().status_code == 200
        afterwards = httpx.get(f"{server.url}/verify")
    assert refused_api.status_code == 503
    assert refused_api.headers["Retry-After"] == "1"
    assert refused_api.json()["error"] == "busy"
    assert refused_page.status_code == 503
    assert "Laurel is busy" in refused_page.text
    assert waited < 5  # two waits of 0.2 s, not a queue behind the held request
    assert alive.status_code == 200
    assert afterwards.status_code == 200


def test_accepted_connections_have_nagle_off() -> None:
    config = ServerConfig("app.asgi:app", host="127.0.0.1", port=0)
    listener = config.bind_socket()
    listener.listen()
    with listener, socket.create_connection(listener.getsockname()):
        accepted, _ = listener.accept()
        with accepted:
            assert accepted.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY) != 0
