"""CSRF, oversized bodies, error pages and security headers."""

from __future__ import annotations

from fastapi import APIRouter, Depends
from fastapi.testclient import TestClient
from sqlalchemy import func, select
from sqlalchemy.exc import OperationalError

from app.models import User
from app.web.access import public
from app.web.common import TransactionalRoute
from tests.support import PASSWORD, WebClient, make_user


def test_form_without_csrf_token_is_refused(web: WebClient, db) -> None:
    response = web.post(
        "/signup",
        {"email": "nia@school.org", "display_name": "Nia", "password": PASSWORD},
        with_csrf=False,
    )
    assert response.status_code == 403
    assert "did not come from Laurel" in response.text
    assert db.scalar(select(func.count()).select_from(User)) == 0


def test_forged_csrf_token_is_refused(web: WebClient, db) -> None:
    make_user(db, "ada@school.org")
    web.csrf_token()
    response = web.post(
        "/signin", {"email": "ada@school.org", "password": PASSWORD, "csrf_token": "0" * 64}
    )
    assert response.status_code == 403


def test_csrf_token_of_another_browser_is_refused(web: WebClient, web2: WebClient, db) -> None:
    make_user(db, "ada@school.org")
    other_token = web2.csrf_token()
    web.csrf_token()
    response = web.post(
        "/signin", {"email": "ada@school.org", "password": PASSWORD, "csrf_token": other_token}
    )
    assert response.status_code == 403


def test_oversized_form_is_refused_with_a_page(web: WebClient, settings) -> None:
    response = web.post("/signup", {"display_name": "x" * (settings.max_form_bytes + 10)})
    assert response.status_code == 413
    assert "larger than" in response.text


def test_oversized_api_body_gets_the_json_error_shape(web: WebClient, settings) -> None:
    response = web.client.post(
        "/api/v1/orgs/x/invitations",
        content=b"{" + b" " * (settings.max_json_bytes + 10) + b"}",
        headers={"content-type": "application/json"},
    )
    assert response.status_code == 413
    assert response.json()["error"] == "payload_too_large"


def test_unknown_page_is_a_friendly_404(web: WebClient) -> None:
    response = web.get("/no/such/page")
    assert response.status_code == 404
    assert "We could not find that page" in response.text
    assert "<main" in response.text


def test_unknown_api_path_uses_the_error_shape(web: WebClient) -> None:
    response = web.get("/api/v1/nothing")
    assert response.status_code == 404
    assert set(response.json()) == {"error", "detail"}


def add_routes(app, **handlers) -> None:
    """Mount test-only routes the way real ones are mounted (transactional, declared access)."""
    router = APIRouter(route_class=TransactionalRoute, dependencies=[Depends(public)])
    for path, handler in handlers.items():
        router.add_api_route(f"/{path}", handler)
    app.include_router(router)


def test_unexpected_error_is_a_500_page_without_internals(app) -> None:
    def boom() -> None:
        raise RuntimeError("secret internal detail")

    add_routes(app, boom=boom)
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/boom")
    assert response.status_code == 500
    assert "Something went wrong on our side" in response.text
    assert "secret internal detail" not in response.text


def test_security_headers_and_request_id(web: WebClient) -> None:
    response = web.get("/", headers={"X-Request-ID": "trace-123"})
    assert response.headers["x-request-id"] == "trace-123"
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    assert response.headers["x-frame-options"] == "DENY"
    assert response.headers["x-content-type-options"] == "nosniff"


def test_session_and_csrf_cookies_are_httponly_and_lax(web: WebClient, db) -> None:
    make_user(db, "ada@school.org")
    page = web.get("/signin")
    assert "httponly" in page.headers["set-cookie"].lower()
    response = web.sign_in("ada@school.org")
    cookie = next(h for h in response.headers.get_list("set-cookie") if "laurel_session" in h)
    assert "httponly" in cookie.lower()
    assert "samesite=lax" in cookie.lower()
    assert "secure" not in cookie.lower()  # plain http base URL in tests


def test_health_and_readiness(web: WebClient) -> None:
    assert web.get("/healthz").json() == {"status": "ok"}
    assert web.get("/readyz").json() == {"status": "ok", "database": "ok"}


def test_sqlite_lock_contention_is_a_503_not_a_500(app) -> None:
    def locked() -> None:
        raise OperationalError("UPDATE x", {}, Exception("database is locked"))

    def broken() -> None:
        raise OperationalError("SELECT", {}, Exception("no such table: x"))

    add_routes(app, locked=locked, broken=broken)
    with TestClient(app, raise_server_exceptions=False) as client:
        busy = client.get("/locked")
        other = client.get("/broken")
    assert busy.status_code == 503
    assert busy.headers["retry-after"] == "1"
    assert "try again" in busy.text
    assert other.status_code == 500
    assert "no such table" not in other.text


def test_logs_carry_no_passwords_or_tokens(web: WebClient, db, caplog) -> None:
    import json as jsonlib
    import logging

    from app.logging import JsonFormatter

    make_user(db, "ada@school.org")
    with caplog.at_level(logging.INFO):
        web.post("/signin", {"email": "ada@school.org", "password": "wrong-but-secret-pw"})
        web.get("/verify-email?token=very-secret-token-value")
    server_records = [r for r in caplog.records if not r.name.startswith("httpx")]  # not the client
    lines = [JsonFormatter().format(record) for record in server_records]
    assert any(jsonlib.loads(line).get("path") == "/signin" for line in lines)
    assert all("request_id" in jsonlib.loads(line) for line in lines if '"path"' in line)
    text = "\n".join(lines)
    assert "wrong-but-secret-pw" not in text
    assert "very-secret-token-value" not in text


def test_nul_characters_in_the_address_are_refused(web: WebClient) -> None:
    api = web.get("/api/v1/modules?grade_band=%00")
    assert api.status_code == 422
    assert api.json() == {"error": "invalid", "detail": "The address contains a NUL character."}
    page = web.get("/signin?next=%00")
    assert page.status_code == 422
    assert "NUL character" in page.text


def test_values_the_database_cannot_store_are_a_422(app) -> None:
    from sqlalchemy.exc import DataError

    def unstorable() -> None:
        raise DataError("INSERT", {}, Exception("text fields cannot contain NUL (0x00) bytes"))

    add_routes(app, unstorable=unstorable)
    with TestClient(app, raise_server_exceptions=False) as client:
        response = client.get("/unstorable")
    assert response.status_code == 422
    assert "cannot be stored" in response.text
