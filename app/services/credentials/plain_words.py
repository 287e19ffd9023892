"""A verification result in plain words for people: one outcome, a headline, one line per fact.

The checks stay as they are for machines (codes, tri-state ``passed``, technical messages);
this is what an employer reads first, on ``/verify``, on a public credential page and in the
API's ``explanation``. Dates are written as people write them ("12 March 2028", UTC).

Every sentence is a lazily translated message (``app.kit.i18n``): a page shows it in the
reader's language, while the API's JSON keeps the English text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from app.kit.i18n import LazyText, LocalDate
from app.kit.i18n import lazy_gettext as _l
from badges.verify import NOT_A_CREDENTIAL, UNREADABLE

EXPECTED = _l(
    "Paste an Open Badges 3.0 credential: JSON starting with { (the text of a .json "
    "credential file) or a compact JWS (the text of a .jwt file: three groups of letters and "
    "digits joined by dots), or upload the badge image (PNG or SVG) with the credential baked in."
)
NOT_OPEN_BADGES = _l(
    'That is JSON, but not an Open Badges credential: its "type" must list '
    '"VerifiableCredential" and "OpenBadgeCredential" (or "AchievementCredential"). '
    "Paste an Open Badges 3.0 credential: JSON starting with { (the text of a .json "
    "credential file) or a compact JWS (the text of a .jwt file: three groups of letters and "
    "digits joined by dots), or upload the badge image (PNG or SVG) with the credential baked in."
)
NOTHING = _l(
    "There is nothing to verify. "
    "Paste an Open Badges 3.0 credential: JSON starting with { (the text of a .json "
    "credential file) or a compact JWS (the text of a .jwt file: three groups of letters and "
    "digits joined by dots), or upload the badge image (PNG or SVG) with the credential baked in."
)

# Outcomes, most serious first: the first that applies is the result's outcome.
UNREADABLE_INPUT = UNREADABLE
NOT_OB = NOT_A_CREDENTIAL
TOO_COMPLEX = "too-complex"
ALTERED = "altered"
WRONG_ISSUER = "wrong-issuer"
REVOKED = "revoked"
SUSPENDED = "suspended"
EXPIRED = "expired"
NOT_YET_VALID = "not-yet-valid"
SOMEONE_ELSE = "issued-to-someone-else"
INVALID = "invalid"
UNCONFIRMED = "unconfirmed"
VALID = "valid"
UNUSABLE_INPUT = (UNREADABLE_INPUT, NOT_OB)

HEADLINES: dict[str, tuple[LazyText, LazyText]] = {
    UNREADABLE_INPUT: (_l("Not a credential."), EXPECTED),
    NOT_OB: (_l("Not an Open Badges credential."), NOT_OPEN_BADGES),
    TOO_COMPLEX: (
        _l("Too complex to verify."),
        _l(
            "Checking this credential would take more work than this service allows, so it "
            "was not verified. Do not rely on it; ask its issuer for another copy."
        ),
    ),
    ALTERED: (
        _l("Not valid."),
        _l("It was changed after it was issued, or its issuer did not sign it. Do not rely on it."),
    ),
    WRONG_ISSUER: (
        _l("Not valid."),
        _l(
            "It was signed with a key that does not belong to the issuer it names. Do not "
            "rely on it."
        ),
    ),
    REVOKED: (_l("Revoked."), _l("Its issuer has withdrawn it. Do not rely on it.")),
    SUSPENDED: (_l("Suspended."), _l("Its issuer has suspended it for now. Do not rely on it.")),
    EXPIRED: (_l("Expired."), _l("It is genuine but no longer in force.")),
    NOT_YET_VALID: (_l("Not yet valid."), _l("It is genuine but not in force yet.")),
    SOMEONE_ELSE: (
        _l("This credential was issued to someone else."),
        _l(
            "It is genuine, but it does not name the e-mail address you gave. Ask the "
            "candidate which address it was issued to."
        ),
    ),
    INVALID: (_l("Not valid."), _l("Do not rely on this credential. The lines below say why.")),
    UNCONFIRMED: (
        _l("Could not be fully verified."),
        _l(
            "The signature checks passed, but part of the answer (such as whether it was "
            "revoked) could not be confirmed right now. Treat it with care and try again later."
        ),
    ),
    VALID: (
        _l("Valid."),
        _l(
            "This credential is authentic, unchanged, issued by the named issuer, and "
            "currently in force."
        ),
    ),
}


@dataclass(frozen=True)
class Statement:
    """One fact about the credential, in words, and whether it speaks for or against it."""

    code: str
    passed: bool | None
    text: str

    def to_json(self) -> dict[str, Any]:
        """JSON form (English)."""
        return {"code": self.code, "passed": self.passed, "text": self.text}


@dataclass(frozen=True)
class Explanation:
    """The outcome (a stable code), its headline and detail, and the facts behind it."""

    outcome: str
    headline: str
    detail: str
    statements: list[Statement] = field(default_factory=list)

    @property
    def usable_input(self) -> bool:
        """False when what was sent is not an Open Badges credential at all."""
        return self.outcome not in UNUSABLE_INPUT

    def to_json(self) -> dict[str, Any]:
        """JSON form (the API's ``explanation``)."""
        return {
            "outcome": self.outcome,
            "headline": self.headline,
            "detail": self.detail,
            "statements": [s.to_json() for s in self.statements],
        }


def explain(
    checks: list[dict[str, Any]],
    summary: dict[str, Any],
    known_issuer: str | None,
    email_given: bool,
) -> Explanation:
    """The result of ``checks`` (as the API reports them) in words.

    ``known_issuer`` is the name of the organization on this Laurel that issued it, if any.
    """
    by_code = {c["code"]: c for c in checks}
    outcome = _outcome(by_code)
    headline, detail = HEADLINES[outcome]
    if outcome == EXPIRED:
        detail = _l(
            "It was valid until %(date)s. It is genuine but no longer in force.",
            date=_date(summary.get("valid_until")),
        )
    elif outcome == NOT_YET_VALID:
        detail = _l(
            "It is valid from %(date)s. It is genuine but not in force yet.",
            date=_date(summary.get("valid_from")),
        )
    statements = [] if outcome in UNUSABLE_INPUT else _statements(by_code, summary, known_issuer)
    if not email_given:
        statements = [s for s in statements if s.code != "recipient"]
    return Explanation(outcome, headline, detail, statements)


def _failed(by_code: dict[str, dict[str, Any]], code: str) -> bool:
    check = by_code.get(code)
    return check is not None and check["passed"] is False and check["severity"] == "error"


def _outcome(by_code: dict[str, dict[str, Any]]) -> str:
    form = by_code.get("format")
    if form is not None and form["passed"] is False:
        return NOT_OB if form.get("state") == NOT_A_CREDENTIAL else UNREADABLE_INPUT
    status = by_code.get("status", {})
    ordered = (
        (by_code.get("complexity") is not None, TOO_COMPLEX),
        (_failed(by_code, "proof"), ALTERED),
        (_failed(by_code, "issuer"), WRONG_ISSUER),
        (status.get("passed") is False and status.get("state") == "suspended", SUSPENDED),
        (status.get("passed") is False, REVOKED),
        (_failed(by_code, "expiry"), EXPIRED),
        (_failed(by_code, "not-yet-valid"), NOT_YET_VALID),
        (_failed(by_code, "recipient"), SOMEONE_ELSE),
        (any(_failed(by_code, code) for code in by_code), INVALID),
        (
            any(c["passed"] is None and c["severity"] == "error" for c in by_code.values()),
            UNCONFIRMED,
        ),
    )
    return next((outcome for applies, outcome in ordered if applies), VALID)


def _date(value: Any) -> object:
    """A date shown in the reader's language when it is shown (the text as given otherwise)."""
    try:
        return LocalDate(datetime.fromisoformat(str(value).replace("Z", "+00:00")).date())
    except ValueError:
        return str(value)


def _statements(
    by_code: dict[str, dict[str, Any]], summary: dict[str, Any], known_issuer: str | None
) -> list[Statement]:
    lines = [_issuer_line(by_code.get("issuer"), summary, known_issuer)]
    lines += [
        _line(
            by_code,
            "proof",
            _l("Unchanged since it was issued (the signature matches)"),
            _l("Changed or forged: the signature does not match"),
            _l("The signature could not be checked right now"),
        ),
        _status_line(by_code.get("status")),
        _validity_line(by_code, summary),
        _line(
            by_code,
            "recipient",
            _l("Issued to the e-mail address you gave"),
            _l("This credential was issued to someone else"),
            _l("Whether it was issued to that address could not be checked"),
        ),
        _line(by_code, "schema", None, _l("Not a well-formed Open Badges 3.0 credential"), None),
        _line(by_code, "claims", None, _l("Its token contradicts the credential inside it"), None),
        _line(by_code, "dates", None, _l("Its dates cannot be read"), None),
        _line(
            by_code,
            "complexity",
            None,
            None,
            _l("Too complex to verify within this service's limits"),
        ),
    ]
    return [line for line in lines if line is not None]


def _line(
    by_code: dict[str, dict[str, Any]],
    code: str,
    passed: LazyText | None,
    failed: LazyText | None,
    undecided: LazyText | None,
) -> Statement | None:
    check = by_code.get(code)
    if check is None:
        return None
    text = {True: passed, False: failed, None: undecided}[check["passed"]]
    return Statement(code, check["passed"], text) if text else None


def _issuer_line(
    check: dict[str, Any] | None, summary: dict[str, Any], known_issuer: str | None
) -> Statement | None:
    if check is None:
        return None
    name = known_issuer or summary.get("issuer_name") or summary.get("issuer_id")
    if not name:
        return _unnamed_issuer_line(check)
    if check["passed"] is True and known_issuer:
        return Statement("issuer", True, _l("Issued by %(name)s (identity verified)", name=name))
    if check["passed"] is True:
        return Statement(
            "issuer",
            True,
            _l(
                "Issued by %(name)s (signed with a key the issuer publishes; "
                "not an organization on this Laurel)",
                name=name,
            ),
        )
    if check["passed"] is False:
        return Statement(
            "issuer",
            False,
            _l("Not signed by %(name)s: the key belongs to someone else", name=name),
        )
    return Statement(
        "issuer",
        None,
        _l("Names %(name)s as its issuer, but this could not be confirmed", name=name),
    )


def _unnamed_issuer_line(check: dict[str, Any]) -> Statement:
    if check["passed"] is True:
        return Statement(
            "issuer",
            True,
            _l(
                "Issued by its issuer (signed with a key the issuer publishes; "
                "not an organization on this Laurel)"
            ),
        )
    if check["passed"] is False:
        return Statement(
            "issuer", False, _l("Not signed by its issuer: the key belongs to someone else")
        )
    return Statement("issuer", None, _l("It names an issuer, but this could not be confirmed"))


def _status_line(check: dict[str, Any] | None) -> Statement | None:
    if check is None:
        return None
    if check["passed"] is True:
        return Statement("status", True, _l("Not revoked"))
    if check["passed"] is False:
        if check.get("state") == "suspended":
            return Statement("status", False, _l("Suspended by its issuer"))
        return Statement("status", False, _l("Revoked by its issuer"))
    return Statement("status", None, _l("Whether it was revoked could not be checked right now"))


def _validity_line(by_code: dict[str, dict[str, Any]], summary: dict[str, Any]) -> Statement | None:
    early, expiry = by_code.get("not-yet-valid"), by_code.get("expiry")
    if early is not None and early["passed"] is False:
        begins = _date(summary.get("valid_from"))
        return Statement("not-yet-valid", False, _l("Not valid before %(date)s", date=begins))
    if expiry is None:
        return None
    until = summary.get("valid_until")
    if expiry["passed"] is False:
        return Statement("expiry", False, _l("Expired on %(date)s", date=_date(until)))
    if expiry["passed"] is True:
        text = _l("Valid until %(date)s", date=_date(until)) if until else _l("Does not expire")
        return Statement("expiry", True, text)
    return None


def proofs(credential: dict[str, Any] | None) -> list[dict[str, str]]:
    """Each embedded proof's suite, signing key and time, for the technical details."""
    raw = (credential or {}).get("proof") or []
    items = raw if isinstance(raw, list) else [raw]
    return [
        {
            "suite": str(p.get("cryptosuite") or p.get("type") or ""),
            "key": str(p.get("verificationMethod") or ""),
            "created": str(p.get("created") or ""),
        }
        for p in items
        if isinstance(p, dict)
    ]
