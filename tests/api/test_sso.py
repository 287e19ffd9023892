"""Single sign-on through a real local OpenID Connect provider."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from sqlalchemy import select

from app.errors import Invalid
from app.models import Membership, OidcIdentity, Role, User, UserSession
from app.security.access import SESSION_COOKIE
from app.services import sso
from tests.fake_oidc import FakeProvider, ServerThread, free_port
from tests.support import WebClient, make_org, make_user


@pytest.fixture(scope="module")
def provider() -> Iterator[FakeProvider]:
    fake = FakeProvider()
    port = free_port()
    fake.issuer = f"http://127.0.0.1:{port}"
    with ServerThread(fake.app(), port):
        yield fake


@pytest.fixture
def org_with_sso(db, settings, provider: FakeProvider):
    settings.oidc_allow_insecure_http = True
    settings.oidc_allow_private_addresses = True  # the fake provider listens on 127.0.0.1
    org = make_org(db)
    admin = make_user(db, "boss@riverbend.org", org=org, role=Role.ADMIN)
    sso.configure_provider(
        db,
        settings,
        org,
        admin,
        label="Riverbend Google",
        issuer_url=provider.issuer,
        client_id=provider.client_id,
        client_secret=provider.client_secret,
        enabled=True,
    )
    db.commit()
    # reset switches a previous test may have flipped
    provider.sign_with_wrong_key = False
    provider.audience = None
    provider.email_verified = True
    provider.subject = "user-123"
    provider.email = "sso.teacher@riverbend.org"
    return org


def run_flow(web: WebClient, org: str = "riverbend") -> httpx.Response:
    """Start at Laurel, let the provider auto-consent, and come back to Laurel's callback."""
    start = web.get(f"/sso/start?org={org}&next=/account")
    assert start.status_code == 303, start.text
    at_provider = httpx.get(start.headers["location"], follow_redirects=False)
    assert at_provider.status_code == 302
    callback = at_provider.headers["location"].replace("http://testserver", "")
    return web.get(callback)


def test_new_person_signs_in_and_joins_as_teacher(web: WebClient, db, org_with_sso) -> None:
    response = run_flow(web)
    assert response.status_code == 303
    assert response.headers["location"] == "/account"
    assert SESSION_COOKIE in web.client.cookies
    db.expire_all()
    user = db.scalar(select(User).where(User.email == "sso.teacher@riverbend.org"))
    assert user.is_verified
    assert user.password_hash is None
    membership = db.scalar(select(Membership).where(Membership.user_id == user.id))
    assert membership.role == Role.TEACHER
    assert db.scalar(select(OidcIdentity)).subject == "user-123"
    assert "Sam SSO" in web.get("/").text


def test_existing_account_is_linked_by_verified_email(web, db, org_with_sso, provider) -> None:
    existing = make_user(db, "sso.teacher@riverbend.org", org=org_with_sso, role=Role.COACH)
    assert run_flow(web).status_code == 303
    db.expire_all()
    identity = db.scalar(select(OidcIdentity))
    assert identity.user_id == existing.id
    assert db.scalar(select(Membership).where(Membership.user_id == existing.id)).role == (
        Role.COACH
    )
    provider.email = "changed@riverbend.org"  # later sign-ins go by subject, not e-mail
    web.post("/signout")
    assert run_flow(web).status_code == 303
    db.expire_all()
    assert len(db.scalars(select(User)).all()) == 2


def refused(web: WebClient, db, message: str) -> None:
    response = run_flow(web)
    assert response.status_code == 422
    assert message in response.text
    assert SESSION_COOKIE not in web.client.cookies
    db.expire_all()
    assert db.scalar(select(User).where(User.email == "sso.teacher@riverbend.org")) is None
    assert db.scalar(select(UserSession)) is None


def test_bad_signature_is_refused(web, db, org_with_sso, provider) -> None:
    provider.sign_with_wrong_key = True
    refused(web, db, "bad signature")


def test_wrong_audience_is_refused(web, db, org_with_sso, provider) -> None:
    provider.audience = "some-other-app"
    refused(web, db, "wrong audience")


def test_unverified_email_is_refused(web, db, org_with_sso, provider) -> None:
    provider.email_verified = False
    refused(web, db, "has not verified your e-mail address")


def test_forged_state_is_refused(web: WebClient, db, org_with_sso) -> None:
    start = web.get("/sso/start?org=riverbend")
    at_provider = httpx.get(start.headers["location"], follow_redirects=False)
    callback = at_provider.headers["location"].replace("http://testserver", "")
    forged = callback.split("state=")[0] + "state=forged"
    response = web.get(forged)
    assert response.status_code == 422
    assert "does not match" in response.text


def test_missing_state_cookie_is_refused(web: WebClient, web2: WebClient, db, org_with_sso):
    start = web.get("/sso/start?org=riverbend")
    at_provider = httpx.get(start.headers["location"], follow_redirects=False)
    callback = at_provider.headers["location"].replace("http://testserver", "")
    response = web2.get(callback)  # another browser, without the state cookie
    assert response.status_code == 422
    assert "Start again" in response.text


def test_unknown_organization_and_missing_sso_are_explained(web: WebClient, db, org_with_sso):
    unknown = web.get("/sso/start?org=atlantis")
    assert unknown.status_code == 404
    assert "no organization called" in unknown.text
    make_org(db, "lakeside")
    none = web.get("/sso/start?org=lakeside")
    assert none.status_code == 404
    assert "has not set up single sign-on" in none.text


def test_provider_error_is_shown(web: WebClient, db, org_with_sso) -> None:
    response = web.get("/sso/callback?error=access_denied&error_description=User+cancelled")
    assert response.status_code == 422
    assert "User cancelled" in response.text


def test_a_provider_address_that_does_not_parse_is_refused(db, settings) -> None:
    org = make_org(db)
    admin = make_user(db, "boss@riverbend.org", org=org, role=Role.ADMIN)
    for address in ("http://idp.example", "https://[abc/x"):
        with pytest.raises(Invalid, match="must be an https:// URL"):
            sso.configure_provider(
                db,
                settings,
                org,
                admin,
                label="IdP",
                issuer_url=address,
                client_id="id",
                client_secret="secret",
                enabled=True,
            )


# The one outbound fetcher: discovery, token and JWKS addresses are all checked ------------


@pytest.fixture
def endpoints_restored(provider: FakeProvider) -> Iterator[FakeProvider]:
    yield provider
    provider.token_endpoint = provider.jwks_uri = ""


def test_discovery_at_a_private_address_is_refused(web, db, settings, org_with_sso, provider):
    settings.oidc_allow_private_addresses = False
    before = provider.discoveries
    response = web.get("/sso/start?org=riverbend&next=/account")
    assert response.status_code == 422
    assert "refused 127.0.0.1: a loopback address" in response.text
    assert provider.discoveries == before  # no request reached the provider


def test_a_token_endpoint_at_the_unspecified_address_is_refused(
    web, db, org_with_sso, endpoints_restored
) -> None:
    port = endpoints_restored.issuer.rsplit(":", 1)[1]
    endpoints_restored.token_endpoint = f"http://0.0.0.0:{port}/token"
    unredeemed = len(endpoints_restored.codes)
    refused(web, db, "refused 0.0.0.0: the unspecified address")
    assert len(endpoints_restored.codes) == unredeemed + 1  # the new code was never redeemed


def test_a_jwks_uri_at_a_multicast_address_is_refused(
    web, db, org_with_sso, endpoints_restored
) -> None:
    endpoints_restored.jwks_uri = "http://[ff02::1]/jwks"
    refused(web, db, "refused ff02::1: a multicast address")
