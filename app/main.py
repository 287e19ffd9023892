"""The web application: ``create_app()`` wires settings, database, middleware and routers."""

from __future__ import annotations

import errno
import logging
import threading
from urllib.parse import quote

import psycopg
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy import Engine, make_url
from sqlalchemy.exc import DataError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.middleware.gzip import DEFAULT_EXCLUDED_CONTENT_TYPES, GZipMiddleware

import app.models  # noqa: F401 - registers every table
from app.db import make_engine, make_session_factory
from app.errors import AppError
from app.kit import i18n, outbound
from app.kit.i18n import lazy_gettext as _l
from app.logging import loggable_path
from app.middleware import BodyTooLarge, RequestContextMiddleware, SaturationGuard
from app.routers import health, home, language
from app.routers.communities import api as community_api
from app.routers.communities import exemplar_share, resources, threads
from app.routers.communities import pages as communities
from app.routers.credentials import api as verify
from app.routers.credentials import awards, bulk, issuer_admin
from app.routers.credentials import pages as credentials
from app.routers.credentials import public as issuers
from app.routers.identity import account
from app.routers.identity import pages as auth
from app.routers.impact import api as impact_api
from app.routers.impact import pages as impact
from app.routers.learning import api as learning_api
from app.routers.learning import authoring, module_content, modules, pathway_authoring
from app.routers.learning import pages as learning
from app.routers.mentorship import api as coaching_api
from app.routers.mentorship import pages as coaching
from app.routers.microcredentials import api as microcredential_api
from app.routers.microcredentials import pages as microcredentials
from app.routers.notifications import admin as mail_admin
from app.routers.notifications import api as notifications_api
from app.routers.notifications import pages as notifications
from app.routers.orgs import admin, admin_area, sso
from app.routers.orgs import api as v1
from app.routers.orgs import pages as orgs
from app.routers.privacy import account as privacy_account
from app.routers.privacy import admin as privacy_admin
from app.routers.privacy import public as privacy_public
from app.routers.review import api as evidence_api
from app.routers.review import evidence
from app.routers.review import pages as review
from app.services.credentials.remote_documents import DocumentCache
from app.services.credentials.verification import ClientSlots
from app.settings import Settings, get_settings
from app.web import api_docs
from app.web.common import render
from app.web.language import LanguageMiddleware
from badges.net import system_resolver

log = logging.getLogger(__name__)

STATUS_TITLES = {
    400: _l("That request could not be understood"),
    401: _l("Please sign in"),
    403: _l("You do not have access to this page"),
    404: _l("We could not find that page"),
    405: _l("That action is not allowed here"),
    409: _l("That clashes with something already there"),
    413: _l("That was too much to send"),
    422: _l("Something in the form needs fixing"),
    429: _l("Too many attempts"),
    500: _l("Something went wrong on our side"),
    503: _l("Laurel is busy"),
}
DATABASE_UNAVAILABLE = _l(
    "Laurel cannot reach its database just now, so nothing was saved. Please try again in a minute."
)
STORAGE_FULL = _l(
    "Laurel has no room to store files just now, so nothing was saved. Please try later."
)
#: Responses smaller than this go as they are: gzip's framing would eat most of the saving.
COMPRESS_MIN_BYTES = 1024
#: Media that is compressed already (images, fonts, archives, PDF, uploaded files) goes as it is.
NOT_COMPRESSED = (*DEFAULT_EXCLUDED_CONTENT_TYPES, "application/pdf", "application/octet-stream")
ERROR_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    413: "payload_too_large",
    429: "too_many_requests",
}


def create_app(settings: Settings | None = None, engine: Engine | None = None) -> FastAPI:
    """Build the application; tests pass their own settings and engine."""
    settings = settings or get_settings()
    settings.validate_for_startup()
    application = FastAPI(
        title="Laurel API",
        version="1",
        description="Professional learning and Open Badges 3.0 micro-credentials for educators.",
        docs_url=None,  # app.web.api_docs serves it without a CDN
        redoc_url=None,
        openapi_url="/api/openapi.json",
    )
    application.state.settings = settings
    application.state.engine = engine or make_engine(settings.database_url, **_pool_size(settings))
    application.state.session_factory = make_session_factory(application.state.engine)
    application.state.verify_cache = DocumentCache(settings.verify_cache_seconds)
    application.state.verify_slots = threading.BoundedSemaphore(settings.verify_max_concurrency)
    application.state.verify_clients = ClientSlots(settings.verify_max_concurrent_per_client)
    application.state.verify_fetcher = outbound.verification_fetcher(settings)
    application.state.sso_resolver = system_resolver  # tests put a local one here
    i18n.load_all()
    application.add_middleware(LanguageMiddleware, secret=settings.secret)
    application.add_middleware(
        SaturationGuard,
        limit=settings.max_concurrent_requests,
        wait_seconds=settings.saturation_wait_seconds,
    )
    application.add_middleware(
        RequestContextMiddleware,
        max_form_bytes=settings.max_form_bytes,
        max_json_bytes=settings.max_json_bytes,
        max_upload_bytes=settings.max_upload_request_bytes,
        hsts=settings.secure_cookies,
    )
    application.add_middleware(
        GZipMiddleware,
        minimum_size=COMPRESS_MIN_BYTES,
        compresslevel=6,
        exclude_content_types=NOT_COMPRESSED,
    )
    _add_error_handlers(application)
    application.include_router(health.router)
    application.include_router(language.router, include_in_schema=False)
    application.include_router(v1.router)
    application.include_router(verify.router)
    application.include_router(issuers.router, include_in_schema=False)
    application.include_router(community_api.router)
    application.include_router(notifications_api.router)
    application.include_router(learning_api.router)
    application.include_router(coaching_api.router)
    application.include_router(microcredential_api.router)
    application.include_router(evidence_api.router)
    application.include_router(impact_api.router)
    pages = (
        home.router,
        auth.router,
        sso.router,
        notifications.router,  # before account: it owns /account/notifications
        account.router,
        privacy_account.router,
        privacy_admin.router,
        privacy_public.router,
        orgs.router,
        admin_area.router,
        admin.router,
        mail_admin.router,
        modules.router,
        learning.router,
        module_content.router,  # before authoring: its POST …/{action} takes one segment
        authoring.router,
        pathway_authoring.router,
        credentials.router,
        microcredentials.router,
        bulk.router,
        awards.router,
        issuer_admin.router,
        communities.router,
        threads.router,
        resources.router,
        exemplar_share.router,
        coaching.router,
        evidence.router,
        review.router,
        impact.router,
    )
    for page_router in pages:
        application.include_router(page_router, include_in_schema=False)
    api_docs.install(application, docs_url="/api/docs", openapi_url="/api/openapi.json")
    application.mount("/static", StaticFiles(packages=[("app", "static")]), name="static")
    return application


