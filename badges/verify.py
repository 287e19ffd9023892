"""The OB 3.0 verifier: one entry point for JSON-LD, VC-JWT and baked images."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from typing import Any

from badges.baking import PNG_SIGNATURE, unbake
from badges.budget import Limits, WorkBudget
from badges.dataintegrity import ProofResult, first_valid, prepare_proofs
from badges.errors import BadgeError, ResolutionError, TooComplexError
from badges.loader import VC_V1
from badges.recipient import subject_matches
from badges.resolver import DocumentKeyResolver, Fetcher, KeyResolver, ResolvedKey
from badges.result import Check, VerificationResult
from badges.schema import schema_errors
from badges.status_check import check_status
from badges.vcjwt import check_claims, decode_unverified, looks_like_jws, verify_jwt_signature

Clock = Callable[[], datetime]
Input = dict[str, Any] | str | bytes
CREDENTIAL_TYPES = {"OpenBadgeCredential", "AchievementCredential", "EndorsementCredential"}
MAX_ENDORSEMENT_DEPTH = 2
REFRESH_TYPE = "1EdTechCredentialRefresh"
UNREADABLE = "unreadable"
"""``format`` check state: neither JSON, a compact JWS nor a baked image we can read."""
NOT_A_CREDENTIAL = "not-a-credential"
"""``format`` check state: readable, but not a VerifiableCredential of an Open Badges type."""


def _utcnow() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class _Context:
    """What every step of one verification (and of its endorsements) shares."""

    resolver: KeyResolver
    fetch: Fetcher | None
    clock: Clock
    strict: bool
    budget: WorkBudget


def verify(
    credential: Input,
    *,
    resolver: KeyResolver | None = None,
    status_fetcher: Fetcher | None = None,
    clock: Clock = _utcnow,
    recipient: str | None = None,
    strict_schema: bool = False,
    refresh: bool = False,
    limits: Limits | None = None,
) -> VerificationResult:
    """Verify a credential (dict, JSON text, JWS, or baked PNG/SVG bytes). Never raises.

    ``strict_schema`` makes the formal 1EdTech schema an error (use it for what we issue);
    otherwise the JSON-LD-tolerant schema decides and a formal-schema failure is a warning.
    ``refresh`` follows a ``1EdTechCredentialRefresh`` service once, through
    ``status_fetcher`` (spec §9.1 step 3); see :func:`_refreshed`.
    ``limits`` bound the whole verification, endorsements, status lists and refresh included
    (see :class:`~badges.budget.Limits`); past them the verdict is ``indeterminate`` with a
    ``complexity`` check ("too complex to verify").
    """
    budget = WorkBudget(limits or Limits())
    context = _Context(
        resolver or DocumentKeyResolver(), status_fetcher, clock, strict_schema, budget
    )
    run = partial(_run, context=context, recipient=recipient)
    result = run(credential)
    return _refreshed(result, run, status_fetcher) if refresh else result


def _run(raw: Input, *, context: _Context, recipient: str | None) -> VerificationResult:
    result = VerificationResult()
    try:
        _verify_into(result, raw, context, recipient, 0)
    except TooComplexError as exc:
        result.add(Check("complexity", None, f"too complex to verify: {exc}"))
    except Exception as exc:  # the contract: malformed input never raises
        result.add(
            Check("format", False, f"unexpected error while verifying: {exc!r}", state=UNREADABLE)
        )
    return result


def _refreshed(
    original: VerificationResult,
    run: Callable[[Input], VerificationResult],
    fetch: Fetcher | None,
) -> VerificationResult:
    """The refreshed credential's result if it has the same id and issuer and a valid proof;
    otherwise the original's (also when the fetch fails), with a ``refresh`` warning."""
    cred = original.credential or {}
    service = cred.get("refreshService")
    if not isinstance(service, dict) or service.get("type") != REFRESH_TYPE or fetch is None:
        return original
    url = str(service.get("id", ""))
    try:
        fresh = run(fetch(url))
    except Exception as exc:  # the app's fetcher may raise anything
        original.add(
            Check(
                "refresh",
                None,
                f"refresh from {url} failed ({exc}); the credential as presented was verified",
                severity="warning",
            )
        )
        return original
    proof = fresh.check("proof")
    same = (
        fresh.credential is not None
        and fresh.credential.get("id") == cred.get("id")
        and _issuer_id(fresh.credential) == _issuer_id(cred)
    )
    if same and proof is not None and proof.passed:
        fresh.add(
            Check(
                "refresh",
                True,
                f"refreshed from {url}: this result is for the refreshed credential",
                severity="warning",
            )
        )
        return fresh
    original.add(
        Check(
            "refresh",
            None,
            f"the credential from {url} was not used (another id or issuer, or no valid proof)",
            severity="warning",
        )
    )
    return original


