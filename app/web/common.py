"""Shared HTTP plumbing: the transactional route class, templates, flashes and redirects."""

from __future__ import annotations

import logging
import re
import uuid
from collections.abc import Callable, Coroutine, Iterator
from typing import Annotated, Any, BinaryIO, TypeVar
from urllib.parse import urlsplit

from fastapi import Form, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse, StreamingResponse
from fastapi.routing import APIRoute
from fastapi.templating import Jinja2Templates
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy.orm import Session, sessionmaker
from starlette.background import BackgroundTask
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile

from app.db import begin_writing
from app.errors import Invalid
from app.kit import i18n, mail, rate_limits
from app.kit.storage.uploads import Upload
from app.models import AccessToken, User
from app.services.credentials import verification
from app.services.identity import throttle, usage
from app.services.identity.scopes import SCOPES
from app.services.notifications import delivery as notifications
from app.settings import Settings, project_path
from app.web import csrf
from app.web.navigation import Navigation, navigation_for

log = logging.getLogger(__name__)

templates = Jinja2Templates(directory=str(project_path("templates")))
templates.env.add_extension("jinja2.ext.i18n")
# {{ _("Hello %(name)s", name=x) }} and {{ ngettext("%(num)d file", "%(num)d files", n) }} in the
# request's language; autoescaping still escapes the values put into the translated text.
templates.env.install_gettext_callables(  # type: ignore[attr-defined]
    i18n.raw_gettext, i18n.raw_ngettext, newstyle=True
)
templates.env.globals["locale"] = i18n.current_locale
templates.env.globals["languages"] = i18n.NAMES
templates.env.globals["human_date"] = i18n.format_date  # "12 March 2028", "12 de marzo de 2028"
templates.env.filters["date"] = i18n.format_date
templates.env.filters["decimal"] = i18n.format_decimal
FLASH_COOKIE = "laurel_flash"
Text = Annotated[str, Form()]
NEW_CSRF = "new_csrf_cookie"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
READS_ONLY = "laurel_reads_only"
Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])


def reads_only(endpoint: Endpoint) -> Endpoint:
    """Mark a POST route whose transaction only reads (its counters are written in their own
    short transactions), so it does not take SQLite's write lock for its whole duration."""
    setattr(endpoint, READS_ONLY, True)
    return endpoint


UNSAFE_IN_NEXT = re.compile(r"[\x00-\x1f\x7f\\]")


class TransactionalRoute(APIRoute):
    """One database session per request: committed before the response is sent, or rolled back.

    A response with an error status rolls back too, so a form re-rendered with a message never
    leaves half-written rows (unless a service marked a write to keep, such as a failed login).
    A request that may write (POST and the like, unless ``reads_only``) takes SQLite's write
    lock when its transaction begins.
    """

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()
        may_write = not getattr(self.endpoint, READS_ONLY, False)

        async def run(request: Request) -> Response:
            sessions: sessionmaker[Session] = request.app.state.session_factory
            db = sessions()
            if may_write and request.method not in SAFE_METHODS:
                begin_writing(db)
            request.state.db = db
            try:
                response = await handler(request)
            except Exception:
                await run_in_threadpool(_settle, sessions, db, None)
                raise
            await run_in_threadpool(_settle, sessions, db, response.status_code)
            _after_commit(request, db, response)
            return response

        return run


def _settle(sessions: sessionmaker[Session], db: Session, status: int | None) -> None:
    """End the request's transaction (``status`` None: the handler failed), close, then record
    last-used times in their own short transaction, in one trip to the thread pool."""
    try:
        if status is None:
            _abort(db)
            return
        try:
            _finish(db, status)
        except Exception:
            _abort(db)
            raise
    finally:
        db.close()
        usage.flush(sessions, db.info)


def _finish(db: Session, status: int) -> None:
    if status < 400:
        db.commit()
        return
    _abort(db)


def _abort(db: Session) -> None:
    keep = db.info.pop(throttle.PERSIST_ON_ERROR, False)
    if keep:
        db.commit()
    else:
        db.expunge_all()  # keep loaded values readable for the error page, without expiring them
        db.rollback()
        db.info.pop(mail.OUTBOX_DIRTY, None)


def _after_commit(request: Request, db: Session, response: Response) -> None:
    settings: Settings = request.app.state.settings
    new_cookie = getattr(request.state, NEW_CSRF, None)
    if new_cookie:
        response.set_cookie(
            csrf.CSRF_COOKIE,
            new_cookie,
            httponly=True,
            samesite="lax",
            secure=settings.secure_cookies,
            path="/",
        )
    if db.info.pop(mail.OUTBOX_DIRTY, False) and settings.mail_drain_after_request:
        factory = request.app.state.session_factory
        response.background = BackgroundTask(mail.drain_outbox, factory, settings)


def csrf_token(request: Request) -> str:
    """The form token for this browser, creating its CSRF cookie when missing."""
    settings: Settings = request.app.state.settings
    cookie = request.cookies.get(csrf.CSRF_COOKIE) or getattr(request.state, NEW_CSRF, None)
    if not cookie:
        cookie = csrf.new_cookie_value()
        setattr(request.state, NEW_CSRF, cookie)
    return csrf.masked_form_token(settings.secret, cookie)


def _flash_serializer(request: Request) -> URLSafeSerializer:
    return URLSafeSerializer(request.app.state.settings.secret, salt="laurel-flash")


