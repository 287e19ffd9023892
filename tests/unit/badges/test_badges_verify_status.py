"""Status checks through verify(): revocation, suspension, unusable lists; refresh."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from conftest import NOW, FileFetcher

from badges import (
    KeyPair,
    StatusList,
    did_key,
    did_key_method_id,
    issue,
    sign_data_integrity,
    status_entry,
    status_list_credential,
    verify,
)


@pytest.mark.parametrize("purpose", ["revocation", "suspension"])
def test_revoked_and_suspended(
    unsigned: dict[str, Any], ed_key: KeyPair, issuer_did: str, purpose: str
) -> None:
    url = "https://laurel.example/status/1"
    bits = StatusList()
    bits.set(4242)
    list_vc = sign_data_integrity(
        status_list_credential(url, issuer_did, bits, purpose, NOW - timedelta(days=2)), ed_key
    )
    fetch = FileFetcher(docs={url: list_vc})
    held = issue(unsigned | {"credentialStatus": status_entry(url, 4242, purpose)}, ed_key)
    fine = issue(unsigned | {"credentialStatus": status_entry(url, 4243, purpose)}, ed_key)
    bad = verify(held, status_fetcher=fetch, clock=lambda: NOW)
    good = verify(fine, status_fetcher=fetch, clock=lambda: NOW)
    state = "revoked" if purpose == "revocation" else "suspended"
    assert bad.failed == ["status"]
    assert bad.check("status").state == state
    assert good.valid
    assert good.check("status").state == "active"


def test_status_list_signed_by_someone_else_is_unknown(
    unsigned: dict[str, Any], ed_key: KeyPair, issuer_did: str
) -> None:
    url = "https://laurel.example/status/1"
    stranger = KeyPair.generate()
    stranger = stranger.with_id(did_key_method_id(did_key(stranger)))
    list_vc = sign_data_integrity(
        status_list_credential(url, did_key(stranger), StatusList()), stranger
    )
    held = issue(unsigned | {"credentialStatus": status_entry(url, 1)}, ed_key)
    result = verify(held, status_fetcher=FileFetcher(docs={url: list_vc}), clock=lambda: NOW)
    assert result.check("status").passed is None  # type: ignore[union-attr]
    assert result.verdict == "indeterminate"


@pytest.mark.parametrize("fmt", ["di", "jwt"])
def test_signed_status_list_credential(
    fmt: str, unsigned: dict[str, Any], ed_key: KeyPair, issuer_did: str
) -> None:
    from badges import issue_status_list

    url = "https://laurel.example/status/9"
    bits = StatusList()
    bits.set(77)
    list_vc = issue_status_list(
        url,
        issuer_did,
        bits,
        ed_key,
        proof_format=fmt,
        valid_from=NOW - timedelta(hours=1),  # type: ignore[arg-type]
    )
    held = issue(unsigned | {"credentialStatus": status_entry(url, 77)}, ed_key)
    result = verify(held, status_fetcher=FileFetcher(docs={url: list_vc}), clock=lambda: NOW)
    assert result.failed == ["status"]


@pytest.mark.parametrize("problem", ["expired list", "multi-bit", "wrong purpose"])
def test_unusable_status_lists_give_unknown(
    problem: str, unsigned: dict[str, Any], ed_key: KeyPair, issuer_did: str
) -> None:
    url = "https://laurel.example/status/5"
    unsigned_list = status_list_credential(
        url, issuer_did, StatusList(), "revocation", NOW - timedelta(days=10)
    )
    entry = status_entry(url, 3)
    if problem == "expired list":
        unsigned_list["validUntil"] = "2026-11-20T00:00:00Z"
    elif problem == "multi-bit":
        entry["statusSize"] = 2
    else:
        entry["statusPurpose"] = "suspension"
    fetch = FileFetcher(docs={url: sign_data_integrity(unsigned_list, ed_key)})
    result = verify(
        issue(unsigned | {"credentialStatus": entry}, ed_key),
        status_fetcher=fetch,
        clock=lambda: NOW,
    )
    status = result.check("status")
    assert status is not None
    assert status.passed is None
    assert status.state == "unknown"


def test_refresh_service_is_followed_once_when_asked(
    unsigned: dict[str, Any], ed_key: KeyPair
) -> None:
    url = "https://laurel.example/refresh/1"
    service = {"refreshService": {"id": url, "type": "1EdTechCredentialRefresh"}}
    stale = issue(unsigned | service | {"validUntil": "2026-11-01T00:00:00Z"}, ed_key)
    fresh = issue(unsigned | service, ed_key)
    forged = issue(unsigned | service | {"id": "urn:uuid:another"}, ed_key)
    assert verify(stale, clock=lambda: NOW).failed == ["expiry"]
    for served, valid in ((fresh, True), (forged, False), (None, False)):
        fetch = FileFetcher(docs={url: served} if served else {})
        result = verify(stale, status_fetcher=fetch, clock=lambda: NOW, refresh=True)
        check = result.check("refresh")
        assert check is not None
        assert check.severity == "warning"
        assert result.valid is valid
        assert check.passed is (True if valid else None)
