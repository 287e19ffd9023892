"""The audit pages run the same number of queries whatever the number of people on a page."""

from __future__ import annotations

from app.kit import audit
from app.models import Role
from tests.privacy.support import login
from tests.support import counting, make_org, make_user


def _measure(web, engine) -> dict[str, int]:
    counts = {}
    for path in ("/orgs/riverbend/admin/audit", "/orgs/riverbend/admin/audit.csv"):
        with counting(engine) as statements:
            response = web.get(path)
        assert response.status_code == 200
        counts[path] = len(statements)
    return counts


def test_audit_pages_do_not_query_per_entry(web, web2, db, engine) -> None:
    org = make_org(db)
    admin = make_user(db, "admin@riverbend.org", org=org, role=Role.ADMIN)
    coach = make_user(db, "coach@riverbend.org", org=org, role=Role.COACH)
    teachers = [make_user(db, f"t{n}@riverbend.org", org=org) for n in range(12)]

    def add(count: int) -> None:
        for n in range(count):
            teacher = teachers[n % len(teachers)]
            audit.record(db, "member.role_changed", teacher, actor=coach, organization_id=org.id)
        db.commit()

    add(2)
    login(web, admin.email)
    few = _measure(web, engine)
    add(40)
    many = _measure(web, engine)
    assert min(few.values()) > 3  # the counter sees the queries
    assert many == few

    teacher = teachers[0]
    login(web2, teacher.email)
    with counting(engine) as small:
        assert web2.get("/account/access").status_code == 200
    for other in (admin, *teachers[1:6]):
        audit.record(db, "member.role_changed", teacher, actor=other, organization_id=org.id)
    db.commit()
    with counting(engine) as large:
        assert web2.get("/account/access").status_code == 200
    assert len(large) == len(small)
