"""`laurel keys rotate` and `laurel verify`."""

from __future__ import annotations

import json

from sqlalchemy.orm import Session
from typer.testing import CliRunner

from app.cli import cli
from app.db import make_engine
from app.models import Role
from app.settings import Settings
from tests.credentials_support import issue_to
from tests.support import make_org, make_user


def test_rotate_then_verify_from_the_command_line(tmp_path, monkeypatch) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    monkeypatch.setenv("LAUREL_DATABASE_URL", url)
    monkeypatch.setenv("LAUREL_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("LAUREL_BASE_URL", "https://pd.riverbend.org")
    runner = CliRunner()
    assert runner.invoke(cli, ["migrate"]).exit_code == 0
    settings = Settings()
    engine = make_engine(url)
    with Session(engine, expire_on_commit=False) as db:
        org = make_org(db)
        teacher = make_user(db, "ada@riverbend.org", org=org, role=Role.TEACHER)
        row = issue_to(db, settings, org, teacher)
    credential_file = tmp_path / "credential.jwt"
    credential_file.write_text(row.credential_jwt)

    rotated = runner.invoke(cli, ["keys", "rotate", "--org", "riverbend"])
    assert rotated.exit_code == 0, rotated.output
    assert "New signing keys for riverbend" in rotated.output
    assert runner.invoke(cli, ["keys", "rotate", "--org", "atlantis"]).exit_code == 1

    verified = runner.invoke(cli, ["verify", str(credential_file), "--email", "ada@riverbend.org"])
    assert verified.exit_code == 0, verified.output
    answer = json.loads(verified.output)
    assert answer["valid"] is True
    assert answer["summary"]["issuer_id"] == "did:web:pd.riverbend.org:orgs:riverbend"

    tampered = tmp_path / "bad.json"
    tampered.write_text(json.dumps(row.credential_json | {"name": "Forged"}))
    assert runner.invoke(cli, ["verify", str(tampered)]).exit_code == 1
    engine.dispose()
