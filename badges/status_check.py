"""Checking a credential's status: Bitstring Status List, StatusList2021, 1EdTechRevocationList."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from badges.budget import WorkBudget
from badges.dataintegrity import verify_data_integrity
from badges.errors import BadgeError, StatusError, TooComplexError
from badges.resolver import Fetcher, KeyResolver
from badges.result import Check
from badges.status import StatusList
from badges.vcjwt import check_claims, issuer_of, verify_jwt_signature

BITSTRING_TYPES = {
    "BitstringStatusListEntry": "BitstringStatusList",
    "StatusList2021Entry": "StatusList2021",
}
REVOCATION_LIST = "1EdTechRevocationList"
_STATES = {"revocation": "revoked", "suspension": "suspended"}


def _unknown(message: str) -> Check:
    return Check("status", None, message, state="unknown")


def check_status(
    credential: dict[str, Any],
    fetch: Fetcher | None,
    resolver: KeyResolver,
    now: datetime | None = None,
    budget: WorkBudget | None = None,
) -> Check:
    """The ``status`` check. Unreachable, unverifiable or expired lists give ``passed=None``.

    ``budget`` bounds the work of checking the lists' proofs (raises :class:`TooComplexError`).
    """
    raw = credential.get("credentialStatus")
    entries = raw if isinstance(raw, list) else [] if raw is None else [raw]
    if not entries:
        return Check("status", True, "the credential has no status entry", state="active")
    when = now or datetime.now(UTC)
    spend = budget or WorkBudget()
    results = [_check_entry(e, credential, fetch, resolver, when, spend) for e in entries]
    for wanted in (False, None):
        for result in results:
            if result.passed is wanted:
                return result
    return results[0]


def _check_entry(
    entry: Any,
    credential: dict[str, Any],
    fetch: Fetcher | None,
    resolver: KeyResolver,
    now: datetime,
    budget: WorkBudget,
) -> Check:
    if not isinstance(entry, dict):
        return _unknown("credentialStatus entry is not an object")
    kind = entry.get("type")
    if fetch is None:
        return _unknown(f"{kind} not checked: no status fetcher (offline)")
    try:
        if kind in BITSTRING_TYPES:
            issuer = issuer_of(credential)
            return _bitstring(entry, str(kind), issuer, fetch, _ListChecker(resolver, budget), now)
        if kind == REVOCATION_LIST:
            return _revocation_list(entry, credential, fetch)
    except TooComplexError:
        raise
    except BadgeError as exc:
        return _unknown(f"status unknown: {exc}")
    except Exception as exc:  # the app's fetcher may raise anything (HTTP client errors)
        return _unknown(f"status unknown: the status list could not be fetched ({exc})")
    return _unknown(f"unsupported status type {kind!r}")


def _bitstring(
    entry: dict[str, Any],
    kind: str,
    issuer: str,
    fetch: Fetcher,
    checker: _ListChecker,
    now: datetime,
) -> Check:
    url = str(entry.get("statusListCredential", ""))
    purpose = str(entry.get("statusPurpose", ""))
    try:
        index = int(str(entry.get("statusListIndex")))
    except ValueError as exc:
        raise StatusError("statusListIndex is not an integer") from exc
    if purpose not in _STATES:
        raise StatusError(f"unsupported status purpose {purpose!r}")
    if str(entry.get("statusSize", 1)) != "1":
        raise StatusError("multi-bit status entries (statusSize > 1) are not supported")
    list_vc = checker.verified(fetch(url), url, issuer)
    _check_list_window(list_vc, url, now)
    subject = list_vc.get("credentialSubject")
    if not isinstance(subject, dict) or subject.get("type") != BITSTRING_TYPES[kind]:
        raise StatusError(f"{url} is not a {BITSTRING_TYPES[kind]} credential")
    if subject.get("statusPurpose") != purpose:
        raise StatusError(f"{url} is a {subject.get('statusPurpose')!r} list, not {purpose!r}")
    if StatusList.decode(str(subject.get("encodedList", ""))).get(index):
        return Check(
            "status",
            False,
            f"{_STATES[purpose]} (bit {index} of {url} is set)",
            state=_STATES[purpose],
        )
    return Check(
        "status", True, f"not {_STATES[purpose]} (bit {index} of {url} is clear)", state="active"
    )


@dataclass(frozen=True)
class _ListChecker:
    """Checks a status list credential's proof with the verification's resolver and budget."""

    resolver: KeyResolver
    budget: WorkBudget

    def verified(self, doc: Any, url: str, issuer: str) -> dict[str, Any]:
        """The status list credential, once its proof and issuer are checked."""
        if isinstance(doc, str):
            decoded, key = verify_jwt_signature(doc, self.resolver)
            problems = check_claims(decoded, dates=False)
            if problems:
                raise StatusError(f"status list JWT at {url}: {'; '.join(problems)}")
            vc, controller = decoded.claimed, key.controller
        elif isinstance(doc, dict):
            proof = verify_data_integrity(doc, self.resolver, self.budget)
            if not proof.valid or proof.key is None:
                raise StatusError(f"status list at {url} has no valid proof: {proof.message}")
            vc, controller = doc, proof.key.controller
        else:
            raise StatusError(f"{url} is not a credential")
        if issuer_of(vc) != issuer or controller != issuer:
            raise StatusError(f"status list at {url} is not signed by the issuer {issuer}")
        return vc


def _check_list_window(list_vc: dict[str, Any], url: str, now: datetime) -> None:
    for field, late in (("validFrom", False), ("validUntil", True)):
        value = list_vc.get(field)
        if value is None:
            continue
        try:
            when = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
        except ValueError as exc:
            raise StatusError(f"status list {url} has an invalid {field}") from exc
        if when.tzinfo is None:
            raise StatusError(f"status list {url} has a {field} without a time zone")
        if (now > when) if late else (now < when):
            raise StatusError(f"status list {url} is outside its validity period ({field})")


def _revocation_list(entry: dict[str, Any], credential: dict[str, Any], fetch: Fetcher) -> Check:
    url = str(entry.get("id", ""))
    doc = fetch(url)
    if not isinstance(doc, dict):
        raise StatusError(f"{url} is not a revocation list")
    owner = doc.get("issuer")
    owner = owner.get("id") if isinstance(owner, dict) else owner
    if owner not in (None, issuer_of(credential)):
        raise StatusError(f"revocation list at {url} belongs to {owner}, not the issuer")
    listed = doc.get("revokedCredential", doc.get("revokedCredentials", []))
    if not isinstance(listed, list):
        raise StatusError(f"{url} has no revokedCredential array")
    for item in listed:
        listed_here = isinstance(item, dict) and item.get("id") == credential.get("id")
        if listed_here and item.get("revoked", True) is not False:
            reason = item.get("revocationReason")
            why = f": {reason}" if reason else ""
            return Check("status", False, f"revoked (listed in {url}){why}", state="revoked")
    return Check("status", True, f"not listed as revoked in {url}", state="active")
