"""Single sign-on with OpenID Connect (authorization code + PKCE via Authlib): the provider's
configuration and the sign-in flow; ``sso_links`` links the provider's identity to an account."""

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

from app.errors import Invalid, NotFound
from app.kit import audit, links, outbound, urls
from app.kit.tokens import SecretBox, new_token
from app.models import OidcProvider, Organization, User
from app.services.orgs.sso_links import PendingLink, link_account
from app.settings import Settings
from badges.net import FetchError, Resolver, system_resolver

with warnings.catch_warnings():  # Authlib prefers the httpx2 fork; we use httpx, as pinned.
    warnings.simplefilter("ignore", AuthlibDeprecationWarning)
    from authlib.integrations.base_client.errors import OAuthError
    from authlib.integrations.httpx_client import OAuth2Client

STATE_MAX_AGE = 600
ID_TOKEN_ALGORITHMS = ["RS256", "ES256", "PS256"]


@dataclass(frozen=True)
class SsoStart:
    """Where to send the browser, and the signed state to keep in a short-lived cookie."""

    authorization_url: str
    state_cookie: str


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
        provider,
        actor=actor,
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


@dataclass(frozen=True)
class ConnectionCheck:
    """What testing a provider's address found, in plain words; nothing is saved."""

    issuer: str
    findings: tuple[tuple[bool, str], ...]

    @property
    def ok(self) -> bool:
        """Every finding is good: the provider can be saved and used as it is."""
        return all(good for good, _ in self.findings)


ENDPOINTS = (
    ("authorization_endpoint", "where to send people to sign in (authorization endpoint)"),
    ("token_endpoint", "where Laurel exchanges the sign-in code (token endpoint)"),
    ("jwks_uri", "the provider's signing keys (jwks_uri)"),
)


def check_connection(
    settings: Settings, issuer_url: str, *, resolver: Resolver = system_resolver
) -> ConnectionCheck:
    """Fetch the issuer's discovery document through the SSO fetcher and say whether it is
    reachable and consistent (issuer matches, has the three endpoints). Saves nothing; the
    caller checks who may ask (organization admins). Invalid for an address that is not one."""
    issuer = _check_url(settings, issuer_url.strip().rstrip("/"), field="issuer_url")
    address = f"{issuer}/.well-known/openid-configuration"
    try:
        meta = outbound.sso_fetcher(settings, resolver)(address)
    except FetchError as exc:
        return ConnectionCheck(issuer, ((False, f"Laurel could not reach {address}: {exc}."),))
    if not isinstance(meta, dict):
        return ConnectionCheck(
            issuer,
            ((False, f"{address} answered, but not with a discovery document (a JSON object)."),),
        )
    findings = [(True, f"Laurel reached the provider's discovery document at {address}.")]
    named = meta.get("issuer")
    if named == issuer:
        findings.append((True, "The document names this same issuer."))
    else:
        findings.append(
            (
                False,
                f"The document names a different issuer ({str(named)[:200]!r}); enter exactly "
                "the issuer the provider names.",
            )
        )
    for key, words in ENDPOINTS:
        if isinstance(meta.get(key), str) and meta[key]:
            findings.append((True, f"It lists {words}."))
        else:
            findings.append((False, f"It does not list {words}."))
    return ConnectionCheck(issuer, tuple(findings))


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
    return link_account(db, settings, provider, claims), data.get("next") or "/"
