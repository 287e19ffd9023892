"""Logs never carry one-time tokens or a failed query's SQL parameters (e-mails, token hashes)."""

from __future__ import annotations

import logging

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import text

from app.logging import JsonFormatter
from app.models import Role
from app.web.access import Db
from tests.support import WebClient, make_org, make_user
from tests.web.test_http_safety import add_routes


def server_log(caplog: pytest.LogCaptureFixture) -> str:
    """Every server record as the JSON lines Laurel writes (the test client's own are left out)."""
    records = [r for r in caplog.records if not r.name.startswith("httpx")]
    return "\n".join(JsonFormatter().format(record) for record in records)


def test_invitation_tokens_are_redacted_from_the_request_log(web: WebClient, db, caplog) -> None:
    org = make_org(db)
    make_user(db, "boss@school.org", org=org, role=Role.ADMIN)
    web.sign_in("boss@school.org")
    web.post("/orgs/riverbend/invitations", {"email": "new@school.org", "role": "teacher"})
    link = web.link_in_mail("new@school.org")
    token = link.removeprefix("/invitations/")
    assert len(token) >= 40
    with caplog.at_level(logging.INFO):
        assert web.get(link).status_code == 200
        web.post(link)  # signed in as someone else: refused, and logged
    log = server_log(caplog)
    assert log.count('"path": "/invitations/[redacted]"') == 2
    assert token not in log


def test_a_failed_query_logs_no_parameters(app, db, caplog) -> None:
    def leaky(db: Db) -> None:
        db.execute(
            text("SELECT id FROM users WHERE email = :email AND no_such_column = 1"),
            {"email": "private.person@school.org"},
        )

    add_routes(app, leaky=leaky)
    with caplog.at_level(logging.INFO), TestClient(app, raise_server_exceptions=False) as client:
        assert client.get("/leaky").status_code == 500
    log = server_log(caplog)
    assert "no_such_column" in log  # the failure itself is logged, with its traceback
    assert "private.person@school.org" not in log
