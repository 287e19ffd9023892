"""CSRF protection: a random cookie and, in every form, an HMAC of it under the app secret."""

from __future__ import annotations

import hashlib
import hmac

from app.kit.tokens import new_token

CSRF_COOKIE = "laurel_csrf"
CSRF_FIELD = "csrf_token"
CSRF_HEADER = "x-csrf-token"


def new_cookie_value() -> str:
    """A fresh random value for the CSRF cookie."""
    return new_token(24)


def form_token(secret: str, cookie_value: str) -> str:
    """The token to put in forms for this browser's CSRF cookie."""
    return hmac.new(secret.encode(), f"csrf:{cookie_value}".encode(), hashlib.sha256).hexdigest()


def is_valid(secret: str, cookie_value: str | None, submitted: str | None) -> bool:
    """Whether a submitted token matches the browser's cookie."""
    if not cookie_value or not submitted:
        return False
    return hmac.compare_digest(form_token(secret, cookie_value), submitted)