def _verify_into(
    result: VerificationResult,
    raw: Input,
    context: _Context,
    recipient: str | None,
    depth: int,
) -> None:
    """Cheap checks first (size, format, schema, the key and its binding to the issuer), then
    the signature over the canonical form, the status lists and the endorsements."""
    context.budget.check_deadline()
    parsed = _parse(result, raw, context.budget.limits.max_chars)
    if parsed is None:
        return
    if isinstance(parsed, str):
        key, cred = _jwt_checks(result, parsed, context.resolver)
        if cred is None or not _shape_ok(result, cred):
            return
        _schema_check(result, cred, context.strict)
        _issuer_check(result, cred, key)
    else:
        result.credential = cred = parsed
        if not _shape_ok(result, cred):
            return
        _schema_check(result, cred, context.strict)
        _data_integrity_checks(result, cred, context)
    result.legacy = result.legacy or VC_V1 in _contexts(cred)
    now = context.clock()
    _dates_checks(result, cred, now)
    context.budget.check_deadline()
    result.add(check_status(cred, context.fetch, context.resolver, now, context.budget))
    if recipient is not None:
        ok = subject_matches(cred, recipient)
        result.add(
            Check(
                "recipient",
                ok,
                "recipient matches"
                if ok
                else "the credential subject does not match the expected recipient",
            )
        )
    if depth < MAX_ENDORSEMENT_DEPTH:
        _endorsements(result, cred, context, depth)


def _parse(result: VerificationResult, raw: Input, max_chars: int) -> dict[str, Any] | str | None:
    """Turn the input into a credential dict or a JWS string, recording the ``format`` check."""
    try:
        if isinstance(raw, bytes):
            if raw.startswith(PNG_SIGNATURE) or raw.lstrip()[:1] == b"<":
                result.format = "png" if raw.startswith(PNG_SIGNATURE) else "svg"
                raw = unbake(raw)
            else:
                raw = raw.decode("utf-8-sig")
        if isinstance(raw, str):
            text = raw.strip()
            if len(text) > max_chars:
                raise ValueError(f"credential is larger than {max_chars} characters")
            if looks_like_jws(text):
                result.format = result.format if result.format != "unknown" else "jwt"
                return text
            raw = json.loads(text)
            result.format = result.format if result.format != "unknown" else "json-ld"
        if not isinstance(raw, dict):
            raise ValueError("a credential must be a JSON object")
    except (BadgeError, ValueError, UnicodeDecodeError, RecursionError) as exc:
        result.add(Check("format", False, f"unreadable input: {exc}", state=UNREADABLE))
        return None
    if result.format == "unknown":
        result.format = "json-ld"
    return raw


def _data_integrity_checks(
    result: VerificationResult, cred: dict[str, Any], context: _Context
) -> None:
    """The ``issuer`` and ``proof`` checks of an embedded proof. Keys are resolved and bound to
    the issuer first; the document is canonicalized only for a proof by an issuer's key of a
    credential that no cheap check has failed."""
    prepared, failures = prepare_proofs(cred, context.resolver)
    issuer = _issuer_id(cred)
    bound = [p for p in prepared if _binding_problem(p.key, issuer) is None]
    if not bound:
        if prepared:
            result.add(Check("issuer", False, str(_binding_problem(prepared[0].key, issuer))))
            result.add(Check("proof", None, "not checked: signed by a key not the issuer's"))
        else:
            result.add(Check("issuer", None, "no verified key to bind to the issuer"))
            _record_proof(result, first_valid(cred, [], failures))
        return
    _issuer_check(result, cred, bound[0].key)
    if result.failed:
        failed = ", ".join(result.failed)
        result.add(Check("proof", None, f"not checked: the credential already fails ({failed})"))
        return
    _record_proof(result, first_valid(cred, bound, failures, context.budget))


def _record_proof(result: VerificationResult, proof: ProofResult) -> None:
    result.legacy = result.legacy or proof.legacy
    passed = True if proof.valid else None if proof.unresolved else False
    note = "could not be checked: " if passed is None else ""
    result.add(Check("proof", passed, note + proof.message))


def _jwt_checks(
    result: VerificationResult, token: str, resolver: KeyResolver
) -> tuple[ResolvedKey | None, dict[str, Any] | None]:
    """The ``proof`` and ``claims`` checks of a VC-JWT. Returns the signing key and the
    credential as its registered claims say it is (what the other checks read);
    ``result.credential`` is the credential as signed, without the registered claims."""
    try:
        decoded, key = verify_jwt_signature(token, resolver)
    except BadgeError as exc:
        try:  # the payload may be fine even when the signature segment is not
            unverified = decode_unverified(token.rsplit(".", 1)[0] + ".")
        except BadgeError:
            result.add(Check("format", False, str(exc), state=UNREADABLE))
            return None, None
        result.credential = unverified.credential
        if isinstance(exc, ResolutionError):
            result.add(Check("proof", None, f"could not be checked: {exc}"))
        else:
            result.add(Check("proof", False, str(exc)))
        return None, unverified.claimed
    result.credential, result.legacy = decoded.credential, decoded.legacy
    form = "vc claim (VC 1.1 JWT)" if decoded.legacy else "OB 3.0"
    result.add(Check("proof", True, f"{decoded.header.get('alg')} JWS ({form}) is valid"))
    problems = check_claims(decoded)
    result.add(Check("claims", not problems, "; ".join(problems) or "JWT claims match"))
    return key, decoded.claimed


