"""CSRF protection: a random cookie and, in every form, an HMAC of it under the app secret.

Pages carry the HMAC masked afresh each time (a random pad, then the HMAC XOR the pad), so
the secret never appears twice alike in responses that are gzip-compressed: a BREACH-style
attacker who reflects guesses into a page next to the token learns nothing from its size
(docs/security.md, "Compressed responses"). A submission may carry the masked or the plain
form."""

from __future__ import annotations

import hashlib
import hmac
import secrets

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


def masked_form_token(secret: str, cookie_value: str) -> str:
    """The form token under a fresh one-time pad: different on every call, same meaning."""
    token = bytes.fromhex(form_token(secret, cookie_value))
    pad = secrets.token_bytes(len(token))
    return pad.hex() + bytes(a ^ b for a, b in zip(pad, token, strict=True)).hex()


def is_valid(secret: str, cookie_value: str | None, submitted: str | None) -> bool:
    """Whether a submitted token, masked or plain, matches the browser's cookie."""
    if not cookie_value or not submitted:
        return False
    return hmac.compare_digest(form_token(secret, cookie_value), _unmasked(submitted))


def _unmasked(submitted: str) -> str:
    """The plain token inside a masked one (a plain or malformed one is returned as it is)."""
    if len(submitted) != 128:
        return submitted
    try:
        raw = bytes.fromhex(submitted)
    except ValueError:
        return submitted
    pad, masked = raw[:32], raw[32:]
    return bytes(a ^ b for a, b in zip(pad, masked, strict=True)).hex()
