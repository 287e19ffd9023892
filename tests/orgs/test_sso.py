"""Single sign-on through a real local OpenID Connect provider."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest
from itsdangerous import URLSafeTimedSerializer
from sqlalchemy import select

from app.errors import Invalid
from app.models import AuditEvent, Membership, OidcIdentity, Role, User, UserSession
from app.services.orgs import domains, sso
from app.web.access import SESSION_COOKIE
from app.web.signin import LINK_COOKIE
from tests.fake_oidc import FakeProvider, ServerThread, free_port
from tests.support import PASSWORD, WebClient, make_org, make_user


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


def test_a_member_of_the_organization_is_linked_by_verified_email(
    web, db, org_with_sso, provider
) -> None:
    existing = make_user(db, "sso.teacher@riverbend.org", org=org_with_sso, role=Role.COACH)
    assert run_flow(web).status_code == 303
    db.expire_all()
    identity = db.scalar(select(OidcIdentity))
    assert identity.user_id == existing.id
    assert db.scalar(select(Membership).where(Membership.user_id == existing.id)).role == (
        Role.COACH
    )
    assert "linked to Riverbend single sign-on" in web.last_mail(existing.email).subject
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


# Linking an existing account: never across tenants without the account's password.

HELD = (
    "This e-mail already has a Laurel account; sign in with your password to link it to "
    "Riverbend single sign-on."
)


def held_for_password(web: WebClient, db, victim: User) -> None:
    """SSO sent the browser to sign in with a password; nobody is linked or signed in."""
    response = run_flow(web)
    assert response.status_code == 303
    assert response.headers["location"] == "/signin?next=/account"
    nothing_linked_nor_signed_in(web, db, victim)
    held = db.scalar(select(AuditEvent).where(AuditEvent.action == "sso.link_held"))
    assert held.target_id == str(victim.id)
    assert LINK_COOKIE in web.client.cookies
    page = web.get(response.headers["location"])
    assert HELD in page.text
    assert f'value="{victim.email}"' in page.text


def nothing_linked_nor_signed_in(web: WebClient, db, victim: User) -> None:
    assert SESSION_COOKIE not in web.client.cookies
    db.expire_all()
    assert db.scalars(select(OidcIdentity)).all() == []
    assert db.scalars(select(UserSession)).all() == []
    assert [m.organization.slug for m in db.get(User, victim.id).memberships] == ["lakeside"]


def lakeside_member(db, email: str = "sso.teacher@riverbend.org", **kwargs) -> User:
    return make_user(db, email, org=make_org(db, "lakeside"), role=Role.ADMIN, **kwargs)


def test_a_member_of_another_organization_is_not_taken_over(web, db, org_with_sso) -> None:
    victim = lakeside_member(db)
    held_for_password(web, db, victim)


@pytest.mark.parametrize("email", ["ann@lakeside.org", "ann@schools.riverbend.org"])
def test_a_domain_the_organization_has_not_verified_is_not_linked(
    web, db, org_with_sso, provider, email: str
) -> None:
    root = make_user(db, "root@laurel.org", platform_admin=True)
    domains.set_verified_domains(db, root, org_with_sso, "riverbend.org")
    db.commit()
    provider.email = email
    held_for_password(web, db, lakeside_member(db, email))


def test_a_verified_domain_is_linked(web, db, org_with_sso) -> None:
    root = make_user(db, "root@laurel.org", platform_admin=True)
    domains.set_verified_domains(db, root, org_with_sso, "riverbend.org")
    db.commit()
    staff = lakeside_member(db)
    response = run_flow(web)
    assert response.status_code == 303
    assert response.headers["location"] == "/account"
    assert SESSION_COOKIE in web.client.cookies
    db.expire_all()
    assert db.scalar(select(OidcIdentity)).user_id == staff.id
    roles = {m.organization.slug: m.role for m in db.get(User, staff.id).memberships}
    assert roles == {"lakeside": Role.ADMIN, "riverbend": Role.TEACHER}


def test_a_platform_admin_is_never_linked(web, db, org_with_sso, provider) -> None:
    root = make_user(db, "root@laurel.org", org=org_with_sso, platform_admin=True)
    domains.set_verified_domains(db, root, org_with_sso, "laurel.org")
    db.commit()
    provider.email = root.email
    response = run_flow(web)
    assert response.status_code == 403
    assert "Platform administrators sign in with their password" in response.text
    assert SESSION_COOKIE not in web.client.cookies
    assert LINK_COOKIE not in web.client.cookies
    db.expire_all()
    assert db.scalars(select(OidcIdentity)).all() == []
    assert db.scalars(select(UserSession)).all() == []


def test_an_unverified_email_does_not_link_even_a_member(web, db, org_with_sso, provider):
    member = make_user(db, "sso.teacher@riverbend.org", org=org_with_sso)
    provider.email_verified = False
    response = run_flow(web)
    assert response.status_code == 422
    assert "has not verified your e-mail address" in response.text
    assert SESSION_COOKIE not in web.client.cookies
    db.expire_all()
    assert db.scalars(select(OidcIdentity)).all() == []
    assert db.scalars(select(UserSession)).all() == []
    assert len(db.get(User, member.id).memberships) == 1


def test_the_owner_links_by_signing_in_with_their_password(web, db, org_with_sso) -> None:
    owner = lakeside_member(db)
    held_for_password(web, db, owner)
    signed_in = web.post(
        "/signin",
        {"email": owner.email, "password": PASSWORD, "next": "/account", "link_sso": "1"},
    )
    assert signed_in.status_code == 303
    assert signed_in.headers["location"] == "/account"
    assert LINK_COOKIE not in web.client.cookies
    db.expire_all()
    assert db.scalar(select(OidcIdentity)).user_id == owner.id
    linked = db.scalar(select(AuditEvent).where(AuditEvent.action == "sso.linked"))
    assert (linked.target_id, linked.detail["method"]) == (str(owner.id), "password")
    assert "linked to Riverbend single sign-on" in web.last_mail(owner.email).subject
    web.post("/signout")
    again = run_flow(web)  # from now on the provider's subject signs the owner in
    assert again.headers["location"] == "/account"
    assert SESSION_COOKIE in web.client.cookies


def test_another_accounts_password_does_not_link(web, db, org_with_sso) -> None:
    victim = lakeside_member(db)
    make_user(db, "mallory@riverbend.org", org=org_with_sso)
    held_for_password(web, db, victim)
    signed_in = web.post(
        "/signin", {"email": "mallory@riverbend.org", "password": PASSWORD, "link_sso": "1"}
    )
    assert signed_in.status_code == 303
    assert LINK_COOKIE not in web.client.cookies
    db.expire_all()
    assert db.scalars(select(OidcIdentity)).all() == []


def test_without_ticking_the_box_the_owner_signs_in_unlinked(web, db, org_with_sso) -> None:
    owner = lakeside_member(db)
    held_for_password(web, db, owner)
    web.sign_in(owner.email)
    db.expire_all()
    assert db.scalars(select(OidcIdentity)).all() == []


def test_a_wrong_password_keeps_the_link_waiting_and_links_nothing(web, db, org_with_sso) -> None:
    owner = lakeside_member(db)
    held_for_password(web, db, owner)
    wrong = web.post("/signin", {"email": owner.email, "password": "not-it", "link_sso": "1"})
    assert wrong.status_code == 401
    assert HELD in wrong.text
    db.expire_all()
    assert db.scalars(select(OidcIdentity)).all() == []


def test_a_pending_link_cookie_not_signed_by_laurel_links_nothing(web, db, org_with_sso):
    owner = lakeside_member(db)
    claim = {"p": str(sso.provider_for(db, org_with_sso).id), "s": "user-123", "u": str(owner.id)}
    forged = URLSafeTimedSerializer("not-laurels-secret", salt="laurel-sso-pending-link")
    web.client.cookies.set(LINK_COOKIE, forged.dumps(claim), path="/signin")
    assert HELD not in web.get("/signin").text
    signed_in = web.post("/signin", {"email": owner.email, "password": PASSWORD, "link_sso": "1"})
    assert signed_in.status_code == 303
    db.expire_all()
    assert db.scalars(select(OidcIdentity)).all() == []


def test_an_account_without_a_password_is_told_what_to_do(web, db, org_with_sso) -> None:
    elsewhere = lakeside_member(db)
    elsewhere.password_hash = None
    db.commit()
    response = run_flow(web)
    assert response.status_code == 409
    assert "Forgot your" in response.text
    assert "ask Riverbend" in response.text
    assert LINK_COOKIE not in web.client.cookies
    nothing_linked_nor_signed_in(web, db, elsewhere)


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