def _contexts(cred: dict[str, Any]) -> list[Any]:
    ctx = cred.get("@context")
    return ctx if isinstance(ctx, list) else [ctx]


def _shape_ok(result: VerificationResult, cred: dict[str, Any]) -> bool:
    raw = cred.get("type")
    types = {t for t in (raw if isinstance(raw, list) else [raw]) if isinstance(t, str)}
    if "VerifiableCredential" not in types or not types & CREDENTIAL_TYPES:
        names = sorted(str(t) for t in types)
        message = f"not an Open Badges credential (type {names})"
        result.add(Check("format", False, message, state=NOT_A_CREDENTIAL))
        return False
    result.checks.insert(0, Check("format", True, f"Open Badges credential ({result.format})"))
    return True


def _schema_check(result: VerificationResult, cred: dict[str, Any], strict: bool) -> None:
    if VC_V1 in _contexts(cred) and not strict:
        result.add(
            Check(
                "schema",
                None,
                "VC 1.1 credential: the OB 3.0 (VC 2.0) schemas do not apply; not validated",
                severity="warning",
            )
        )
        return
    formal = schema_errors(cred, "formal")
    if strict or not formal:
        msg = "; ".join(formal[:5]) or "valid against the formal OB 3.0 schema"
        result.add(Check("schema", not formal, msg))
        return
    tolerant = schema_errors(cred, "jsonld")
    msg = "; ".join(tolerant[:5]) or "valid against the JSON-LD-tolerant OB 3.0 schema"
    result.add(Check("schema", not tolerant, msg))
    result.add(Check("schema-formal", False, "; ".join(formal[:5]), severity="warning"))


def _issuer_id(cred: dict[str, Any]) -> str | None:
    issuer = cred.get("issuer")
    value = issuer.get("id") if isinstance(issuer, dict) else issuer
    return value if isinstance(value, str) else None


def _binding_problem(key: ResolvedKey, issuer: str | None) -> str | None:
    """Why ``key`` may not sign for ``issuer`` (None when it may)."""
    if key.controller != issuer:
        owner = key.controller or "nobody known"
        return f"key {key.id} is controlled by {owner}, not by the issuer {issuer}"
    if "assertionMethod" not in key.purposes:
        return f"{key.id} is not an assertionMethod of {issuer}"
    return None


def _issuer_check(
    result: VerificationResult, cred: dict[str, Any], key: ResolvedKey | None
) -> None:
    issuer = _issuer_id(cred)
    if key is None:
        result.add(Check("issuer", None, "no verified key to bind to the issuer"))
        return
    problem = _binding_problem(key, issuer)
    if problem is not None:
        result.add(Check("issuer", False, problem))
        return
    note = (
        " (key read from the verification method id; the issuer's documents were not consulted)"
        if key.source == "fragment"
        else ""
    )
    result.add(Check("issuer", True, f"{key.id} is an assertion key of {issuer}{note}"))


def _parse_time(value: Any) -> datetime:
    parsed = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    if parsed.tzinfo is None:
        raise ValueError(f"{value!r} has no time zone")
    return parsed


def _dates_checks(result: VerificationResult, cred: dict[str, Any], now: datetime) -> None:
    start = cred.get("validFrom", cred.get("issuanceDate"))
    end = cred.get("validUntil", cred.get("expirationDate"))
    try:
        begins = _parse_time(start) if start is not None else None
        ends = _parse_time(end) if end is not None else None
    except ValueError as exc:
        result.add(Check("dates", False, f"invalid date: {exc}"))
        return
    if begins is not None and now < begins:
        result.add(Check("not-yet-valid", False, f"not valid until {start}"))
    else:
        result.add(Check("not-yet-valid", True, f"valid from {start}"))
    if ends is not None and now > ends:
        result.add(Check("expiry", False, f"expired at {end}"))
    else:
        result.add(Check("expiry", True, f"valid until {end}" if end else "no expiry date"))


def _endorsement_items(cred: dict[str, Any]) -> list[Any]:
    holders = [cred]
    for path in (("credentialSubject", "achievement"), ("issuer",)):
        node: Any = cred
        for part in path:
            node = node.get(part) if isinstance(node, dict) else None
        if isinstance(node, dict):
            holders.append(node)
    items: list[Any] = []
    for holder in holders:
        for name in ("endorsement", "endorsementJwt"):
            value = holder.get(name) or []
            items.extend(value if isinstance(value, list) else [value])
    return items


def _endorsements(
    result: VerificationResult, cred: dict[str, Any], context: _Context, depth: int
) -> None:
    items = _endorsement_items(cred)
    for item in items:
        sub = VerificationResult()
        _verify_into(sub, item, context, None, depth + 1)
        result.endorsements.append(sub)
    if items:
        good = sum(e.valid for e in result.endorsements)
        msg = f"{good} of {len(items)} endorsements verify (see endorsements)"
        result.add(Check("endorsements", good == len(items), msg, severity="warning"))
