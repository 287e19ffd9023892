"""Verification runs off the event loop: a slow remote issuer never stalls other requests."""

from __future__ import annotations

import asyncio
import threading
import time
from datetime import UTC, datetime, timedelta

import httpx
from starlette.applications import Starlette
from starlette.responses import JSONResponse
from starlette.routing import Route

from app import migrate
from app.db import make_engine
from app.main import create_app
from app.settings import Settings
from badges import (
    Achievement,
    Criteria,
    KeyPair,
    Profile,
    build_credential,
    did_document,
    did_key,
    did_key_method_id,
    did_web,
    issue,
)
from tests.fake_oidc import ServerThread, free_port

SLOW = "https://slow.issuer.example"


def credential(issuer_id: str, key: KeyPair) -> dict:
    unsigned = build_credential(
        issuer=Profile(id=issuer_id, name="Somewhere"),
        achievement=Achievement(
            id=f"{SLOW}/a/1",
            name="Patience",
            description="Waits.",
            criteria=Criteria(narrative="Wait."),
        ),
        recipient_email="t@example.org",
        valid_from=datetime.now(UTC) - timedelta(hours=1),
    )
    signed = issue(unsigned, key)
    assert isinstance(signed, dict)
    return signed


def test_slow_issuer_does_not_stall_other_requests(tmp_path) -> None:
    slow_did = did_web(f"{SLOW}/i")
    slow_key = KeyPair.generate().with_id(f"{slow_did}#k")

    async def slow_document(_request) -> JSONResponse:
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
        secret_key="concurrency-secret-0123456789abcdef",  # type: ignore[arg-type]
        verify_mirrors={SLOW: f"http://127.0.0.1:{slow_port}"},
        verify_http_timeout_seconds=10,
    )
    fast_key = KeyPair.generate()
    fast = credential(did_key(fast_key), fast_key.with_id(did_key_method_id(did_key(fast_key))))
    slow_app = Starlette(routes=[Route("/i/did.json", slow_document)])
    app = create_app(settings, engine=make_engine(url))
    base = settings.base_url
    with ServerThread(slow_app, slow_port), ServerThread(app, laurel_port):
        outcome: dict[str, object] = {}

        def slow_request() -> None:
            started = time.monotonic()
            answer = httpx.post(
                f"{base}/api/v1/verify",
                json={"credential": credential(slow_did, slow_key)},
                timeout=30,
            ).json()
            outcome["slow"] = (answer["valid"], time.monotonic() - started)

        worker = threading.Thread(target=slow_request)
        worker.start()
        time.sleep(0.5)  # the slow verification is now waiting on the remote issuer
        started = time.monotonic()
        assert httpx.get(f"{base}/healthz", timeout=5).status_code == 200
        answer = httpx.post(f"{base}/api/v1/verify", json={"credential": fast}, timeout=5).json()
        fast_seconds = time.monotonic() - started
        worker.join(timeout=30)
    assert answer["valid"] is True
    assert fast_seconds < 2.0, fast_seconds
    assert outcome["slow"][0] is True
    assert outcome["slow"][1] >= 3.0
