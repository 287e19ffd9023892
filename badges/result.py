"""Verification results: one :class:`Check` per step, and the overall verdict."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Severity = Literal["error", "warning"]
Verdict = Literal["valid", "invalid", "indeterminate"]


@dataclass
class Check:
    """One verification step.

    ``passed`` is tri-state: ``None`` means the step could not be decided (for example the
    status list could not be fetched) and is never the same as a pass. ``state`` carries a
    step-specific outcome, such as ``active``/``revoked``/``suspended``/``unknown`` for status.
    Warnings never make a credential invalid.
    """

    code: str
    passed: bool | None
    message: str
    severity: Severity = "error"
    state: str | None = None

    def to_json(self) -> dict[str, Any]:
        """JSON form."""
        out: dict[str, Any] = {
            "code": self.code,
            "passed": self.passed,
            "severity": self.severity,
            "message": self.message,
        }
        if self.state is not None:
            out["state"] = self.state
        return out


@dataclass
class VerificationResult:
    """All checks for one credential, its parsed form and its endorsements' results."""

    checks: list[Check] = field(default_factory=list)
    credential: dict[str, Any] | None = None
    format: str = "unknown"
    legacy: bool = False
    endorsements: list[VerificationResult] = field(default_factory=list)

    def add(self, check: Check) -> Check:
        """Record a check and return it."""
        self.checks.append(check)
        return check

    def check(self, code: str) -> Check | None:
        """The check with this code, if it ran."""
        return next((c for c in self.checks if c.code == code), None)

    @property
    def errors(self) -> list[Check]:
        """Error-severity checks that failed or could not be decided."""
        return [c for c in self.checks if c.severity == "error" and c.passed is not True]

    @property
    def verdict(self) -> Verdict:
        """``invalid`` if any error check failed, ``indeterminate`` if one is undecided."""
        if any(c.passed is False for c in self.errors):
            return "invalid"
        return "indeterminate" if self.errors else "valid"

    @property
    def valid(self) -> bool:
        """True only when every error-severity check passed."""
        return self.verdict == "valid"

    @property
    def failed(self) -> list[str]:
        """Codes of the checks that failed."""
        return [c.code for c in self.errors if c.passed is False]

    def to_json(self) -> dict[str, Any]:
        """JSON form (what the CLI prints)."""
        return {
            "valid": self.valid,
            "verdict": self.verdict,
            "format": self.format,
            "legacy": self.legacy,
            "checks": [c.to_json() for c in self.checks],
            "endorsements": [e.to_json() for e in self.endorsements],
            "credential": self.credential,
        }
