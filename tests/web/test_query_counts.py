"""The catalog search, the module page and the dashboard run a bounded number of SQL queries,
whatever the size of the data (seeded with the same generator as `laurel seed-scale`)."""

from __future__ import annotations

from sqlalchemy import func, select

from app.db import utcnow
from app.demo.seed_scale import SCALE_PASSWORD, seed_scale
from app.models import Enrollment, EnrollmentStatus, Module, User
from app.services.orgs import organizations
from tests.support import WebClient, counting

BOUND = 25


def _measure(web: WebClient, engine, module_id) -> dict[str, int]:
    counts = {}
    for name, path in {
        "catalog": "/modules?q=feedback&sort=relevance",
        "filtered": "/modules?min_hours=0.5&sort=hours&language=en",
        "module": f"/modules/{module_id}",
        "dashboard": "/learning",
    }.items():
        with counting(engine) as statements:
            response = web.get(path)
        assert response.status_code == 200, (path, response.text[:500])
        counts[name] = len(statements)
    return counts


def test_page_queries_do_not_grow_with_the_data(web: WebClient, db, engine) -> None:
    small = seed_scale(db, modules=12, teachers=10, enrollments=40, seed=3)
    db.commit()
    web.sign_in(small.sample_email, SCALE_PASSWORD)
    module_id = db.scalar(select(Module.id).order_by(Module.title))
    assert web.post(f"/modules/{module_id}/enroll").status_code == 303
    before = _measure(web, engine, module_id)

    org = organizations.get_by_slug(db, small.organization_slug)
    seed_scale(db, modules=60, teachers=80, enrollments=900, seed=4, org=org)
    teacher = db.scalar(select(User).where(User.email == small.sample_email))
    for n, module in enumerate(db.scalars(select(Module).limit(40))):
        if db.scalar(
            select(Enrollment.id).where(
                Enrollment.user_id == teacher.id, Enrollment.family_id == module.family_id
            )
        ):
            continue
        done = n % 2 == 0
        db.add(
            Enrollment(
                user_id=teacher.id,
                module_id=module.id,
                family_id=module.family_id,
                enrolled_at=utcnow(),
                status=EnrollmentStatus.COMPLETED if done else EnrollmentStatus.ACTIVE,
                completed_at=utcnow() if done else None,
                pd_hours_awarded=module.pd_hours if done else None,
            )
        )
    db.commit()
    assert db.scalar(select(func.count()).select_from(Module)) == 72
    after = _measure(web, engine, module_id)
    assert after == before
    assert max(after.values()) <= BOUND, after