def render(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """Render a page with the signed-in user, CSRF token and any flash message."""
    context.setdefault("user", getattr(request.state, "user", None))
    context.setdefault("unread_notifications", _unread(request, context["user"], status_code))
    context.setdefault("nav", _navigation(request, context["user"]))
    context.setdefault("errors", {})
    context.setdefault("values", {})
    flash = None
    raw_flash = request.cookies.get(FLASH_COOKIE)
    if raw_flash:
        try:
            flash = _flash_serializer(request).loads(raw_flash)
        except BadSignature:
            flash = None
    response = templates.TemplateResponse(
        request,
        template,
        {"csrf_token": csrf_token(request), "flash": flash, "scopes": SCOPES, **context},
        status_code=status_code,
    )
    if raw_flash:
        response.delete_cookie(FLASH_COOKIE, path="/")
    return response


def _navigation(request: Request, user: object) -> Navigation:
    """The navigation worked out when the user was loaded (``Viewer``), else for ``user``."""
    viewer = getattr(request.state, "viewer", None)
    return viewer.nav if viewer is not None else navigation_for(user)


def _unread(request: Request, user: object, status_code: int) -> int | None:
    """The bell's count, on successful pages only (error pages may follow a rollback)."""
    db = getattr(request.state, "db", None)
    if not isinstance(user, User) or db is None or status_code >= 400:
        return None
    return notifications.unread_count(db, user)


def redirect(request: Request, url: str, message: str | None = None) -> RedirectResponse:
    """A 303 redirect after a successful form, optionally carrying a one-time message."""
    response = RedirectResponse(url, status_code=303)
    if message:
        settings: Settings = request.app.state.settings
        response.set_cookie(
            FLASH_COOKIE,
            _flash_serializer(request).dumps(message),
            httponly=True,
            samesite="lax",
            secure=settings.secure_cookies,
            path="/",
        )
    return response


def safe_next(url: str | None, default: str = "/") -> str:
    """A local path to continue to after sign-in; anything else becomes ``default``.

    Backslashes and control characters are refused anywhere: browsers read ``/\\host`` as
    ``//host`` and drop tabs and newlines, so ``/<tab>/host`` would leave the site too."""
    if not url or UNSAFE_IN_NEXT.search(url):
        return default
    parts = urlsplit(url)
    if parts.scheme or parts.netloc or not url.startswith("/") or url.startswith("//"):
        return default
    return url


def read_uploads(items: list[Any] | None) -> list[Upload]:
    """The files a form sent (empty file inputs and non-file values are skipped), left in their
    spooled temporary files: services check and store them in chunks, never whole in memory."""
    uploads = []
    for item in items or []:
        if not isinstance(item, UploadFile):
            continue
        upload = Upload(item.filename or "file", item.file)
        if item.filename or upload.size:
            uploads.append(upload)
    return uploads


def form_uuid(value: str, field: str, message: str) -> uuid.UUID:
    """An id chosen in a form; Invalid(``message``) beside ``field`` when it is not one."""
    try:
        return uuid.UUID(value)
    except ValueError as exc:
        raise Invalid(message, field=field) from exc


def wants_json(request: Request, types: tuple[str, ...]) -> bool:
    """Whether the client asks for one of these JSON types rather than a web page."""
    accept = request.headers.get("accept", "")
    return any(t in accept for t in types) and "text/html" not in accept


def client_ip(request: Request) -> str:
    """The client's address as seen by the server (the proxy sets it via --forwarded-allow-ips)."""
    return request.client.host if request.client else "unknown"


def verify_here(
    request: Request, db: Session, settings: Settings, data: Any, email: str | None
) -> verification.Report:
    """Verify a credential with this process's document cache, fetcher and bounded slots
    (at most ``verify_max_concurrent_per_client`` at once per client address)."""
    state = request.app.state
    with state.verify_clients.hold(client_ip(request)):
        return verification.verify_credential(
            db, settings, state.verify_cache, data, email, state.verify_slots, state.verify_fetcher
        )


def verify_rate_limited(
    request: Request,
    db: Session,
    settings: Settings,
    token: AccessToken | None,
    data: Any,
    email: str | None,
) -> verification.Report:
    """Count the call against its limit (per verify-scoped token, else per address), then verify.

    The request's read-only transaction ends first, returning its connection to the pool, so the
    count's own short transaction never holds a second connection nor waits on this one.
    Database and CPU work: run it in a worker thread."""
    if token is not None and "verify" in token.scopes:
        key, limit = f"verify:token:{token.id}", settings.verify_rate_limit_per_minute_with_key
    else:
        key, limit = f"verify:ip:{client_ip(request)}", settings.verify_rate_limit_per_minute
    db.commit()
    rate_limits.hit(request.app.state.session_factory, key, limit)
    return verify_here(request, db, settings, data, email)


def file_download(body: bytes | str, media_type: str, filename: str) -> Response:
    """Bytes we generated (an export, a transcript, a credential) offered as a file to save."""
    return Response(
        body,
        media_type=media_type,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


INLINE_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp", "application/pdf"}


def stored_file(filename: str, content_type: str, stream: BinaryIO) -> StreamingResponse:
    """An uploaded file's bytes with safe headers: the type it was checked to be, no sniffing,
    sandboxed, never cached; shown inline only when it is an image or a PDF."""
    disposition = "inline" if content_type in INLINE_TYPES else "attachment"
    safe_name = filename.encode("ascii", "replace").decode().replace('"', "'")
    return StreamingResponse(
        _chunks(stream),
        media_type=content_type,
        headers={
            "Content-Disposition": f'{disposition}; filename="{safe_name}"',
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "private, no-store",
            "Content-Security-Policy": "default-src 'none'; sandbox",
        },
    )


def _chunks(stream: BinaryIO) -> Iterator[bytes]:
    with stream:
        while chunk := stream.read(64 * 1024):
            yield chunk
