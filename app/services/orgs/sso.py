"""Single sign-on with OpenID Connect (authorization code + PKCE via Authlib)."""

from __future__ import annotations

import uuid
import warnings
from dataclasses import dataclass
from typing import Any

import httpx
from authlib.deprecate import AuthlibDeprecationWarning
from itsdangerous import BadSignature, URLSafeTimedSerializer
from joserfc import jwt
from joserfc.errors import BadSignatureError, InvalidClaimError, JoseError, MissingClaimError
from joserfc.jwk import KeySet
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db import utcnow
from app.errors import Conflict, Forbidden, Invalid, NotFound
from app.kit import audit, links, mail, outbound, urls
from app.kit.tokens import SecretBox, new_token
from app.models import OidcIdentity, OidcProvider, Organization, Role, User
from app.services import policy
from app.services.identity.accounts import find_by_email, normalize_email
from app.services.orgs import organizations
from app.settings import Settings
from badges.net import FetchError

with warnings.catch_warnings():  # Authlib prefers the httpx2 fork; we use httpx, as pinned.
    warnings.simplefilter("ignore", AuthlibDeprecationWarning)
    from authlib.integrations.base_client.errors import OAuthError
    from authlib.integrations.httpx_client import OAuth2Client

STATE_MAX_AGE = 600
LINK_MAX_AGE = 600
ID_TOKEN_ALGORITHMS = ["RS256", "ES256", "PS256"]


@dataclass(frozen=True)
class SsoStart:
    """Where to send the browser, and the signed state to keep in a short-lived cookie."""

    authorization_url: str
    state_cookie: str


@dataclass(frozen=True)
class PendingLink:
    """A provider identity whose e-mail matches an account that SSO may not take over unasked:
    the account's owner confirms the link by signing in with their password."""

    provider_id: uuid.UUID
    subject: str
    user_id: uuid.UUID
    email: str
    organization_name: str


def _box(settings: Settings) -> SecretBox:
    return SecretBox(settings.secret, "oidc-client-secret")


def _serializer(settings: Settings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.secret, salt="laurel-sso-state")


def redirect_uri(settings: Settings) -> str:
    """The callback URL to register with the provider."""
    return links.SSO_CALLBACK.absolute(settings.base_url)


def provider_for(db: Session, org: Organization) -> OidcProvider | None:
    """The organization's provider configuration, if any."""
    return db.scalar(select(OidcProvider).where(OidcProvider.organization_id == org.id))


def configure_provider(
    db: Session,
    settings: Settings,
    org: Organization,
    actor: User,
    *,
    label: str,
    issuer_url: str,
    client_id: str,
    client_secret: str,
    enabled: bool,
) -> OidcProvider:
    """Create or update the organization's provider (admins); the secret is stored encrypted."""
    issuer = _check_url(settings, issuer_url.strip().rstrip("/"), field="issuer_url")
    if not client_id.strip():
        raise Invalid("Enter the client ID the provider gave you.", field="client_id")
    provider = provider_for(db, org)
    if provider is None:
        if not client_secret:
            raise Invalid("Enter the client secret the provider gave you.", field="client_secret")
        provider = OidcProvider(organization_id=org.id, client_secret_encrypted="")
        db.add(provider)
    provider.label = label.strip() or org.name
    provider.issuer_url = issuer
    provider.client_id = client_id.strip()
    provider.enabled = enabled
    if client_secret:
        provider.client_secret_encrypted = _box(settings).encrypt(client_secret)
    db.flush()
    audit.record(
        db,
        "sso.configured",
        actor_id=actor.id,
        organization_id=org.id,
        target_type="oidc_provider",
        target_id=provider.id,
        issuer=issuer,
    )
    return provider


def _check_url(settings: Settings, url: str, *, field: str | None = None) -> str:
    allowed = frozenset({"https"} | ({"http"} if settings.oidc_allow_insecure_http else set()))
    if not urls.is_web(url, allowed):
        raise Invalid("The provider address must be an https:// URL.", field=field)
    return url


def _get_json(settings: Settings, url: str) -> dict[str, Any]:
    _check_url(settings, url)
    try:
        data = outbound.sso_fetcher(settings)(url)
    except FetchError as exc:
        raise Invalid(f"The sign-in provider could not be reached: {exc}") from exc
    if not isinstance(data, dict):
        raise Invalid("The sign-in provider answered with something other than a JSON object.")
    return data


def _discover(settings: Settings, provider: OidcProvider) -> dict[str, Any]:
    meta = _get_json(settings, f"{provider.issuer_url}/.well-known/openid-configuration")
    if meta.get("issuer") != provider.issuer_url:
        raise Invalid("The sign-in provider's discovery document names a different issuer.")
    for key in ("authorization_endpoint", "token_endpoint", "jwks_uri"):
        if not isinstance(meta.get(key), str):
            raise Invalid(f"The sign-in provider's discovery document lacks {key}.")
    return meta


