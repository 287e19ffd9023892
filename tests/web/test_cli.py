"""The `laurel` command: migrate, seed-demo (idempotent), create-admin."""

from __future__ import annotations

from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from app.cli import cli
from app.models import Membership, Organization, User
from app.services.identity.passwords import verify_password


def test_migrate_seed_twice_and_create_admin(tmp_path, monkeypatch) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("LAUREL_DATABASE_URL", url)
    monkeypatch.setenv("LAUREL_DATA_DIR", str(tmp_path))
    runner = CliRunner()
    assert runner.invoke(cli, ["migrate"]).exit_code == 0
    first = runner.invoke(cli, ["seed-demo"])
    assert first.exit_code == 0, first.output
    assert "demo login: admin    admin@riverbend.example" in first.output
    assert runner.invoke(cli, ["seed-demo"]).exit_code == 0

    engine = create_engine(url)
    with Session(engine) as db:
        assert db.scalar(select(func.count()).select_from(Organization)) == 1
        assert db.scalar(select(func.count()).select_from(User)) == 4
        assert db.scalar(select(func.count()).select_from(Membership)) == 4
        teacher = db.scalar(select(User).where(User.email == "teacher@riverbend.example"))
        assert verify_password(teacher.password_hash, "laurel-demo-teacher")

    weak = runner.invoke(
        cli, ["create-admin", "--email", "op@laurel.org", "--name", "Op", "--password", "short"]
    )
    assert weak.exit_code == 1
    assert "at least 10 characters" in weak.output
    made = runner.invoke(
        cli,
        [
            "create-admin",
            "--email",
            "op@laurel.org",
            "--name",
            "Op",
            "--password",
            "operator-passphrase",
        ],
    )
    assert made.exit_code == 0, made.output
    with Session(engine) as db:
        assert db.scalar(select(User).where(User.email == "op@laurel.org")).is_platform_admin
    engine.dispose()


def test_seed_scale_adds_a_searchable_organization(tmp_path, monkeypatch) -> None:
    url = f"sqlite:///{tmp_path / 'scale.db'}"
    monkeypatch.setenv("LAUREL_DATABASE_URL", url)
    monkeypatch.setenv("LAUREL_DATA_DIR", str(tmp_path))
    runner = CliRunner()
    assert runner.invoke(cli, ["migrate"]).exit_code == 0
    args = ["seed-scale", "--modules", "30", "--teachers", "20", "--enrollments", "100"]
    result = runner.invoke(cli, args)
    assert result.exit_code == 0, result.output
    assert "30 modules, 20 teachers, 100 enrollments" in result.output

    from sqlalchemy import text

    from app.models import Enrollment, Module

    engine = create_engine(url)
    with Session(engine) as db:
        assert db.scalar(select(func.count()).select_from(Module)) == 30
        assert db.scalar(select(func.count()).select_from(Enrollment)) == 100
        assert db.execute(text("SELECT count(*) FROM modules_fts")).scalar() == 30
    engine.dispose()
