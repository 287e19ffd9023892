"""ASGI middleware: request ids, access logs, security headers, request body limits, and an
early 503 when a worker has as many requests in flight as it has database connections."""

from __future__ import annotations

import html
import json
import logging
import re
import time
import uuid
from typing import Any

import anyio
from starlette.datastructures import MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from app.kit import audit
from app.logging import loggable_path, request_id_var

log = logging.getLogger("laurel.request")
REQUEST_ID_PATTERN = re.compile(r"^[A-Za-z0-9._-]{1,64}$")
CSP = (
    "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
    "object-src 'none'; base-uri 'self'; form-action 'self' https: http:; frame-ancestors 'none'"
)


class BodyTooLarge(Exception):
    """The client sent more bytes than allowed for this kind of request."""


class RequestContextMiddleware:
    """Tags each request with an id, logs it, adds security headers and caps body size."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_form_bytes: int,
        max_json_bytes: int,
        max_upload_bytes: int,
        hsts: bool,
    ) -> None:
        self.app = app
        self.max_form_bytes = max_form_bytes
        self.max_json_bytes = max_json_bytes
        self.max_upload_bytes = max_upload_bytes
        self.hsts = hsts

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = dict(scope.get("headers") or [])
        incoming = headers.get(b"x-request-id", b"").decode("latin-1")
        request_id = incoming if REQUEST_ID_PATTERN.match(incoming) else uuid.uuid4().hex
        token = request_id_var.set(request_id)
        client = scope.get("client")
        address_token = audit.client_address.set(client[0] if client else None)
        limit = self._limit(headers.get(b"content-type", b""))
        status = {"code": 500}
        started = time.perf_counter()

        async def send_wrapper(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
                static = scope["path"].startswith("/static/")
                self._add_headers(MutableHeaders(scope=message), request_id, static=static)
            await send(message)

        try:
            if _has_nul(scope):
                await _plain_error(
                    scope, send_wrapper, 422, "The address contains a NUL character."
                )
            elif int(headers.get(b"content-length", b"0") or 0) > limit:
                await _too_large(scope, send_wrapper, limit)
            else:
                await self.app(scope, _limited(receive, limit), send_wrapper)
        except BodyTooLarge:
            await _too_large(scope, send_wrapper, limit)
        finally:
            log.info(
                "request",
                extra={
                    "request_id": request_id,
                    "method": scope["method"],
                    "path": loggable_path(scope["path"]),
                    "status": status["code"],
                    "duration_ms": round((time.perf_counter() - started) * 1000, 1),
                },
            )
            request_id_var.reset(token)
            audit.client_address.reset(address_token)

    def _limit(self, content_type: bytes) -> int:
        if content_type.startswith(b"multipart/form-data"):
            return self.max_upload_bytes
        if content_type.startswith(b"application/json"):
            return self.max_json_bytes
        return self.max_form_bytes

    def _add_headers(self, headers: MutableHeaders, request_id: str, *, static: bool) -> None:
        """The same protections on every response, errors included; a route's own, stricter
        policy keeps its rules but may never be framed; only static files and responses that
        chose their own caching may be stored."""
        headers["X-Request-ID"] = request_id
        own_policy = headers.get("Content-Security-Policy")
        if own_policy is None:
            headers["Content-Security-Policy"] = CSP
        elif "frame-ancestors" not in own_policy:
            headers["Content-Security-Policy"] = f"{own_policy}; frame-ancestors 'none'"
        if not static:
            headers.setdefault("Cache-Control", "no-store")
        headers["X-Content-Type-Options"] = "nosniff"
        headers["X-Frame-Options"] = "DENY"
        headers["Referrer-Policy"] = "same-origin"
        headers["Permissions-Policy"] = "camera=(), microphone=(), geolocation=()"
        if self.hsts:
            headers["Strict-Transport-Security"] = "max-age=31536000; includeSubDomains"


class SaturationGuard:
    """At most ``limit`` requests in flight in this process (each may hold one pooled database
    connection and one worker thread, never more); a request that finds no free place within
    ``wait_seconds`` is answered 503 with Retry-After at once, instead of queueing for a
    connection until a timeout. ``/healthz`` and static files are never held back."""

    POLL_SECONDS = 0.01

    def __init__(self, app: ASGIApp, *, limit: int, wait_seconds: float) -> None:
        self.app = app
        self.limit = limit
        self.wait_seconds = wait_seconds
        self.in_flight = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] == "/healthz" or _is_static(scope):
            await self.app(scope, receive, send)
            return
        if not await self._enter():
            await _plain_error(scope, send, 503, "Laurel is busy. Please try again in a moment.")
            return
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1

    async def _enter(self) -> bool:
        with anyio.move_on_after(self.wait_seconds):
            while self.in_flight >= self.limit:
                await anyio.sleep(self.POLL_SECONDS)
            self.in_flight += 1
            return True
        return False


def _is_static(scope: Scope) -> bool:
    path: str = scope["path"]
    return path.startswith("/static/")


def _limited(receive: Receive, limit: int) -> Receive:
    seen = {"bytes": 0}

    async def wrapped() -> Message:
        message = await receive()
        if message["type"] == "http.request":
            seen["bytes"] += len(message.get("body", b""))
            if seen["bytes"] > limit:
                raise BodyTooLarge
        return message

    return wrapped


def _has_nul(scope: Scope) -> bool:
    query = scope.get("query_string", b"").lower()
    return "\x00" in scope["path"] or b"%00" in query or b"\x00" in query


async def _too_large(scope: Scope, send: Any, limit: int) -> None:
    kib = limit // 1024
    await _plain_error(
        scope, send, 413, f"The request is larger than {kib} KiB. Shorten it and try again."
    )


async def _plain_error(scope: Scope, send: Any, status: int, message: str) -> None:
    """An error answered before the application runs: the JSON shape, or a minimal page
    (a 503 says when to try again)."""
    codes = {413: "payload_too_large", 422: "invalid", 503: "busy"}
    if scope["path"].startswith("/api/"):
        body = json.dumps({"error": codes[status], "detail": message}).encode()
        content_type = b"application/json"
    else:
        heading = "Laurel is busy" if status == 503 else "That request could not be used"
        body = (
            "<!doctype html><html lang=en><head><meta charset=utf-8><title>Laurel</title>"
            f"</head><body><main><h1>{heading}</h1><p>{html.escape(message)}"
            "</p><p><a href='/'>Go to Laurel's home page</a></p></main></body></html>"
        ).encode()
        content_type = b"text/html; charset=utf-8"
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", content_type),
                (b"content-length", str(len(body)).encode()),
                *([(b"retry-after", b"1")] if status == 503 else []),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