def _client(settings: Settings, provider: OidcProvider) -> OAuth2Client:
    return OAuth2Client(
        client_id=provider.client_id,
        client_secret=_box(settings).decrypt(provider.client_secret_encrypted),
        scope="openid email profile",
        redirect_uri=redirect_uri(settings),
        code_challenge_method="S256",
        timeout=settings.oidc_http_timeout_seconds,
        transport=outbound.sso_fetcher(settings).transport(),
        trust_env=False,
    )


def start_sign_in(db: Session, settings: Settings, org: Organization, next_url: str) -> SsoStart:
    """Build the provider's authorization URL with state, nonce and a PKCE challenge."""
    provider = provider_for(db, org)
    if provider is None or not provider.enabled:
        raise NotFound(f"{org.name} has not set up single sign-on.")
    meta = _discover(settings, provider)
    state, nonce, verifier = new_token(), new_token(), new_token(48)
    with _client(settings, provider) as client:
        url, _ = client.create_authorization_url(
            meta["authorization_endpoint"], state=state, nonce=nonce, code_verifier=verifier
        )
    cookie = _serializer(settings).dumps(
        {"p": str(provider.id), "s": state, "n": nonce, "v": verifier, "next": next_url}
    )
    return SsoStart(authorization_url=url, state_cookie=cookie)


def _load_state(settings: Settings, cookie: str | None, state: str | None) -> dict[str, str]:
    if not cookie:
        raise Invalid("Your sign-in took too long or cookies are blocked. Start again.")
    try:
        data: dict[str, str] = _serializer(settings).loads(cookie, max_age=STATE_MAX_AGE)
    except BadSignature as exc:
        raise Invalid("Your sign-in took too long or was tampered with. Start again.") from exc
    if not state or state != data["s"]:
        raise Invalid("The sign-in answer does not match the request we sent. Start again.")
    return data


def verify_id_token(
    id_token: str, jwks: dict[str, Any], *, issuer: str, client_id: str, nonce: str
) -> dict[str, Any]:
    """Check the ID token's signature and claims; raise Invalid naming what is wrong."""
    try:
        keys = KeySet.import_key_set(jwks)  # type: ignore[arg-type]
        token = jwt.decode(id_token, keys, algorithms=ID_TOKEN_ALGORITHMS)
        jwt.JWTClaimsRegistry(
            iss={"essential": True, "value": issuer},
            aud={"essential": True, "value": client_id},
            sub={"essential": True},
            exp={"essential": True},
            nonce={"essential": True, "value": nonce},
        ).validate(token.claims)
    except BadSignatureError as exc:
        raise Invalid(
            "The provider's identity token has a bad signature; sign-in refused."
        ) from exc
    except (InvalidClaimError, MissingClaimError) as exc:
        claim = getattr(exc, "claim", "")
        reason = "wrong audience" if claim == "aud" else f"bad '{claim}' claim"
        raise Invalid(f"The provider's identity token is not for Laurel ({reason}).") from exc
    except (JoseError, ValueError) as exc:
        raise Invalid(f"The provider's identity token could not be read ({exc}).") from exc
    return dict(token.claims)


def complete_sign_in(
    db: Session, settings: Settings, *, cookie: str | None, params: dict[str, str]
) -> tuple[User | PendingLink, str]:
    """Finish the code flow and verify the ID token; return the next URL and the signed-in
    user, or the link that the existing account's owner must confirm with their password."""
    if params.get("error"):
        description = params.get("error_description") or params["error"]
        raise Invalid(f"The sign-in provider refused: {description}")
    data = _load_state(settings, cookie, params.get("state"))
    provider = db.get(OidcProvider, uuid.UUID(data["p"]))
    if provider is None or not provider.enabled:
        raise NotFound("This organization's single sign-on is no longer available.")
    meta = _discover(settings, provider)
    try:
        with _client(settings, provider) as client:
            token = client.fetch_token(
                meta["token_endpoint"], code=params.get("code", ""), code_verifier=data["v"]
            )
    except FetchError as exc:
        raise Invalid(f"The sign-in provider could not be reached: {exc}") from exc
    except (OAuthError, httpx.HTTPError, ValueError) as exc:
        raise Invalid(f"The sign-in provider did not accept the sign-in ({exc}).") from exc
    if "id_token" not in token:
        raise Invalid("The sign-in provider did not send an identity token.")
    jwks = _get_json(settings, meta["jwks_uri"])
    claims = verify_id_token(
        token["id_token"],
        jwks,
        issuer=provider.issuer_url,
        client_id=provider.client_id,
        nonce=data["n"],
    )
    return _link_account(db, settings, provider, claims), data.get("next") or "/"


def _link_account(
    db: Session, settings: Settings, provider: OidcProvider, claims: dict[str, Any]
) -> User | PendingLink:
    subject = str(claims["sub"])
    identity = _identity(db, provider.id, subject)
    if identity is not None:
        user = db.get_one(User, identity.user_id)
    else:
        email = _verified_email(claims)
        existing = find_by_email(db, email)
        if existing is not None and not policy.sso_may_link_by_email(
            existing,
            provider.organization_id,
            owns_domain=organizations.owns_email_domain(db, provider.organization, email),
        ):
            return _pending_link(db, provider, subject, existing)
        user = existing or _new_account(db, email, claims)
        if user.email_verified_at is None:
            user.email_verified_at = utcnow()
        _create_identity(db, settings, provider, subject, user, method="email", notify=existing)
    _check_may_use_sso(user)
    _join(db, provider, user)
    audit.record(
        db,
        "account.sso_sign_in",
        actor_id=user.id,
        organization_id=provider.organization_id,
        target_type="user",
        target_id=user.id,
    )
    return user


