"""Offline JSON-LD document loader serving the contexts bundled with this package."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources
from typing import Any

from badges.errors import UnknownContextError

_FILES: dict[str, str] = {
    "https://www.w3.org/ns/credentials/v2": "credentials-v2.jsonld",
    "https://www.w3.org/2018/credentials/v1": "credentials-v1.jsonld",
    "https://www.w3.org/ns/credentials/undefined-terms/v2": "credentials-undefined-terms-v2.jsonld",
    "https://www.w3.org/ns/credentials/examples/v2": "credentials-examples-v2.jsonld",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json": "ob_v3p0_context-3.0.3.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.2.json": "ob_v3p0_context-3.0.2.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.1.json": "ob_v3p0_context-3.0.1.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context.json": "ob_v3p0_context.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/context/ob_v3p0.jsonld": "ob_v3p0_context.json",
    "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json": "ob_v3p0_extensions.json",
    "https://w3id.org/security/data-integrity/v2": "data-integrity-v2.jsonld",
    "https://w3id.org/security/data-integrity/v1": "data-integrity-v1.jsonld",
    "https://w3id.org/security/multikey/v1": "multikey-v1.jsonld",
    "https://www.w3.org/ns/credentials/status/v1": "vc-bitstring-status-list-v1.jsonld",
    "https://w3id.org/vc/status-list/2021/v1": "vc-status-list-2021-v1.jsonld",
    "https://www.w3.org/ns/did/v1": "did-v1.jsonld",
    "https://w3id.org/security/suites/ed25519-2020/v1": "ed25519-signature-2020-v1.jsonld",
    "https://w3id.org/openbadges/v2": "openbadges_v2_context.json",
    "https://openbadgespec.org/v2/context.json": "openbadges_v2_context.json",
    "https://w3id.org/openbadges/v1": "openbadges_v1_context.json",
}

VC_V2 = "https://www.w3.org/ns/credentials/v2"
VC_V1 = "https://www.w3.org/2018/credentials/v1"
OB_V3 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
OB_EXTENSIONS = "https://purl.imsglobal.org/spec/ob/v3p0/extensions.json"
OB_CONTEXTS = (VC_V2, OB_V3, OB_EXTENSIONS)


def known_context_urls() -> frozenset[str]:
    """The context URLs this loader can serve."""
    return frozenset(_FILES)


def context_files() -> dict[str, str]:
    """URL -> filesystem path of every bundled context (for other tools' offline loaders)."""
    base = resources.files("badges.contexts")
    return {url: str(base.joinpath(name)) for url, name in _FILES.items()}


@cache
def load_context(url: str) -> dict[str, Any]:
    """Return the parsed bundled context for ``url``; raise UnknownContextError otherwise."""
    name = _FILES.get(url.split("#", 1)[0])
    if name is None:
        raise UnknownContextError(f"context not bundled, refusing to fetch: {url}")
    text = resources.files("badges.contexts").joinpath(name).read_text("utf-8")
    data: dict[str, Any] = json.loads(text)
    return data


def document_loader(url: str, _options: dict[str, Any] | None = None) -> dict[str, Any]:
    """pyld document loader: bundled contexts only, never the network."""
    return {
        "contentType": "application/ld+json",
        "contextUrl": None,
        "documentUrl": url,
        "document": load_context(url),
    }
