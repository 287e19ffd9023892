"""The request's language: the person's choice (a signed cookie set by the language switch),
else the browser's ``Accept-Language``, else the organization default (English).

Users have no language column yet, so the choice is remembered per browser in a cookie; a
profile setting would come first once it exists (docs/i18n.md).
"""

from __future__ import annotations

from http.cookies import SimpleCookie

from itsdangerous import BadSignature, URLSafeSerializer
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.kit import i18n

LANGUAGE_COOKIE = "laurel_lang"
COOKIE_SALT = "laurel-language"
ONE_YEAR = 365 * 24 * 3600


def cookie_serializer(secret: str) -> URLSafeSerializer:
    """Signs the language cookie (a tampered or foreign value is ignored)."""
    return URLSafeSerializer(secret, salt=COOKIE_SALT)


def chosen_language(secret: str, raw: str | None) -> str | None:
    """The language a signed cookie names, if it is valid and supported."""
    if not raw:
        return None
    try:
        value = cookie_serializer(secret).loads(raw)
    except BadSignature:
        return None
    return i18n.supported(value) if isinstance(value, str) else None


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers") or []:
        if key == name:
            return str(value.decode("latin-1"))
    return None


def request_language(secret: str, scope: Scope) -> str:
    """Cookie, else Accept-Language, else the default."""
    raw_cookies = _header(scope, b"cookie")
    chosen = None
    if raw_cookies:
        jar: SimpleCookie = SimpleCookie()
        try:
            jar.load(raw_cookies)
        except Exception:  # a malformed Cookie header: no choice made
            jar = SimpleCookie()
        morsel = jar.get(LANGUAGE_COOKIE)
        chosen = chosen_language(secret, morsel.value if morsel else None)
    return chosen or i18n.negotiate(_header(scope, b"accept-language")) or i18n.DEFAULT


class LanguageMiddleware:
    """Sets the request-scoped locale for everything that runs for the request (templates,
    services' messages, e-mails written meanwhile) and says which it was (Content-Language)."""

    def __init__(self, app: ASGIApp, *, secret: str) -> None:
        self.app = app
        self.secret = secret

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"].startswith("/static/"):
            await self.app(scope, receive, send)
            return
        code = request_language(self.secret, scope)
        token = i18n.current.set(code)
        pages = not scope["path"].startswith("/api/")  # the JSON API keeps English texts

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start" and pages:
                headers = MutableHeaders(scope=message)
                headers.setdefault("Content-Language", code)
                vary = headers.get("Vary")
                if vary is None:
                    headers["Vary"] = "Accept-Language, Cookie"
                elif "accept-language" not in vary.lower():
                    headers["Vary"] = f"{vary}, Accept-Language, Cookie"
            await send(message)

        await self.app(scope, receive, send_wrapper)
        # Reset only after a normal return: an unhandled error's page is rendered further out
        # (Starlette's server-error handler) and should still be in the reader's language. Each
        # request runs in its own task's copy of the context, so nothing leaks to the next one.
        i18n.current.reset(token)