def _pool_size(settings: Settings) -> dict[str, int]:
    """One pooled connection for each request the saturation guard lets in (a request holds at
    most one), so no request ever waits for a connection; none for in-memory SQLite."""
    url = make_url(settings.database_url)
    if url.get_backend_name() == "sqlite" and url.database in (None, "", ":memory:"):
        return {}
    return {"pool_size": settings.max_concurrent_requests, "max_overflow": 0}


def _wants_json(request: Request) -> bool:
    return request.url.path.startswith("/api/")


def _error_response(request: Request, status: int, code: str, detail: str) -> Response:
    if _wants_json(request):
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        return JSONResponse({"error": code, "detail": detail}, status_code=status, headers=headers)
    if status == 401:
        target = quote(request.url.path + (f"?{request.url.query}" if request.url.query else ""))
        return RedirectResponse(f"/signin?next={target}", status_code=303)
    title = STATUS_TITLES.get(status, _l("Something went wrong"))
    viewer = getattr(request.state, "viewer", None)  # never the ORM user: it may be detached
    return render(
        request,
        "errors/error.html",
        status,
        user=viewer,
        title=title,
        message=detail,
        status=status,
    )


def _add_error_handlers(application: FastAPI) -> None:
    @application.exception_handler(AppError)
    async def app_error(request: Request, exc: AppError) -> Response:
        response = _error_response(request, exc.status_code, exc.code, exc.detail)
        if exc.retry_after is not None:
            response.headers["Retry-After"] = str(exc.retry_after)
        return response

    @application.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> Response:
        status = exc.status_code
        if isinstance(exc.__cause__, BodyTooLarge):
            status = 413
        detail = {
            404: _l(
                "There is nothing at this address. Check the link, or start from the home page."
            ),
            405: _l("This address does not accept that kind of request."),
            413: _l("The request is larger than Laurel accepts."),
        }.get(status, str(exc.detail))
        return _error_response(request, status, ERROR_CODES.get(status, "error"), detail)

    @application.exception_handler(RequestValidationError)
    async def validation_error(request: Request, exc: RequestValidationError) -> Response:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in err.get('loc', ()) if p != 'body')}: {err.get('msg')}"
            for err in exc.errors()
        )
        if _wants_json(request):
            return JSONResponse({"error": "invalid_request", "detail": problems}, status_code=422)
        return _error_response(
            request,
            400,
            "bad_request",
            _l("The form was incomplete or malformed (%(problems)s).", problems=problems),
        )

    @application.exception_handler(DataError)
    async def unstorable(request: Request, _exc: DataError) -> Response:
        return _error_response(
            request,
            422,
            "invalid",
            _l(
                "Some of what you sent cannot be stored (for example a NUL character or a "
                "number out of range). Remove it and try again."
            ),
        )

    @application.exception_handler(OperationalError)
    async def database_busy(request: Request, exc: OperationalError) -> Response:
        if isinstance(exc.orig, psycopg.OperationalError):  # PostgreSQL unreachable, restarting
            response = _error_response(request, 503, "unavailable", DATABASE_UNAVAILABLE)
            response.headers["Retry-After"] = "5"
            return response
        if "database is locked" not in str(exc):  # only SQLite's one-writer contention
            return await unexpected(request, exc)
        response = _error_response(
            request, 503, "busy", _l("Laurel is busy with another change. Please try again.")
        )
        response.headers["Retry-After"] = "1"
        return response

    @application.exception_handler(OSError)
    async def storage_error(request: Request, exc: OSError) -> Response:
        if exc.errno not in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG):
            return await unexpected(request, exc)
        log.error("storage full", extra={"path": loggable_path(request.url.path)})
        return _error_response(request, 503, "storage_full", STORAGE_FULL)

    @application.exception_handler(Exception)
    async def unexpected(request: Request, _exc: Exception) -> Response:
        log.exception("unhandled error", extra={"path": loggable_path(request.url.path)})
        return _error_response(
            request,
            500,
            "internal_error",
            _l("An unexpected error happened. It has been logged; please try again later."),
        )
