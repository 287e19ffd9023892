"""'Test connection' on the single sign-on settings: the issuer's discovery document is fetched
through the SSO fetcher (names resolved by an injected resolver to 127.0.0.1 only) and the
findings are shown in plain words; nothing is saved; only the organization's admins may ask."""

from __future__ import annotations

import html
import json
from collections.abc import Iterator

import pytest
from sqlalchemy import func, select
from starlette.requests import Request
from starlette.responses import JSONResponse

from app.models import AuditEvent, OidcProvider, Role
from app.services.orgs import sso
from tests.fake_oidc import FakeProvider, ServerThread, free_port
from tests.support import WebClient, make_org, make_user

HOST = "idp.riverbend.test"


class Resolver:
    """Resolves only the fake provider's name, to loopback; records what it was asked."""

    def __init__(self) -> None:
        self.asked: list[str] = []

    def __call__(self, host: str, _port: int) -> list[str]:
        self.asked.append(host)
        assert host == HOST, f"asked to resolve {host}"
        return ["127.0.0.1"]


class LackingProvider(FakeProvider):
    """A provider whose discovery document lacks its token endpoint and signing keys."""

    def discovery(self, request: Request) -> JSONResponse:
        document = json.loads(bytes(super().discovery(request).body))
        for key in ("token_endpoint", "jwks_uri"):
            document.pop(key)
        return JSONResponse(document)


@pytest.fixture(scope="module")
def providers() -> Iterator[dict[str, FakeProvider]]:
    good, lacking = FakeProvider(), LackingProvider()
    ports = free_port(), free_port()
    for fake, port in zip((good, lacking), ports, strict=True):
        fake.issuer = f"http://{HOST}:{port}"
    with ServerThread(good.app(), ports[0]), ServerThread(lacking.app(), ports[1]):
        yield {"good": good, "lacking": lacking}


@pytest.fixture
def resolver(web: WebClient, settings) -> Resolver:
    settings.oidc_allow_insecure_http = True
    settings.oidc_allow_private_addresses = True  # the fake provider listens on 127.0.0.1
    local = Resolver()
    web.client.app.state.sso_resolver = local
    return local


@pytest.fixture
def admin(web: WebClient, db) -> WebClient:
    org = make_org(db)
    make_user(db, "boss@riverbend.org", org=org, role=Role.ADMIN)
    make_user(db, "tess@riverbend.org", org=org, role=Role.TEACHER)
    db.commit()
    web.sign_in("boss@riverbend.org")
    return web


def _test(web: WebClient, issuer: str):
    form = {"label": "Riverbend", "issuer_url": issuer, "client_id": "laurel-client"}
    return web.post("/orgs/riverbend/settings/sso/test", form)


def _nothing_saved(db) -> None:
    db.expire_all()
    assert db.scalar(select(func.count()).select_from(OidcProvider)) == 0
    assert db.scalar(select(func.count()).where(AuditEvent.action.like("sso.%"))) == 0


def test_a_reachable_consistent_provider_is_reported_good_and_nothing_is_saved(
    admin: WebClient, db, resolver: Resolver, providers
) -> None:
    fake = providers["good"]
    before = fake.discoveries
    response = _test(admin, fake.issuer + "/")
    assert response.status_code == 200
    shown = html.unescape(response.text)
    assert "The provider is reachable and its settings are consistent" in shown
    good = [line for line in shown.split("<li>") if line.startswith("Good: ")]
    problems = [line for line in shown.split("<li>") if line.startswith("Problem: ")]
    assert len(good) == 5
    assert problems == []
    assert "The document names this same issuer." in shown
    assert "Nothing was saved. Press Save to keep these settings." in shown
    assert f'value="{fake.issuer}/"' in shown  # the form keeps what was typed
    assert fake.discoveries == before + 1
    assert resolver.asked == [HOST]
    _nothing_saved(db)


def test_a_different_issuer_and_missing_endpoints_are_named(
    admin: WebClient, db, resolver: Resolver, providers
) -> None:
    lacking = providers["lacking"]
    response = _test(admin, lacking.issuer)
    assert response.status_code == 200
    shown = html.unescape(response.text)
    assert "The provider is not ready" in shown
    assert "Problem: It does not list where Laurel exchanges the sign-in code" in shown
    assert "Problem: It does not list the provider's signing keys (jwks_uri)." in shown
    assert "Good: It lists where to send people to sign in" in shown

    good = providers["good"]
    good.issuer, real = f"https://elsewhere.example/{good.issuer[-5:]}", good.issuer
    try:
        response = _test(admin, real)
    finally:
        good.issuer = real
    shown = html.unescape(response.text)
    assert response.status_code == 200
    assert "Problem: The document names a different issuer ('https://elsewhere.example/" in shown
    assert "Press Save" not in shown
    _nothing_saved(db)


def test_an_unreachable_provider_is_reported_in_plain_words(
    admin: WebClient, db, resolver: Resolver
) -> None:
    nobody = f"http://{HOST}:{free_port()}"  # nothing listens there
    response = _test(admin, nobody)
    assert response.status_code == 200
    shown = html.unescape(response.text)
    assert "The provider is not ready" in shown
    assert f"Problem: Laurel could not reach {nobody}/.well-known/openid-configuration" in shown
    _nothing_saved(db)


def test_a_bad_address_is_refused_beside_its_field(admin: WebClient, db, resolver) -> None:
    response = _test(admin, "ftp://idp.riverbend.test/")
    assert response.status_code == 422
    assert "must be an https:// URL" in response.text
    assert resolver.asked == []
    _nothing_saved(db)


def test_the_saved_settings_stay_as_they_were(
    admin: WebClient, db, settings, resolver: Resolver, providers
) -> None:
    saved = admin.post(
        "/orgs/riverbend/settings/sso",
        {
            "label": "Old",
            "issuer_url": "https://accounts.example",
            "client_id": "old-client",
            "client_secret": "s3cret",
            "enabled": "1",
        },
    )
    assert saved.status_code == 303
    assert _test(admin, providers["good"].issuer).status_code == 200
    db.expire_all()
    provider = db.scalars(select(OidcProvider)).one()
    assert (provider.issuer_url, provider.client_id, provider.label) == (
        "https://accounts.example",
        "old-client",
        "Old",
    )


def test_a_teacher_may_not_test_the_connection(
    web: WebClient, db, resolver: Resolver, providers
) -> None:
    org = make_org(db)
    make_user(db, "tess@riverbend.org", org=org, role=Role.TEACHER)
    db.commit()
    web.sign_in("tess@riverbend.org")
    before = providers["good"].discoveries
    response = _test(web, providers["good"].issuer)
    assert response.status_code == 403
    assert providers["good"].discoveries == before
    assert resolver.asked == []
    _nothing_saved(db)


def test_the_check_itself_saves_nothing(db, settings, providers) -> None:
    settings.oidc_allow_insecure_http = True
    settings.oidc_allow_private_addresses = True
    check = sso.check_connection(settings, providers["good"].issuer, resolver=Resolver())
    assert check.ok
    assert len(check.findings) == 5
    assert not db.new
    assert not db.dirty
