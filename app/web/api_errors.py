"""The one error shape of the JSON API, and the error responses every API route documents."""

from __future__ import annotations

from pydantic import BaseModel, Field


class ErrorRead(BaseModel):
    """Every API error has this shape."""

    error: str = Field(description="A stable machine-readable code, e.g. not_found")
    detail: str = Field(description="What went wrong, in words a person can act on")


#: Error responses every API route may give, documented with the one error shape.
ERROR_RESPONSES: dict[int | str, dict[str, object]] = {
    status: {"model": ErrorRead, "description": description}
    for status, description in {
        401: "No, unknown, expired or revoked access token",
        403: "The token lacks the scope, or the caller's role does not allow it",
        404: "No such resource",
        409: "Conflicts with the current state",
        413: "Request body too large",
        422: "The request breaks a rule or does not match the schema",
        429: "Too many requests",
    }.items()
}
