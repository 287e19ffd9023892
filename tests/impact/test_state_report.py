"""The state report: one line per completed module and issued credential, with the documented
columns, for admins only, and each download recorded in the audit trail."""

from __future__ import annotations

import csv
import io
from pathlib import Path

from sqlalchemy import select

from app.models import AuditEvent
from app.services.impact.state_report import COLUMNS
from tests.credentials_support import issue_to
from tests.impact.support import small_org

DOCS = Path(__file__).resolve().parents[2] / "docs" / "impact.md"


def test_the_state_report_lists_each_teachers_hours_and_is_audited(web, db, settings) -> None:
    world = small_org(db)
    credential = issue_to(
        db, settings, world.org, world.teachers[1], name="Culturally Responsive Teaching"
    )
    web.sign_in(world.admin.email)
    response = web.get("/orgs/riverbend/admin/impact/state-report.csv")
    assert response.status_code == 200
    assert response.headers["content-disposition"].startswith("attachment;")
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert list(rows[0]) == COLUMNS
    module = next(r for r in rows if r["activity_type"] == "module")
    assert module["teacher_name"] == "Teacher Number0"
    assert module["teacher_email"] == "t0@riverbend.org"
    assert module["school"] == "Hillcrest Elementary"
    assert module["title"] == "Exit Tickets That Work"
    assert module["pd_hours"] == "2.00"
    assert module["provider"] == "Riverbend"
    assert module["completed_on"]
    assert module["started_on"] <= module["completed_on"]
    issued = next(r for r in rows if r["activity_type"] == "credential")
    assert issued["teacher_email"] == "t1@riverbend.org"
    assert issued["title"] == "Culturally Responsive Teaching"
    assert issued["status"] == "active"
    assert issued["credential_url"].endswith(f"/credentials/{credential.id}")
    assert issued["pd_hours"] == ""  # issued directly, not for a micro-credential with hours
    assert len(rows) == 2
    db.expire_all()
    event = db.scalars(
        select(AuditEvent).where(AuditEvent.action == "impact.state_report_exported")
    ).one()
    assert event.actor_id == world.admin.id
    assert event.organization_id == world.org.id
    assert event.detail["lines"] == 2


def test_every_column_is_documented() -> None:
    text = DOCS.read_text()
    for column in COLUMNS:
        assert f"`{column}`" in text, column
