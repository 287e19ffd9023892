"""The dashboard, a CSV table and the API read a fixed number of SQL statements, whatever the
size of the data (seeded with the generator of `laurel seed-scale`, plus survey answers)."""

from __future__ import annotations

import random
import uuid

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import insert, select

from app.db import utcnow
from app.demo.seed_scale import seed_scale
from app.models import Enrollment, EnrollmentStatus, ModuleFeedback
from tests.impact.support import bearer, small_org
from tests.support import counting

BOUND = 40


@pytest.fixture
def api(app):
    with TestClient(app) as client:
        yield client


def _feedback(db, how_many: int, seed: int) -> None:
    rng = random.Random(seed)
    done = db.execute(
        select(Enrollment.id, Enrollment.module_id)
        .where(Enrollment.status == EnrollmentStatus.COMPLETED)
        .outerjoin(ModuleFeedback, ModuleFeedback.enrollment_id == Enrollment.id)
        .where(ModuleFeedback.id.is_(None))
        .limit(how_many)
    ).all()
    now = utcnow()
    rows = [
        {
            "id": uuid.uuid4(),
            "enrollment_id": e,
            "module_id": m,
            "rating": rng.randint(1, 5),
            "comment": f"Useful, thanks ({n})",
            "created_at": now,
            "updated_at": now,
        }
        for n, (e, m) in enumerate(done)
    ]
    if rows:
        db.execute(insert(ModuleFeedback), rows)
    db.commit()


def _measure(web, api, engine, headers) -> dict[str, int]:
    counts = {}
    for name, path in {
        "dashboard": "/orgs/riverbend/admin/impact",
        "csv": "/orgs/riverbend/admin/impact/by-school.csv",
    }.items():
        with counting(engine) as statements:
            response = web.get(path)
        assert response.status_code == 200, (path, response.text[:300])
        counts[name] = len(statements)
    with counting(engine) as statements:
        assert api.get("/api/v1/orgs/riverbend/impact", headers=headers).status_code == 200
    counts["api"] = len(statements)
    return counts


def test_statements_do_not_grow_with_the_data(web, api, db, engine) -> None:
    world = small_org(db)
    headers = bearer(db, world.admin)
    seed_scale(db, modules=8, teachers=15, enrollments=40, seed=3, org=world.org)
    _feedback(db, 10, 1)
    web.sign_in(world.admin.email)
    api.get("/api/v1/orgs/riverbend/impact", headers=headers)  # the token's first use is noted
    small = _measure(web, api, engine, headers)
    seed_scale(db, modules=40, teachers=150, enrollments=900, seed=4, org=world.org)
    _feedback(db, 300, 2)
    large = _measure(web, api, engine, headers)
    assert large == small
    assert max(large.values()) <= BOUND, large
