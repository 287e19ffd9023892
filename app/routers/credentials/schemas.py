"""JSON shapes of the verification API."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, StringConstraints


class VerifyRequest(BaseModel):
    """A credential as JSON-LD (an object) or a VC-JWT (a string), and optionally an e-mail."""

    model_config = ConfigDict(extra="forbid")

    credential: dict[str, Any] | Annotated[str, StringConstraints(pattern=r"\S")] = Field(
        description="JSON-LD object or compact JWS"
    )
    email: str | None = Field(
        default=None,
        max_length=320,
        description="The e-mail the candidate gave, to match the recipient",
    )


class CheckRead(BaseModel):
    """One verification check."""

    code: str
    passed: bool | None = Field(
        description="null when it could not be decided (e.g. status unknown)"
    )
    message: str
    severity: str
    state: str | None = None


class StatementRead(BaseModel):
    """One fact about the credential in plain words."""

    code: str = Field(description="the check it comes from (issuer, proof, status, expiry, …)")
    passed: bool | None
    text: str = Field(examples=["Issued by Riverbend Unified (identity verified)"])


class ExplanationRead(BaseModel):
    """The result as a person reads it."""

    outcome: str
    headline: str = Field(examples=["Valid.", "This credential was issued to someone else."])
    detail: str
    statements: list[StatementRead]


class VerifyResponse(BaseModel):
    """The verdict with every check, and the same in plain words."""

    valid: bool
    verdict: str = Field(description="valid, invalid or indeterminate")
    outcome: str = Field(
        description="why, as one code: valid, unreadable, not-a-credential, too-complex, "
        "altered, wrong-issuer, revoked, suspended, expired, not-yet-valid, "
        "issued-to-someone-else, invalid or unconfirmed"
    )
    explanation: ExplanationRead
    checks: list[CheckRead]
    summary: dict[str, Any]
    credential: dict[str, Any] | None


class BatchRequest(BaseModel):
    """Several credentials to verify at once."""

    model_config = ConfigDict(extra="forbid")

    items: list[VerifyRequest] = Field(min_length=1)


class BatchResponse(BaseModel):
    """One result per item, in order."""

    results: list[VerifyResponse]
    valid_count: int
