"""Benchmark the impact dashboard on `laurel seed-scale` data: SQL statements and time per render.

    .venv/bin/python bench/impact.py                     # SQLite in a temp directory
    .venv/bin/python bench/impact.py --postgres postgresql+psycopg://postgres@127.0.0.1/postgres

Baseline and comparison: the same organization at 1x (default 50 modules, 500 teachers, 5,000
enrollments) and then grown to 10x (another 450 modules, 4,500 teachers, 45,000 enrollments),
with survey answers and reviews in proportion. The claim checked: the number of SQL statements
per render is the same at 1x and 10x (grouped queries, no per-row queries); the time grows with
the rows the database scans. Renders go through the whole application in process
(``TestClient``: routing, the admin check, the queries, suppression, SVG, Jinja), signed in as
the organization's admin. Prints a Markdown table and appends it to bench/impact_results.md.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fastapi.testclient import TestClient  # noqa: E402
from sqlalchemy import Engine, insert, select, text  # noqa: E402
from sqlalchemy.orm import Session  # noqa: E402

from app import migrate  # noqa: E402
from app.db import make_engine, make_session_factory, utcnow  # noqa: E402
from app.demo.seed_scale import SCALE_PASSWORD, seed_scale  # noqa: E402
from app.main import create_app  # noqa: E402
from app.models import (  # noqa: E402
    DefinitionStatus,
    Enrollment,
    EnrollmentStatus,
    Membership,
    MicroCredential,
    ModuleFeedback,
    Organization,
    Role,
    User,
)
from app.settings import Settings  # noqa: E402
from tests.support import counting  # noqa: E402

PAGES = {
    "dashboard": "/orgs/{slug}/admin/impact",
    "csv (by school)": "/orgs/{slug}/admin/impact/by-school.csv",
}
SCHOOLS = ("Hillcrest", "Riverside", "Oak Park", "Lincoln", "Maple", "Northgate")


def enrich(db: Session, org: Organization, seed: int) -> None:
    """Schools for members, survey answers for a third of completions, and a micro-credential."""
    rng = random.Random(seed)
    members = list(db.scalars(select(Membership).where(Membership.organization_id == org.id)))
    for m in members:
        if not m.school:
            m.school = rng.choice(SCHOOLS)
    done = db.execute(
        select(Enrollment.id, Enrollment.module_id)
        .outerjoin(ModuleFeedback, ModuleFeedback.enrollment_id == Enrollment.id)
        .where(Enrollment.status == EnrollmentStatus.COMPLETED, ModuleFeedback.id.is_(None))
    ).all()
    now = utcnow()
    rows = [
        {
            "id": uuid.uuid4(),
            "enrollment_id": e,
            "module_id": m,
            "rating": rng.randint(1, 5),
            "comment": "Useful" if rng.random() < 0.3 else None,
            "created_at": now - timedelta(days=rng.randint(0, 300)),
            "updated_at": now,
        }
        for e, m in done
        if rng.random() < 0.33
    ]
    for start in range(0, len(rows), 5000):
        db.execute(insert(ModuleFeedback), rows[start : start + 5000])
    db.add(
        MicroCredential(
            organization_id=org.id,
            family_id=uuid.uuid4(),
            name=f"Bench credential {seed}",
            status=DefinitionStatus.PUBLISHED,
        )
    )
    db.commit()


def measure(client: TestClient, engine: Engine, slug: str, rounds: int) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, template in PAGES.items():
        path = template.format(slug=slug)
        assert client.get(path).status_code == 200  # warm-up
        with counting(engine) as statements:
            response = client.get(path)
        assert response.status_code == 200, response.text[:300]
        timings = []
        for _ in range(rounds):
            t0 = time.perf_counter()
            client.get(path)
            timings.append((time.perf_counter() - t0) * 1000)
        out[name] = {
            "statements": len(statements),
            "median_ms": statistics.median(timings),
            "max_ms": max(timings),
        }
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--postgres", help="admin URL of a PostgreSQL server (a database is made)")
    parser.add_argument("--modules", type=int, default=50)
    parser.add_argument("--teachers", type=int, default=500)
    parser.add_argument("--enrollments", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--no-append", action="store_true", help="do not append to the results")
    args = parser.parse_args()

    workdir = Path(tempfile.mkdtemp(prefix="laurel-impact-bench-"))
    if args.postgres:
        name = f"laurel_impact_bench_{uuid.uuid4().hex[:8]}"
        admin = make_engine(args.postgres, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        admin.dispose()
        url = args.postgres.rsplit("/", 1)[0] + f"/{name}"
    else:
        url = f"sqlite:///{workdir / 'bench.db'}"
    migrate.upgrade(url)
    engine = make_engine(url)
    sessions = make_session_factory(engine)
    settings = Settings(
        environment="test",
        base_url="http://testserver",
        data_dir=workdir,
        secret_key="bench-secret-key-0123456789abcdef0123456789",  # type: ignore[arg-type]  # noqa: S106
        database_url=url,
        mail_backend="console",
    )
    rows = []
    with sessions() as db:
        first = seed_scale(
            db,
            modules=args.modules,
            teachers=args.teachers,
            enrollments=args.enrollments,
            seed=1,
        )
        db.commit()
        org = db.scalars(
            select(Organization).where(Organization.slug == first.organization_slug)
        ).one()
        admin_user = db.scalars(select(User).where(User.email == first.sample_email)).one()
        membership = db.scalars(select(Membership).where(Membership.user_id == admin_user.id)).one()
        membership.role = Role.ADMIN
        enrich(db, org, 1)
        slug = org.slug
    app = create_app(settings, engine=engine)
    with TestClient(app) as client:
        page = client.get("/signin")
        token = page.text.split('name="csrf_token" value="', 1)[1].split('"', 1)[0]
        signed = client.post(
            "/signin",
            data={"email": first.sample_email, "password": SCALE_PASSWORD, "csrf_token": token},
            follow_redirects=False,
        )
        assert signed.status_code == 303, signed.text[:300]
        baseline = measure(client, engine, slug, args.rounds)
        rows.append(("1x", args.teachers, args.enrollments, baseline))
        with sessions() as db:
            org = db.scalars(select(Organization).where(Organization.slug == slug)).one()
            seed_scale(
                db,
                modules=args.modules * 9,
                teachers=args.teachers * 9,
                enrollments=args.enrollments * 9,
                seed=2,
                org=org,
            )
            db.commit()
            enrich(db, org, 2)
        grown = measure(client, engine, slug, args.rounds)
        rows.append(("10x", args.teachers * 10, args.enrollments * 10, grown))
    engine.dispose()
    if args.postgres:
        admin = make_engine(args.postgres, isolation_level="AUTOCOMMIT")
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()

    backend = "PostgreSQL" if args.postgres else "SQLite"
    stamp = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    lines = [
        f"## {stamp}, {backend}",
        "",
        "| data | teachers | enrollments | page | SQL statements | median ms | max ms |",
        "|---|---|---|---|---|---|---|",
    ]
    for label, teachers, enrollments, result in rows:
        for page_name, figures in result.items():
            lines.append(
                f"| {label} | {teachers:,} | {enrollments:,} | {page_name} | "
                f"{figures['statements']} | {figures['median_ms']:.0f} | {figures['max_ms']:.0f} |"
            )
    same = all(rows[0][3][p]["statements"] == rows[1][3][p]["statements"] for p in PAGES)
    lines += ["", f"Statements constant from 1x to 10x: {'yes' if same else 'NO'}.", ""]
    report = "\n".join(lines)
    print(report)
    if not args.no_append:
        with (ROOT / "bench" / "impact_results.md").open("a") as results:
            results.write(report + "\n")
    return 0 if same else 1


if __name__ == "__main__":
    raise SystemExit(main())
