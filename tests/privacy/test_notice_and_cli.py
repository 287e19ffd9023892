"""The public privacy notice reads the actual settings; `laurel privacy run` does the work."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import create_engine, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from app.cli import cli
from app.db import utcnow
from app.models import DataExport, ExportStatus, Organization, User
from tests.privacy.support import login
from tests.support import make_org, make_user


def test_the_notice_is_public_and_follows_the_settings(web, db, settings) -> None:
    settings.privacy_export_ttl_hours = 48
    settings.privacy_deletion_grace_days = 30
    settings.session_max_age_seconds = 7 * 24 * 3600
    page = web.page("/privacy")
    assert "kept for 48 hours" in page
    assert "nothing is erased for 30 days" in page
    assert "at most 7 days" in page
    assert "Your organizations" not in page
    assert 'href="/privacy"' in web.page("/signin")  # the footer link


def test_a_member_sees_her_organizations_terms(web, db) -> None:
    org = make_org(db, "riverbend", "Riverbend Schools")
    org.evidence_retention_months = 18
    org.min_cell_size = 12
    other = make_org(db, "hillside", "Hillside Schools")
    db.commit()
    make_user(db, "outsider@hillside.org", org=other)
    teacher = make_user(db, "tess@riverbend.org", org=org)
    login(web, teacher.email)
    page = web.page("/privacy")
    assert "Riverbend Schools" in page
    assert "18 months after the decision" in page
    assert "12 people" in page
    assert "Hillside Schools" not in page


def test_laurel_privacy_run(tmp_path, monkeypatch) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("LAUREL_DATABASE_URL", url)
    monkeypatch.setenv("LAUREL_DATA_DIR", str(tmp_path))
    runner = CliRunner()
    assert runner.invoke(cli, ["migrate"]).exit_code == 0
    engine = create_engine(url)
    with Session(engine) as db:
        user = User(email="ana@example.org", display_name="Ana Example", password_hash=None)
        db.add(user)
        db.add(Organization(slug="riverbend", name="Riverbend"))
        db.flush()
        db.add(DataExport(user_id=user.id))
        gone = User(
            email="gone@example.org",
            display_name="Gone Soon",
            deletion_due_at=utcnow() - timedelta(minutes=1),
        )
        db.add(gone)
        db.commit()
    done = runner.invoke(cli, ["privacy", "run"])
    assert done.exit_code == 0, done.output
    assert "Built 1 data export(s)" in done.output
    assert "erased 1 account(s)" in done.output
    with Session(engine) as db:
        export = db.scalars(select(DataExport)).one()
        assert export.status == ExportStatus.READY
        assert export.storage_key
        assert db.scalar(select(User).where(User.email == "gone@example.org")) is None
    again = runner.invoke(cli, ["privacy", "run"])
    assert "Built 0 data export(s)" in again.output
    assert "erased 0 account(s)" in again.output
    engine.dispose()


def test_the_worker_builds_exports(tmp_path, monkeypatch) -> None:
    url = f"sqlite:///{tmp_path / 'worker.db'}"
    monkeypatch.setenv("LAUREL_DATABASE_URL", url)
    monkeypatch.setenv("LAUREL_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("LAUREL_LOG_JSON", "false")
    runner = CliRunner()
    assert runner.invoke(cli, ["migrate"]).exit_code == 0
    engine = create_engine(url)
    with Session(engine) as db:
        user = User(email="ana@example.org", display_name="Ana Example")
        db.add(user)
        db.flush()
        db.add(DataExport(user_id=user.id))
        db.commit()
    done = runner.invoke(cli, ["worker", "--once"])
    assert done.exit_code == 0, done.output
    assert "built 1 data export(s)" in done.output
    with Session(engine) as db:
        assert db.scalars(select(DataExport)).one().status == ExportStatus.READY
    engine.dispose()
