"""A verifier that cannot be made to burn CPU: the work of one verification is counted and
bounded, and past the limits the verdict is "indeterminate: too complex to verify"."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from conftest import DB, EDTECH, NOW, W3C, load

from badges import Limits, WorkBudget, canonicalize, issue, verify
from badges.verify import VerificationResult
from tests.complex_credentials import (
    counting_pyld_work,
    interlinked,
    interlinked_endorsement,
    many_alignments,
)

ISSUED = NOW - timedelta(days=1)


def _too_complex(result: VerificationResult) -> str:
    assert result.verdict == "indeterminate", result.to_json()["checks"]
    assert result.failed == []
    check = result.check("complexity")
    assert check is not None
    assert check.passed is None
    assert check.message.startswith("too complex to verify: ")
    return check.message


def test_eight_interlinked_blank_nodes_are_refused_within_the_default_cap(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    bomb = interlinked(8, ISSUED)  # 2 KB; without the cap, minutes of CPU
    with counting_pyld_work(monkeypatch) as work:
        result = verify(bomb, clock=lambda: NOW)
    assert "N-degree hash calls" in _too_complex(result)
    assert work.hash_calls == Limits().max_hash_calls == 1000
    assert result.check("proof") is None  # refused before any signature comparison


def test_the_cap_is_a_parameter_and_the_count_stops_there(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with counting_pyld_work(monkeypatch) as work:
        result = verify(interlinked(8, ISSUED), clock=lambda: NOW, limits=Limits(max_hash_calls=40))
    _too_complex(result)
    assert work.hash_calls == 40


def test_a_credential_needing_exactly_the_cap_still_verifies(
    monkeypatch: pytest.MonkeyPatch, ed_key: Any, unsigned: dict[str, Any]
) -> None:
    subject = unsigned["credentialSubject"]
    linked = [{"id": f"_:n{i}", "aud": [f"_:n{j}" for j in range(4) if j != i]} for i in range(4)]
    signed = issue(unsigned | {"credentialSubject": subject | {"aud": linked}}, ed_key, created=NOW)
    with counting_pyld_work(monkeypatch) as work:
        assert verify(signed, clock=lambda: NOW).valid
    needed = work.hash_calls
    assert 10 < needed < 100
    exact = verify(signed, clock=lambda: NOW, limits=Limits(max_hash_calls=needed))
    assert exact.valid, exact.to_json()["checks"]
    _too_complex(verify(signed, clock=lambda: NOW, limits=Limits(max_hash_calls=needed - 1)))


def test_many_values_of_one_property_are_refused_by_counting_comparisons(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # 400 alignments: pyld's duplicate check compares each with all earlier ones (~80,000)
    limits = Limits(max_value_comparisons=20_000)
    with counting_pyld_work(monkeypatch) as work:
        result = verify(many_alignments(400, ISSUED), clock=lambda: NOW, limits=limits)
    assert "value comparisons" in _too_complex(result)
    assert 0 < work.comparisons <= 20_000


def test_the_deadline_is_checked_before_any_work(monkeypatch: pytest.MonkeyPatch) -> None:
    with counting_pyld_work(monkeypatch) as work:
        result = verify(
            load(DB / "ob3-di.json"), clock=lambda: NOW, limits=Limits(deadline_seconds=0)
        )
    assert "did not finish within 0 s" in _too_complex(result)
    assert (work.hash_calls, work.comparisons) == (0, 0)
    assert result.checks == [result.check("complexity")]


def test_endorsements_and_the_credential_share_one_budget(
    monkeypatch: pytest.MonkeyPatch, ed_key: Any, unsigned: dict[str, Any]
) -> None:
    endorsements = [interlinked_endorsement(4, ISSUED) for _ in range(2)]
    signed = issue(unsigned | {"endorsement": endorsements}, ed_key, created=NOW)
    assert isinstance(signed, dict)
    alone = WorkBudget()  # the costliest single canonicalization: the credential itself
    canonicalize({k: v for k, v in signed.items() if k != "proof"}, budget=alone)
    with counting_pyld_work(monkeypatch) as work:
        result = verify(signed, clock=lambda: NOW)
    assert result.valid  # the endorsements' zero signatures are warnings
    assert work.hash_calls > alone.hash_calls > 0  # the endorsements were canonicalized too
    with counting_pyld_work(monkeypatch) as work:
        bounded = verify(signed, clock=lambda: NOW, limits=Limits(max_hash_calls=alone.hash_calls))
    _too_complex(bounded)
    assert work.hash_calls == alone.hash_calls


@pytest.mark.parametrize(
    "path",
    [
        DB / "ob3-di.json",
        EDTECH / "validator-complete-all-fields.json",
        EDTECH / "validator-endorsement-valid.json",
        W3C / "signedDataInt.json",
    ],
)
def test_ordinary_credentials_need_a_small_fraction_of_the_limits(path: Any) -> None:
    budget = WorkBudget(Limits())
    document = {k: v for k, v in load(path).items() if k != "proof"}
    canonicalize(document, budget=budget)
    assert budget.hash_calls <= 20  # the 1EdTech "all fields" vector needs the most
    assert budget.value_comparisons <= 200
