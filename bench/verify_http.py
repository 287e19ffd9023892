"""Verification API under concurrent load, beside the in-process cost, and bulk issuance rate.

Usage: .venv/bin/python bench/verify_http.py [--duration 10] [--connections 16] [--workers 2]

It builds a throw-away SQLite database, issues one credential, starts `laurel serve` in production
mode with several workers on a free loopback port, and drives POST /api/v1/verify with wrk (Debian
package `wrk`) for a Data Integrity and a VC-JWT credential. Alongside it measures the same
verification in-process (no HTTP) and issuing throughput, so the HTTP overhead is visible. These
machines are noisy: compare the ratios within one run, not absolute numbers across runs.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

from sqlalchemy.orm import Session

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app import migrate  # noqa: E402
from app.db import make_engine  # noqa: E402
from app.services.credentials import issuing as credentials  # noqa: E402
from app.services.credentials.remote_documents import DocumentCache  # noqa: E402
from app.services.credentials.verification import verify_credential  # noqa: E402
from app.services.orgs import organizations  # noqa: E402
from app.settings import Settings  # noqa: E402
from tests.credentials_support import spec  # noqa: E402

LUA = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = io.open(os.getenv("BODY_FILE")):read("*a")
done = function(summary, latency, requests)
  io.write(string.format("RESULT %d %d %.3f %.3f %.3f %.3f\\n", summary.requests,
    summary.errors.status + summary.errors.connect + summary.errors.read + summary.errors.timeout,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000,
    latency:percentile(99) / 1000, summary.duration / 1e6))
end
"""


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def prepare(env: dict[str, str]) -> tuple[Settings, dict[str, Any], str]:
    os.environ.update(env)
    settings = Settings()
    migrate.upgrade(settings.database_url)
    engine = make_engine(settings.database_url)
    with Session(engine, expire_on_commit=False) as db:
        org = organizations.create_organization(db, None, slug="bench", name="Bench District")
        row = credentials.issue_credential(
            db,
            settings,
            credentials.IssueRequest(
                organization=org,
                recipient_email="teacher@bench.example",
                achievement=spec("Benchmark Badge"),
                idempotency_key="bench:1",
            ),
        )
        db.commit()
    engine.dispose()
    return settings, row.credential_json, row.credential_jwt


def in_process(settings: Settings, credential: Any, seconds: float = 3.0) -> float:
    engine = make_engine(settings.database_url)
    cache = DocumentCache(300)
    count, start = 0, time.perf_counter()
    with Session(engine) as db:
        while time.perf_counter() - start < seconds:
            assert verify_credential(db, settings, cache, credential).valid
            count += 1
    engine.dispose()
    return count / (time.perf_counter() - start)


def issuing_rate(settings: Settings, n: int = 200) -> float:
    engine = make_engine(settings.database_url)
    with Session(engine, expire_on_commit=False) as db:
        org = organizations.get_by_slug(db, "bench")
        start = time.perf_counter()
        for _ in range(n):
            credentials.issue_credential(
                db,
                settings,
                credentials.IssueRequest(
                    organization=org,
                    recipient_email="t@bench.example",
                    achievement=spec("Bulk Badge"),
                    idempotency_key=f"bulk:{uuid.uuid4()}",
                ),
            )
        db.commit()
        elapsed = time.perf_counter() - start
    engine.dispose()
    return n / elapsed


def serve(env: dict[str, str], port: int, workers: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(
        [
            str(ROOT / ".venv" / "bin" / "laurel"),
            "serve",
            "--port",
            str(port),
            "--workers",
            str(workers),
        ],
        env={**os.environ, **env},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return process
        except OSError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("laurel serve did not start")


def run_wrk(port: int, body: dict[str, Any], args: argparse.Namespace, tmp: Path) -> dict[str, Any]:
    body_file, script = tmp / "body.json", tmp / "post.lua"
    body_file.write_text(json.dumps(body))
    script.write_text(LUA)
    out = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{args.connections}",
            f"-d{args.duration}s",
            "-s",
            str(script),
            f"http://127.0.0.1:{port}/api/v1/verify",
        ],
        env={**os.environ, "BODY_FILE": str(body_file)},
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    match = re.search(r"RESULT (\d+) (\d+) ([\d.]+) ([\d.]+) ([\d.]+) ([\d.]+)", out)
    assert match, out
    requests, errors, p50, p95, p99, secs = match.groups()
    return {
        "requests_per_s": round(int(requests) / float(secs), 1),
        "errors": int(errors),
        "p50_ms": float(p50),
        "p95_ms": float(p95),
        "p99_ms": float(p99),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install -y wrk")
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        env = {
            "LAUREL_ENVIRONMENT": "production",
            "LAUREL_BASE_URL": "https://bench.laurel.test",
            "LAUREL_SECRET_KEY": "bench-secret-" + "x" * 40,
            "LAUREL_DATA_DIR": str(tmp),
            "LAUREL_VERIFY_RATE_LIMIT_PER_MINUTE": "1000000000",
            "LAUREL_LOG_LEVEL": "WARNING",
        }
        settings, json_ld, jwt = prepare(env)
        results: dict[str, Any] = {
            "date": time.strftime("%Y-%m-%d"),
            "machine": f"{platform.machine()}, "
            f"{os.cpu_count()} cores, Python {platform.python_version()}",
            "server": f"laurel serve (uvicorn), production mode, {args.workers} workers, SQLite",
            "load": f"wrk -t2 -c{args.connections} -d{args.duration}s",
            "issuing_per_s_in_process": round(issuing_rate(settings), 1),
        }
        for name, credential in (("data_integrity", json_ld), ("vc_jwt", jwt)):
            results[f"{name}_in_process_per_s"] = round(in_process(settings, credential), 1)
        port = free_port()
        server = serve(env, port, args.workers)
        try:
            for name, credential in (("data_integrity", json_ld), ("vc_jwt", jwt)):
                results[f"{name}_http"] = run_wrk(port, {"credential": credential}, args, tmp)
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
    for name in ("data_integrity", "vc_jwt"):
        http = results[f"{name}_http"]["requests_per_s"]
        results[f"{name}_http_vs_in_process"] = round(http / results[f"{name}_in_process_per_s"], 2)
    print(json.dumps(results, indent=2))
    out = ROOT / "bench" / "verify_http_results.json"
    out.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
