"""Benchmark the catalog search, a module page and the dashboard on a `seed-scale` data set.

    .venv/bin/python bench/learning_bench.py                      # SQLite in a temp directory
    .venv/bin/python bench/learning_bench.py --postgres postgresql+psycopg://postgres@127.0.0.1/test

Seeds 500 modules, 5,000 teachers and 50,000 enrollments (override with flags), starts
`laurel serve` (one worker) against that database, signs in as a seeded teacher and sends
sequential requests to each page. Prints median and p95 latency and requests per second, and
appends the table to bench/results.md.
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import httpx
from sqlalchemy import create_engine, select, text

from app import migrate
from app.db import make_engine, make_session_factory
from app.demo.seed_scale import SCALE_PASSWORD, seed_scale
from app.models import Module

ROOT = Path(__file__).resolve().parents[1]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def prepare(url: str, args: argparse.Namespace) -> tuple[str, str]:
    migrate.upgrade(url)
    engine = make_engine(url)
    with make_session_factory(engine)() as db:
        result = seed_scale(
            db, modules=args.modules, teachers=args.teachers, enrollments=args.enrollments
        )
        db.commit()
        module_id = db.scalar(select(Module.id).order_by(Module.title))
    engine.dispose()
    return result.sample_email, str(module_id)


def sign_in(client: httpx.Client, email: str) -> None:
    page = client.get("/signin")
    token = re.search(r'name="csrf_token" value="([^"]+)"', page.text)
    assert token, "no CSRF token on the sign-in page"
    response = client.post(
        "/signin",
        data={"email": email, "password": SCALE_PASSWORD, "csrf_token": token.group(1)},
    )
    assert response.status_code == 303, response.text[:300]


def measure(client: httpx.Client, path: str, count: int) -> dict[str, float]:
    for _ in range(5):
        client.get(path)
    timings = []
    started = time.perf_counter()
    for _ in range(count):
        t0 = time.perf_counter()
        response = client.get(path)
        timings.append((time.perf_counter() - t0) * 1000)
        assert response.status_code == 200, (path, response.status_code)
    elapsed = time.perf_counter() - started
    timings.sort()
    return {
        "median": statistics.median(timings),
        "p95": timings[int(0.95 * (len(timings) - 1))],
        "rps": count / elapsed,
    }


def run(url: str, backend: str, args: argparse.Namespace) -> list[str]:
    email, module_id = prepare(url, args)
    port = free_port()
    env = {
        **os.environ,
        "LAUREL_DATABASE_URL": url,
        "LAUREL_SECRET_KEY": "bench-secret-key-0123456789abcdef0123456789",
        "LAUREL_BASE_URL": f"http://127.0.0.1:{port}",
        "LAUREL_LOG_LEVEL": "WARNING",
    }
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "app.asgi:app",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        env=env,
        cwd=ROOT,
    )
    rows = []
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                httpx.get(base + "/healthz", timeout=1)
                break
            except httpx.HTTPError:
                time.sleep(0.1)
        with httpx.Client(base_url=base, timeout=30) as client:
            sign_in(client, email)
            pages = {
                "catalog search": "/modules?q=feedback+strategies",
                "catalog filters": "/modules?subject=Science&length=medium&sort=hours",
                "module page": f"/modules/{module_id}",
                "dashboard": "/learning",
            }
            for name, path in pages.items():
                result = measure(client, path, args.requests)
                rows.append(
                    f"| {backend} | {name} | {result['median']:.1f} | {result['p95']:.1f} "
                    f"| {result['rps']:.1f} |"
                )
                print(rows[-1], flush=True)
    finally:
        server.terminate()
        server.wait(timeout=10)
    return rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--postgres", help="admin URL of a PostgreSQL server to bench on too")
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--modules", type=int, default=500)
    parser.add_argument("--teachers", type=int, default=5000)
    parser.add_argument("--enrollments", type=int, default=50_000)
    parser.add_argument("--skip-sqlite", action="store_true")
    args = parser.parse_args()
    rows: list[str] = []
    if not args.skip_sqlite:
        with tempfile.TemporaryDirectory() as tmp:
            rows += run(f"sqlite:///{tmp}/bench.db", "SQLite", args)
    if args.postgres:
        name = f"laurel_bench_{uuid.uuid4().hex[:8]}"
        admin = create_engine(args.postgres, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            rows += run(args.postgres.rsplit("/", 1)[0] + f"/{name}", "PostgreSQL", args)
        finally:
            with admin.connect() as conn:
                conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            admin.dispose()
    header = [
        f"\n## {datetime.now(UTC):%Y-%m-%d %H:%M} UTC: {args.modules} modules, {args.teachers} "
        f"teachers, {args.enrollments} enrollments, {args.requests} sequential requests per page\n",
        "| database | page | median ms | p95 ms | requests/s |",
        "|---|---|---|---|---|",
    ]
    with (ROOT / "bench" / "results.md").open("a") as out:
        out.write("\n".join(header + rows) + "\n")


if __name__ == "__main__":
    main()
