"""Bulk issuing: all problems reported at once (nothing issued then); re-runs never duplicate."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from app.cli import cli
from app.db import make_engine
from app.models import IssuedCredential
from app.services.credentials import bulk_issue
from tests.support import make_org, make_user

ACHIEVEMENT = {
    "id": "https://riverbend.example/achievements/family-engagement",
    "name": "Family Engagement Partner",
    "description": "Builds two-way communication with families.",
    "criteria": "Completed the family engagement series and shared a communication plan.",
    "alignment": [{"targetName": "ISTE 2.4", "targetUrl": "https://iste.org/standards/educators"}],
}


def test_every_bad_row_is_reported_with_its_line() -> None:
    text = (
        "email,narrative,evidence_url,color\n"
        "ok@riverbend.org,,,\n"
        "not-an-email,,,\n"
        "ok@riverbend.org,,,\n"
        "b@riverbend.org,,ftp://x,\n"
        "c@riverbend.org,,https://[abc/x,\n"
    )
    with pytest.raises(bulk_issue.BulkProblems) as caught:
        bulk_issue.parse_recipients(text)
    problems = caught.value.problems
    assert problems[0] == "line 1: unknown column(s) color"
    assert any(p.startswith("line 3:") and "valid e-mail" in p for p in problems)
    assert "line 4: ok@riverbend.org already appears on line 2" in problems
    assert "line 5: evidence_url must be an https:// address" in problems
    assert "line 6: evidence_url must be an https:// address" in problems  # unparsable


def test_missing_email_column_and_empty_file() -> None:
    with pytest.raises(bulk_issue.BulkProblems, match="'email' column"):
        bulk_issue.parse_recipients("name\nAda\n")
    with pytest.raises(bulk_issue.BulkProblems, match="no recipients"):
        bulk_issue.parse_recipients("email\n")


def test_cli_issues_with_progress_and_reruns_issue_nothing_twice(tmp_path, monkeypatch) -> None:
    url = f"sqlite:///{tmp_path / 'bulk.db'}"
    monkeypatch.setenv("LAUREL_DATABASE_URL", url)
    monkeypatch.setenv("LAUREL_DATA_DIR", str(tmp_path))
    runner = CliRunner()
    assert runner.invoke(cli, ["migrate"]).exit_code == 0
    engine = make_engine(url)
    with Session(engine, expire_on_commit=False) as db:
        org = make_org(db)
        existing = make_user(db, "ada@riverbend.org", org=org)
    achievement = tmp_path / "achievement.json"
    achievement.write_text(json.dumps(ACHIEVEMENT))
    bad = tmp_path / "bad.csv"
    bad.write_text("email\nnope\n")
    refused = runner.invoke(
        cli,
        [
            "issue",
            "--org",
            "riverbend",
            "--achievement",
            str(achievement),
            "--recipients",
            str(bad),
        ],
    )
    assert refused.exit_code == 1
    assert "line 2" in refused.output
    good = tmp_path / "recipients.csv"
    good.write_text(
        "email,narrative,evidence_url,evidence_name\n"
        "Ada@Riverbend.org,Led the spring family night,https://riverbend.example/e/1,Plan\n"
        "grace@riverbend.org,,,\n"
    )
    args = [
        "issue",
        "--org",
        "riverbend",
        "--achievement",
        str(achievement),
        "--recipients",
        str(good),
    ]
    first = runner.invoke(cli, args)
    assert first.exit_code == 0, first.output
    assert "Issued 2 credential(s) of Family Engagement Partner" in first.output
    assert runner.invoke(cli, args).exit_code == 0
    with Session(engine) as db:
        assert db.scalar(select(func.count()).select_from(IssuedCredential)) == 2
        ada = db.scalar(
            select(IssuedCredential).where(IssuedCredential.recipient_email == "ada@riverbend.org")
        )
        assert ada.recipient_user_id == existing.id
        assert ada.credential_json["evidence"][0]["id"] == "https://riverbend.example/e/1"
    engine.dispose()
