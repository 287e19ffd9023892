"""Form submissions: call the service, then go on, or show the form again with the refusal.

When the service refuses (an ``AppError``), the page is built again in the error's status
(always 4xx or 5xx, which makes ``TransactionalRoute`` roll the request's writes back), with
the message beside the field it names (or at the top), what was typed kept (never a password
or a client secret) and Retry-After when the error says when to try again.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, TypeVar

from fastapi import Request, Response

from app.errors import AppError
from app.web.common import render

Result = TypeVar("Result")
Errors = Callable[[AppError], dict[str, str]]


class Page(Protocol):
    """Builds a form's page again: ``page(status, errors=..., values=...)`` (values when given)."""

    def __call__(self, status: int, /, *, errors: dict[str, str], **extra: Any) -> Response: ...


def submit(
    action: Callable[[], Result],
    *,
    done: Callable[[Result], Response],
    page: Page,
    values: dict[str, Any] | None = None,
    errors: Errors = AppError.form_errors,
) -> Response:
    """``done(action())``; or, when ``action`` raises an AppError, ``page`` with its ``errors``
    (by default beside the field the error names) and the submitted ``values``."""
    try:
        result = action()
    except AppError as exc:
        return refused(page, exc, values, errors)
    return done(result)


def refused(
    page: Page,
    exc: AppError,
    values: dict[str, Any] | None = None,
    errors: Errors = AppError.form_errors,
) -> Response:
    """``page`` again in the error's status, with the error and the values sent back."""
    extra: dict[str, Any] = {}
    if values is not None:
        extra["values"] = {k: v for k, v in values.items() if not _secret(k)}
    response = page(exc.status_code, errors=errors(exc), **extra)
    if exc.retry_after is not None:
        response.headers["Retry-After"] = str(exc.retry_after)
    return response


def _secret(name: str) -> bool:
    return "password" in name or name == "client_secret"


def template(request: Request, name: str, **context: Any) -> Page:
    """The page of template ``name`` with this ``context``."""

    def page(status: int, /, *, errors: dict[str, str], **extra: Any) -> Response:
        return render(request, name, status, errors=errors, **context, **extra)

    return page


def message(request: Request, name: str) -> Page:
    """The page of template ``name`` saying only why (its ``message``), as for a broken link."""

    def page(status: int, /, *, errors: dict[str, str], **_: Any) -> Response:
        return render(request, name, status, message=" ".join(str(e) for e in errors.values()))

    return page


def plain_text(status: int, /, *, errors: dict[str, str], **_: Any) -> Response:
    """Only the message, as plain text (for a script that saves a form in the background)."""
    return Response(
        " ".join(str(e) for e in errors.values()), status_code=status, media_type="text/plain"
    )


def whole_form(exc: AppError) -> dict[str, str]:
    """The message at the top of the page, whatever field it names."""
    return {"_form": exc.detail}


def beside(field: str) -> Errors:
    """The message beside ``field``, whatever field it names."""
    return lambda exc: {field: exc.detail}


def renamed(names: dict[str, str]) -> Errors:
    """The message beside its field, named as the page names it (``names``: service -> page)."""
    return lambda exc: {names.get(exc.field, exc.field) if exc.field else "_form": exc.detail}


def prefixed(prefix: str) -> Errors:
    """The message beside its field, named ``prefix`` + field on the page (else at the top)."""
    return lambda exc: {prefix + exc.field if exc.field else "_form": exc.detail}
