"""Slow remote issuers cannot pile up verifications: a cap per client address (429) and a
bounded wait for the process's verification slots (503); the health check keeps answering."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

from app import migrate
from app.db import make_engine
from app.main import create_app
from app.settings import Settings
from badges import KeyPair, did_document, did_key, did_key_method_id, did_web
from tests.credentials.test_verify_concurrency import SLOW, credential
from tests.fake_oidc import ServerThread, free_port


class Scene:
    """Laurel on loopback with one verification waiting on a slow issuer (3 s per document)."""

    def __init__(self, base: str, fast: dict[str, Any], worker: threading.Thread) -> None:
        self.base = base
        self.fast = fast
        self.worker = worker
        self.slow_status: list[int] = []

    def verify_fast(self) -> httpx.Response:
        return httpx.post(f"{self.base}/api/v1/verify", json={"credential": self.fast}, timeout=5)

    def finish_slow(self) -> None:
        self.worker.join(timeout=30)
        assert self.slow_status == [200]


@contextmanager
def slow_verification_running(tmp_path, **overrides: Any) -> Iterator[Scene]:
    slow_did = did_web(f"{SLOW}/i")
    slow_key = KeyPair.generate().with_id(f"{slow_did}#k")
    arrived = threading.Event()

    async def slow_document(_request) -> JSONResponse:
        arrived.set()
        await asyncio.sleep(3)
        return JSONResponse(did_document(slow_did, current=[slow_key]))

    slow_port, laurel_port = free_port(), free_port()
    url = f"sqlite:///{tmp_path / 'laurel.db'}"
    migrate.upgrade(url)
    settings = Settings(
        environment="test",
        base_url=f"http://127.0.0.1:{laurel_port}",
        data_dir=tmp_path,
        database_url=url,
        secret_key="caps-secret-0123456789abcdef0123456789",  # type: ignore[arg-type]
        verify_mirrors={SLOW: f"http://127.0.0.1:{slow_port}"},
        **overrides,
    )
    fast_key = KeyPair.generate()
    fast = credential(did_key(fast_key), fast_key.with_id(did_key_method_id(did_key(fast_key))))
    slow_credential = credential(slow_did, slow_key)
    slow_app = Starlette(routes=[Route("/i/did.json", slow_document)])
    app = create_app(settings, engine=make_engine(url))
    with ServerThread(slow_app, slow_port), ServerThread(app, laurel_port):

        def slow_request() -> None:
            answer = httpx.post(
                f"{settings.base_url}/api/v1/verify",
                json={"credential": slow_credential},
                timeout=30,
            )
            scene.slow_status.append(answer.status_code)

        scene = Scene(settings.base_url, fast, threading.Thread(target=slow_request))
        scene.worker.start()
        assert arrived.wait(10)  # the slow verification now waits on the remote issuer
        yield scene
        scene.worker.join(timeout=30)


def test_a_second_verification_from_the_same_address_gets_429(tmp_path) -> None:
    with slow_verification_running(tmp_path, verify_max_concurrent_per_client=1) as scene:
        refused = scene.verify_fast()
        health = httpx.get(f"{scene.base}/healthz", timeout=5)
        scene.finish_slow()
        after = scene.verify_fast()
    assert refused.status_code == 429
    assert "verifications from your address at once (at most 1)" in refused.json()["detail"]
    assert refused.headers["retry-after"] == "10"
    assert health.status_code == 200
    assert after.status_code == 200  # the finished verification gave its place back
    assert after.json()["valid"] is True


def test_when_every_slot_is_taken_the_wait_is_bounded_and_answered_503(tmp_path) -> None:
    overrides = {"verify_max_concurrency": 1, "verify_slot_wait_seconds": 0.2}
    with slow_verification_running(tmp_path, **overrides) as scene:
        busy = scene.verify_fast()
        health = httpx.get(f"{scene.base}/healthz", timeout=5)
        scene.finish_slow()
        after = scene.verify_fast()
    assert busy.status_code == 503
    assert busy.json()["detail"] == (
        "The verifier is busy with other credentials; try again in a minute."
    )
    assert health.status_code == 200
    assert after.status_code == 200
