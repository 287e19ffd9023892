"""Evidence retention: admins set it; the run deletes old evidence files and says so."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import func, select

from app.db import utcnow
from app.kit.storage import storage_for
from app.models import AuditEvent, EvidenceFile, Organization, Submission
from app.services.privacy import retention, scheduled
from tests.privacy.support import login, make_rich
from tests.support import make_org, make_user


def test_admins_set_retention_and_others_cannot(web, web2, db) -> None:
    rich = make_rich(db, web, web2)
    w = rich.world
    url = "/orgs/riverbend/admin/privacy"
    for person in (w.teacher, w.coach):
        login(web, person.email)
        assert web.get(url).status_code == 403
        assert web.post(url, {"evidence_retention_months": "1"}).status_code == 403
    outsider_org = make_org(db, "hillside")
    outsider = make_user(
        db, "boss@hillside.org", org=outsider_org, role=w.admin.memberships[0].role
    )
    login(web, outsider.email)
    assert web.get(url).status_code == 403
    db.expire_all()
    assert db.get(Organization, w.org.id).evidence_retention_months is None

    login(web, w.admin.email)
    page = web.page(url)
    assert "Evidence files are kept" in page
    for bad in ("0", "-3", "abc", "121", "1.5", "9" * 40):
        refused = web.post(url, {"evidence_retention_months": bad})
        assert refused.status_code == 422, bad
        assert "whole number of months" in refused.text
    saved = web.post(url, {"evidence_retention_months": "24"})
    assert saved.status_code == 303
    db.expire_all()
    assert db.get(Organization, w.org.id).evidence_retention_months == 24
    assert "deleted 24 months after" in web.page(url)
    event = db.scalars(
        select(AuditEvent).where(AuditEvent.action == "organization.retention_changed")
    ).one()
    assert event.detail == {"before": None, "after": 24}
    assert web.post(url, {"evidence_retention_months": ""}).status_code == 303
    db.expire_all()
    assert db.get(Organization, w.org.id).evidence_retention_months is None


def test_the_run_deletes_old_evidence_files_only(web, web2, db, settings, session_factory) -> None:
    rich = make_rich(db, web, web2)
    w = rich.world
    storage = storage_for(settings)
    keys = {f.storage_key for a in rich.submission.attempts for f in a.files}
    org = db.get(Organization, w.org.id)
    org.evidence_retention_months = 6
    db.commit()

    # decided today: kept
    assert scheduled.run(session_factory, settings).evidence_files_removed == 0
    assert all(storage.exists(k) for k in keys)

    submission = db.get(Submission, rich.submission.id)
    submission.decided_at = utcnow() - timedelta(days=200)
    db.commit()
    report = scheduled.run(session_factory, settings)
    assert report.evidence_files_removed == 2
    assert not any(storage.exists(k) for k in keys)
    db.expire_all()
    submission = db.get(Submission, rich.submission.id)
    assert submission.status.value == "earned"  # the decision stays
    assert submission.attempts[0].responses  # the texts stay
    assert db.scalar(select(func.count(EvidenceFile.id))) == 0
    event = db.scalars(
        select(AuditEvent).where(AuditEvent.action == retention.RETENTION_ACTION)
    ).one()
    assert event.subject_id == w.teacher.id
    assert event.organization_id == w.org.id
    assert event.detail["files"] == 2
    assert retention.removed_under_retention(db, submission)
    # a second run finds nothing more
    assert scheduled.run(session_factory, settings).evidence_files_removed == 0


def test_another_organizations_retention_does_not_apply(
    web, web2, db, settings, session_factory
) -> None:
    rich = make_rich(db, web, web2)
    other = make_org(db, "hillside")
    other.evidence_retention_months = 1
    db.commit()
    submission = db.get(Submission, rich.submission.id)
    submission.decided_at = utcnow() - timedelta(days=400)
    db.commit()
    assert scheduled.run(session_factory, settings).evidence_files_removed == 0
    assert db.scalar(select(func.count(EvidenceFile.id))) == 2


def test_months_before_clamps_to_the_month_end() -> None:
    moment = datetime(2026, 3, 31, 12, tzinfo=UTC)
    assert retention.months_before(moment, 1) == datetime(2026, 2, 28, 12, tzinfo=UTC)
    assert retention.months_before(moment, 15) == datetime(2024, 12, 31, 12, tzinfo=UTC)
    assert retention.months_before(moment, 12) == datetime(2025, 3, 31, 12, tzinfo=UTC)