def _identity(db: Session, provider_id: uuid.UUID, subject: str) -> OidcIdentity | None:
    return db.scalar(
        select(OidcIdentity).where(
            OidcIdentity.provider_id == provider_id, OidcIdentity.subject == subject
        )
    )


def _verified_email(claims: dict[str, Any]) -> str:
    if not claims.get("email"):
        raise Invalid("The provider did not share your e-mail address, so we cannot sign you in.")
    if claims.get("email_verified") is not True:
        raise Invalid(
            "Your provider has not verified your e-mail address, so Laurel cannot link it to "
            "an account. Verify it with your provider, or sign in with a password."
        )
    return normalize_email(str(claims["email"]))


def _new_account(db: Session, email: str, claims: dict[str, Any]) -> User:
    name = str(claims.get("name") or email.split("@")[0])[:120]
    user = User(email=email, display_name=name, password_hash=None)
    db.add(user)
    db.flush()
    return user


def _check_may_use_sso(user: User) -> None:
    if user.is_platform_admin:
        raise Forbidden(
            "This e-mail belongs to a Laurel platform administrator. Platform administrators "
            "sign in with their password, never through an organization's single sign-on."
        )
    if not user.is_active:
        raise Invalid("This account has been deactivated. Contact your administrator.")


def _pending_link(db: Session, provider: OidcProvider, subject: str, user: User) -> PendingLink:
    """The link to confirm with the account's password, or a refusal saying what to do."""
    _check_may_use_sso(user)
    org_name = provider.organization.name
    if not user.password_hash:
        raise Conflict(
            f"This e-mail already has a Laurel account, which signs in another way (such as "
            f"another organization's single sign-on). Keep signing in that way, ask {org_name}'s "
            f"administrator to invite that account, or set a password with 'Forgot your "
            f"password?' and then use {org_name} single sign-on again to link it."
        )
    audit.record(
        db,
        "sso.link_held",
        actor_id=None,
        organization_id=provider.organization_id,
        target_type="user",
        target_id=user.id,
    )
    return PendingLink(
        provider_id=provider.id,
        subject=subject,
        user_id=user.id,
        email=user.email,
        organization_name=org_name,
    )


def _create_identity(
    db: Session,
    settings: Settings,
    provider: OidcProvider,
    subject: str,
    user: User,
    *,
    method: str,
    notify: User | None,
) -> None:
    """Link the provider's subject to the account, audited; tell an existing account's owner."""
    db.add(OidcIdentity(provider_id=provider.id, subject=subject, user_id=user.id))
    db.flush()
    audit.record(
        db,
        "sso.linked",
        actor_id=user.id,
        organization_id=provider.organization_id,
        target_type="user",
        target_id=user.id,
        method=method,
    )
    if notify is not None:
        mail.queue_email(
            db, settings, user.email, "sso_linked", user=user, org=provider.organization
        )


def _join(db: Session, provider: OidcProvider, user: User) -> None:
    if not any(m.organization_id == provider.organization_id for m in user.memberships):
        organizations.add_member(db, provider.organization, user, Role.TEACHER)


def _link_serializer(settings: Settings) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(settings.secret, salt="laurel-sso-pending-link")


def pending_link_cookie(settings: Settings, pending: PendingLink) -> str:
    """The signed value of the short-lived cookie that carries a link to confirm."""
    return _link_serializer(settings).dumps(
        {"p": str(pending.provider_id), "s": pending.subject, "u": str(pending.user_id)}
    )


def read_pending_link(db: Session, settings: Settings, cookie: str | None) -> PendingLink | None:
    """The link waiting in this browser, if its cookie is genuine, fresh and still applies."""
    if not cookie:
        return None
    try:
        data = _link_serializer(settings).loads(cookie, max_age=LINK_MAX_AGE)
        provider = db.get(OidcProvider, uuid.UUID(data["p"]))
        user = db.get(User, uuid.UUID(data["u"]))
        subject = str(data["s"])
    except (BadSignature, KeyError, TypeError, ValueError):
        return None
    if provider is None or not provider.enabled or user is None:
        return None
    if _identity(db, provider.id, subject) is not None:
        return None
    return PendingLink(
        provider_id=provider.id,
        subject=subject,
        user_id=user.id,
        email=user.email,
        organization_name=provider.organization.name,
    )


def confirm_pending_link(db: Session, settings: Settings, pending: PendingLink, user: User) -> bool:
    """After ``user`` signed in with a password: link the identity if it was waiting for them."""
    if user.id != pending.user_id or user.is_platform_admin:
        return False
    provider = db.get_one(OidcProvider, pending.provider_id)
    _create_identity(db, settings, provider, pending.subject, user, method="password", notify=user)
    _join(db, provider, user)
    return True
