"""Benchmark: community page, thread page and search with 200 communities, 20,000 threads and
200,000 posts. Asserts bounded query counts and prints timings.

    .venv/bin/python -m bench.bench_communities [--database-url URL] [--repeat 20]
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient
from sqlalchemy import select

from app import migrate
from app.db import make_engine, make_session_factory
from app.main import create_app
from app.models import User
from app.services.identity.passwords import hash_password
from app.settings import Settings
from app.web import csrf
from bench.community_data import Scale, count_queries, seed

LIMITS = {"community": 12, "thread": 15, "search": 10}
SECRET = "bench-secret-key-0123456789abcdef0123"  # noqa: S105 - throwaway benchmark secret
PASSWORD = "bench-password-123456"  # noqa: S105 - a throwaway benchmark account


def main() -> None:
    """Seed, then time each page."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--database-url", default="")
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    data_dir = Path(tempfile.mkdtemp(prefix="laurel-bench-"))
    url = args.database_url or f"sqlite:///{data_dir / 'bench.db'}"
    migrate.upgrade(url)
    engine = make_engine(url)
    started = time.perf_counter()
    with make_session_factory(engine)() as db:
        seeded = seed(db, Scale())
        viewer = db.scalar(select(User).where(User.email == seeded.viewer_email))
        assert viewer is not None
        viewer.password_hash = hash_password(PASSWORD)
        db.commit()
    seconds = time.perf_counter() - started
    print(f"seeded 200 communities, 20,000 threads, 200,000 posts in {seconds:.0f} s")
    settings = Settings(
        environment="test", base_url="http://testserver", data_dir=data_dir, database_url=url,
        secret_key=SECRET,  # type: ignore[arg-type]
    )  # fmt: skip
    base = f"/orgs/{seeded.org_slug}/communities/{seeded.community_slug}"
    pages = {
        "community": base,
        "thread": f"{base}/threads/{seeded.thread_id}?page=last",
        "search": f"/orgs/{seeded.org_slug}/communities/search?q=fractions+rubric",
    }
    with TestClient(create_app(settings, engine=engine)) as client:
        signin = client.get("/signin")
        assert signin.status_code == 200
        token = csrf.form_token(settings.secret, client.cookies.get(csrf.CSRF_COOKIE))
        form = {"email": seeded.viewer_email, "password": PASSWORD, "csrf_token": token}
        assert client.post("/signin", data=form, follow_redirects=False).status_code == 303
        print(f"{'page':10} {'queries':>7} {'median ms':>10} {'p95 ms':>8}")
        for name, path in pages.items():
            with count_queries(engine) as statements:
                assert client.get(path).status_code == 200
            assert len(statements) <= LIMITS[name], (name, len(statements))
            times = []
            for _ in range(args.repeat):
                t0 = time.perf_counter()
                assert client.get(path).status_code == 200
                times.append((time.perf_counter() - t0) * 1000)
            p95 = sorted(times)[int(len(times) * 0.95) - 1]
            print(f"{name:10} {len(statements):>7} {statistics.median(times):>10.1f} {p95:>8.1f}")
    engine.dispose()
    shutil.rmtree(data_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
