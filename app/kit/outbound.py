"""The app's outbound fetchers, built from settings around ``badges.net`` (the one fetcher)."""

from __future__ import annotations

from app.settings import Settings
from badges.net import (
    AddressPolicy,
    FetchLimits,
    OutboundFetcher,
    Resolver,
    endpoint,
    system_resolver,
)


def verification_fetcher(
    settings: Settings, resolver: Resolver = system_resolver
) -> OutboundFetcher:
    """Other issuers' DID documents, JWKS, status lists and endorsements.

    Mirrors (``verify_mirrors``) are configured by the operator, so they may be private and http.
    """
    allow_private = settings.verify_allow_private_addresses
    policy = AddressPolicy(
        allow_private=allow_private,
        allow_http=allow_private,
        trusted=frozenset(endpoint(mirror) for mirror in settings.verify_mirrors.values()),
    )
    limits = FetchLimits(
        deadline_seconds=settings.verify_http_timeout_seconds,
        max_bytes=settings.verify_max_response_bytes,
        max_redirects=settings.verify_max_redirects,
    )
    return OutboundFetcher(policy, limits, resolver, mirrors=dict(settings.verify_mirrors))


def sso_fetcher(settings: Settings, resolver: Resolver = system_resolver) -> OutboundFetcher:
    """A sign-in provider's discovery document, JWKS and token endpoint (no redirects)."""
    policy = AddressPolicy(
        allow_private=settings.oidc_allow_private_addresses,
        allow_http=settings.oidc_allow_insecure_http,
    )
    limits = FetchLimits(
        deadline_seconds=settings.oidc_http_timeout_seconds,
        max_bytes=settings.oidc_max_response_bytes,
        max_redirects=0,
    )
    return OutboundFetcher(policy, limits, resolver)
