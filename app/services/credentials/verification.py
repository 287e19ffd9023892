"""Verifying any Open Badges credential for employers: ours and other issuers'."""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from app.db import utcnow
from app.errors import Busy, Invalid, TooManyRequests
from app.kit import outbound
from app.services.credentials import issuer, plain_words
from app.services.credentials.remote_documents import DocumentCache, RemoteDocuments
from app.settings import Settings
from badges import DocumentKeyResolver, Limits, VerificationResult, verify
from badges.net import OutboundFetcher

SEVERITY_INFO = "info"
SLOT_POLL_SECONDS = 0.05


@dataclass(frozen=True)
class Report:
    """The verdict, every check, a summary of the credential, and all of it in plain words."""

    valid: bool
    verdict: str
    checks: list[dict[str, Any]]
    credential: dict[str, Any] | None
    summary: dict[str, Any]
    explanation: plain_words.Explanation

    @property
    def outcome(self) -> str:
        """Why it is (not) valid, as one stable code (see ``plain_words``)."""
        return self.explanation.outcome

    @property
    def proofs(self) -> list[dict[str, str]]:
        """Each embedded proof's suite, key and time (for the technical details)."""
        return plain_words.proofs(self.credential)

    def to_json(self) -> dict[str, Any]:
        """The API's answer (``outcome`` and ``explanation`` were added after the rest)."""
        return {
            "valid": self.valid,
            "verdict": self.verdict,
            "outcome": self.outcome,
            "explanation": self.explanation.to_json(),
            "checks": self.checks,
            "summary": self.summary,
            "credential": self.credential,
        }

    def require_credential(self, field: str) -> Report:
        """This report, or Invalid saying what was expected when the input (in the form's
        ``field``) was not an Open Badges credential at all."""
        if not self.explanation.usable_input:
            raise Invalid(self.explanation.detail, field=field)
        return self


def _blank(data: str | bytes) -> bool:
    """Nothing but JSON/ASCII whitespace (the API schema's ``\\S`` pattern admits the rest)."""
    text = data.decode("utf-8", "replace") if isinstance(data, bytes) else data
    return not text.strip(" \t\r\n\f\v")


class ClientSlots:
    """How many verifications each client (address) has running in this process, capped."""

    def __init__(self, per_client: int) -> None:
        self.per_client = per_client
        self._running: dict[str, int] = {}
        self._lock = threading.Lock()

    @contextlib.contextmanager
    def hold(self, client: str) -> Iterator[None]:
        """Count one verification for ``client``; TooManyRequests when it already has its cap."""
        with self._lock:
            if self._running.get(client, 0) >= self.per_client:
                raise TooManyRequests(
                    f"Too many verifications from your address at once (at most "
                    f"{self.per_client}); wait for them to finish, then try again.",
                    retry_after=10,
                )
            self._running[client] = self._running.get(client, 0) + 1
        try:
            yield
        finally:
            with self._lock:
                self._running[client] -= 1
                if not self._running[client]:
                    del self._running[client]


@contextlib.contextmanager
def _slot(settings: Settings, slots: threading.BoundedSemaphore | None) -> Iterator[None]:
    if slots is None:
        yield
        return
    give_up = time.monotonic() + settings.verify_slot_wait_seconds
    # Polled with sleeps: a timed lock wait does not end under a shifted clock (faketime).
    while not slots.acquire(blocking=False):
        if time.monotonic() >= give_up:
            raise Busy("The verifier is busy with other credentials; try again in a minute.")
        time.sleep(SLOT_POLL_SECONDS)
    try:
        yield
    finally:
        slots.release()


def verify_credential(
    db: Session,
    settings: Settings,
    cache: DocumentCache,
    data: bytes | str | dict[str, Any],
    email: str | None = None,
    slots: threading.BoundedSemaphore | None = None,
    fetcher: OutboundFetcher | None = None,
) -> Report:
    """Run every OB 3.0 check, plus whether this Laurel knows the issuer.

    ``slots`` bounds how many verifications run at once in this process (Busy when none frees
    up within ``verify_slot_wait_seconds``); ``fetcher`` defaults to one built from settings.
    """
    if isinstance(data, str | bytes) and _blank(data):
        raise Invalid(plain_words.NOTHING, field="credential")
    fetcher = fetcher or outbound.verification_fetcher(settings)
    documents = RemoteDocuments(db, settings, cache, fetcher)
    with _slot(settings, slots):
        result = verify(
            data,
            resolver=DocumentKeyResolver(documents),
            status_fetcher=documents,
            clock=utcnow,
            recipient=email.strip() if email and email.strip() else None,
            limits=limits(settings),
        )
    checks = [c.to_json() for c in result.checks]
    known = _known_organization(settings, documents, result)
    checks.append(_known_issuer(known))
    summary = summarize(result.credential)
    recipient = bool(email and email.strip())
    return Report(
        valid=result.valid,
        verdict=result.verdict,
        checks=checks,
        credential=result.credential,
        summary=summary,
        explanation=plain_words.explain(checks, summary, known, recipient),
    )


def limits(settings: Settings) -> Limits:
    """How much work one verification may do (anonymous callers send these credentials)."""
    return Limits(
        max_hash_calls=settings.verify_max_hash_calls,
        max_value_comparisons=settings.verify_max_value_comparisons,
        deadline_seconds=settings.verify_deadline_seconds,
    )


def _issuer_id(credential: dict[str, Any] | None) -> str | None:
    if not credential:
        return None
    value = credential.get("issuer")
    return value.get("id") if isinstance(value, dict) else value if isinstance(value, str) else None


def _known_organization(
    settings: Settings, documents: RemoteDocuments, result: VerificationResult
) -> str | None:
    """The name of the organization on this Laurel whose DID issued the credential, if any."""
    issuer_id = _issuer_id(result.credential)
    slug = issuer.slug_for_did(settings, issuer_id) if issuer_id else None
    org = documents.organization(slug) if slug else None
    return org.name if org is not None else None


def _known_issuer(name: str | None) -> dict[str, Any]:
    if name is not None:
        message = f"issued by {name}, an organization on this Laurel"
        return {
            "code": "known-issuer",
            "passed": True,
            "severity": SEVERITY_INFO,
            "message": message,
        }
    return {
        "code": "known-issuer",
        "passed": None,
        "severity": SEVERITY_INFO,
        "message": "the issuer is not an organization on this Laurel; its keys were checked "
        "through its own published documents",
    }


def summarize(credential: dict[str, Any] | None) -> dict[str, Any]:
    """Fields a person reads first: what, who issued it, when, until when."""
    if not credential:
        return {}
    subject = credential.get("credentialSubject") or {}
    subject = subject[0] if isinstance(subject, list) and subject else subject
    achievement = subject.get("achievement", {}) if isinstance(subject, dict) else {}
    issuer_value = credential.get("issuer")
    return {
        "id": credential.get("id"),
        "name": credential.get("name") or achievement.get("name"),
        "achievement": achievement.get("name") if isinstance(achievement, dict) else None,
        "issuer_id": _issuer_id(credential),
        "issuer_name": issuer_value.get("name") if isinstance(issuer_value, dict) else None,
        "valid_from": credential.get("validFrom") or credential.get("issuanceDate"),
        "valid_until": credential.get("validUntil") or credential.get("expirationDate"),
    }
