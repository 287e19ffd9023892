"""POST /api/v1/verify answers a credential built to burn CPU with "too complex to verify",
within the work limits the settings give."""

from __future__ import annotations

import html
import json
from datetime import UTC, datetime, timedelta

import pytest

from tests.complex_credentials import counting_pyld_work, interlinked
from tests.support import WebClient


def test_the_blank_node_bomb_gets_the_too_complex_verdict(
    web: WebClient, settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    bomb = interlinked(8, datetime.now(UTC) - timedelta(days=1))
    settings.verify_max_hash_calls = 50
    with counting_pyld_work(monkeypatch) as work:
        answer = web.client.post("/api/v1/verify", json={"credential": bomb})
    assert answer.status_code == 200
    body = answer.json()
    assert (body["valid"], body["verdict"]) == (False, "indeterminate")
    complexity = [c for c in body["checks"] if c["code"] == "complexity"]
    assert len(complexity) == 1
    assert complexity[0]["passed"] is None
    assert complexity[0]["message"].startswith("too complex to verify: ")
    assert "more than 50 N-degree hash calls" in complexity[0]["message"]
    assert work.hash_calls == 50


def test_the_verify_page_says_too_complex_not_that_the_signature_passed(
    web: WebClient, settings
) -> None:
    bomb = interlinked(8, datetime.now(UTC) - timedelta(days=1))
    settings.verify_max_hash_calls = 50
    page = web.post("/verify", {"credential": json.dumps(bomb)})
    assert page.status_code == 200
    assert "Too complex to verify." in page.text
    assert "The signature checks passed" not in page.text
    assert "Within this service's limits" in html.unescape(page.text)
