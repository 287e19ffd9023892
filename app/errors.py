"""Domain errors raised by services; the HTTP layer turns them into pages or JSON."""

from __future__ import annotations


class AppError(Exception):
    """A failure the user can understand: a stable code, a message and an HTTP status."""

    status_code = 400
    code = "bad_request"
    retry_after: int | None = None  # seconds, sent as Retry-After when set

    def __init__(self, detail: str, *, field: str | None = None, code: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field
        if code is not None:
            self.code = code

    def form_errors(self) -> dict[str, str]:
        """The message keyed by its field (``_form`` when it concerns the whole form)."""
        return {self.field or "_form": self.detail}


class Invalid(AppError):
    """The input breaks a rule (the message says which)."""

    status_code = 422
    code = "invalid"


class Unauthorized(AppError):
    """The caller must sign in or present a valid token."""

    status_code = 401
    code = "unauthorized"


class Forbidden(AppError):
    """The caller is known but may not do this."""

    status_code = 403
    code = "forbidden"


class NotFound(AppError):
    """No such thing, or one the caller may not know exists."""

    status_code = 404
    code = "not_found"


class Conflict(AppError):
    """The request clashes with the current state (duplicate, already done)."""

    status_code = 409
    code = "conflict"


class TooManyRequests(AppError):
    """Throttled; try again later."""

    status_code = 429
    code = "too_many_requests"

    def __init__(self, detail: str, *, retry_after: int = 60) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class Busy(AppError):
    """At capacity for this kind of work; try again shortly."""

    status_code = 503
    code = "busy"

    def __init__(self, detail: str, *, retry_after: int = 30) -> None:
        super().__init__(detail)
        self.retry_after = retry_after
