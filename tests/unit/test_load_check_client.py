"""bench/load_check.py's client: a refusal with Retry-After is retried and not acknowledged, and
a 5xx without it is an error that fails the run (a fake server on 127.0.0.1 plays Laurel)."""

from __future__ import annotations

import argparse
import json
import threading
import time
import uuid
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from bench.load_check import Account, Findings, Seed, Stats, Teacher, build_result, passed

POST_ID = str(uuid.uuid4())


class FakeLaurel(BaseHTTPRequestHandler):
    """Answers each POST with the next status of ``script`` (503s, then a created post)."""

    script: list[tuple[int, dict[str, str]]] = []
    seen: list[str] = []

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers["Content-Length"]))
        self.seen.append(self.headers.get("Authorization", ""))
        status, headers = self.script.pop(0)
        body = json.dumps({"id": POST_ID}).encode() if status == 201 else b"{}"
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *_args: object) -> None:
        """Quiet."""


@pytest.fixture
def fake_laurel() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), FakeLaurel)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    FakeLaurel.seen = []
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def _teacher(base: str, stats: Stats) -> Teacher:
    seed = Seed("load", str(uuid.uuid4()), "load-check", [str(uuid.uuid4())], [], [], [], [])
    account = Account("t@example.org", "pw", "lrl_token", str(uuid.uuid4()), "teacher")
    return Teacher(base, seed, account, stats)


def _result(stats: Stats) -> dict[str, object]:
    args = argparse.Namespace(users=1, workers=3)
    return build_result(args, stats, Findings(), 1.0)


def test_a_refusal_with_retry_after_is_retried_and_only_the_created_reply_counts(
    fake_laurel: str,
) -> None:
    FakeLaurel.script = [(503, {"Retry-After": "1"}), (201, {})]
    stats = Stats(max_requests=10, until=time.monotonic() + 30)

    _teacher(fake_laurel, stats).reply_api()

    assert FakeLaurel.seen == ["Bearer lrl_token", "Bearer lrl_token"]
    assert [w["id"] for w in stats.writes] == [POST_ID]
    result = _result(stats)
    assert result["refused_with_retry_after"] == {"503": 1}
    assert result["errors_by_status"] == {}
    assert result["server_errors"] == 0
    assert passed(result)


def test_a_503_without_retry_after_is_a_server_error_and_fails_the_run(fake_laurel: str) -> None:
    FakeLaurel.script = [(503, {})]
    stats = Stats(max_requests=10, until=time.monotonic() + 30)

    _teacher(fake_laurel, stats).reply_api()

    assert len(FakeLaurel.seen) == 1
    assert stats.writes == []
    result = _result(stats)
    assert result["errors_by_status"] == {"503": 1}
    assert result["server_errors"] == 1
    assert not passed(result)
