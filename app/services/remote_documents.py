"""Fetching other issuers' DID documents, keys and status lists, safely.

Our own issuers' documents are read from the database (no HTTP). Everything else goes over
HTTPS with timeouts, a size cap, a redirect limit, a short cache, an optional mirror map for
air-gapped deployments, and refusal of private and loopback addresses (SSRF).
"""

from __future__ import annotations

import ipaddress
import json
import re
import socket
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Organization
from app.services import issuer, status_lists
from app.settings import Settings
from badges import ResolutionError

LOCAL_ROUTES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"/orgs/([a-z0-9-]+)/did\.json"), "did"),
    (re.compile(r"/orgs/([a-z0-9-]+)/jwks\.json"), "jwks"),
    (re.compile(r"/status/([a-z0-9-]+)/(\d+)"), "status"),
    (re.compile(r"/\.well-known/jwks\.json"), "all_jwks"),
]


class DocumentCache:
    """A small thread-safe time-to-live cache of fetched documents, shared by requests."""

    def __init__(self, ttl_seconds: float, max_entries: int = 1000) -> None:
        self.ttl = ttl_seconds
        self.max_entries = max_entries
        self._entries: dict[str, tuple[float, Any]] = {}
        self._lock = threading.Lock()

    def get_or_load(self, url: str, load: Callable[[str], Any]) -> Any:
        """The cached value for ``url``, loading (outside the lock) when missing or stale."""
        now = time.monotonic()
        with self._lock:
            hit = self._entries.get(url)
            if hit and hit[0] > now:
                return hit[1]
        value = load(url)
        with self._lock:
            if len(self._entries) >= self.max_entries:
                self._entries.clear()
            self._entries[url] = (now + self.ttl, value)
        return value


class RemoteDocuments:
    """The fetcher the ``badges`` verifier calls: URL in, parsed JSON (or JWS text) out."""

    def __init__(self, db: Session, settings: Settings, cache: DocumentCache) -> None:
        self.db = db
        self.settings = settings
        self.cache = cache
        self.base = urlsplit(settings.base_url)
        self._seen: dict[str, Any] = {}  # one verification's documents (no staleness across)
        self._orgs: dict[str, Organization | None] = {}

    def __call__(self, url: str) -> Any:
        if url not in self._seen:
            local = self._local(url)
            self._seen[url] = (
                local if local is not None else self.cache.get_or_load(url, self._fetch)
            )
        return self._seen[url]

    # Our own documents -------------------------------------------------------------------

    def is_local(self, url: str) -> bool:
        """Whether the URL names a document of this Laurel (any scheme, same host and path)."""
        parts = urlsplit(url)
        prefix = self.base.path.rstrip("/")
        return parts.netloc == self.base.netloc and parts.path.startswith(prefix + "/")

    def _local(self, url: str) -> Any:
        if not self.is_local(url):
            return None
        path = urlsplit(url).path[len(self.base.path.rstrip("/")) :]
        for pattern, kind in LOCAL_ROUTES:
            match = pattern.fullmatch(path)
            if match:
                return self._local_document(kind, match.groups(), url)
        raise ResolutionError(f"{url} is not a document this Laurel publishes")

    def _local_document(self, kind: str, groups: tuple[str, ...], url: str) -> Any:
        if kind == "all_jwks":
            orgs = list(self.db.scalars(select(Organization)))
            return issuer.jwks_for(self.db, self.settings, orgs)
        org = self.organization(groups[0])
        if org is None:
            raise ResolutionError(f"{url}: no such issuer on this Laurel")
        if kind == "did":
            return issuer.did_document_for(self.db, self.settings, org)
        if kind == "jwks":
            return issuer.jwks_for(self.db, self.settings, [org])
        document = status_lists.signed_list(self.db, org, int(groups[1]))
        if document is None:
            raise ResolutionError(f"{url}: no such status list")
        return document

    def organization(self, slug: str) -> Organization | None:
        """This Laurel's organization with the short name (looked up once per verification)."""
        if slug not in self._orgs:
            self._orgs[slug] = self.db.scalar(select(Organization).where(Organization.slug == slug))
        return self._orgs[slug]

    # Everything else ---------------------------------------------------------------------

    def _mirror(self, url: str) -> str | None:
        for prefix, mirror in self.settings.verify_mirrors.items():
            prefix = prefix.rstrip("/")
            if url == prefix or url.startswith(prefix + "/"):
                return mirror.rstrip("/") + url[len(prefix) :]
        return None

    def _fetch(self, url: str) -> Any:
        mirrored = self._mirror(url)
        target = mirrored or url
        s = self.settings
        with httpx.Client(timeout=s.verify_http_timeout_seconds, follow_redirects=False) as client:
            for _ in range(s.verify_max_redirects + 1):
                self._check_target(target, trusted=mirrored is not None)
                body, location = self._get(client, target)
                if location is None:
                    return _parse(body, url)
                target = urljoin(target, location)
        raise ResolutionError(f"{url}: more than {s.verify_max_redirects} redirects")

    def _check_target(self, url: str, *, trusted: bool) -> None:
        parts = urlsplit(url)
        allow_private = trusted or self.settings.verify_allow_private_addresses
        if parts.scheme != "https" and not allow_private:
            raise ResolutionError(f"{url}: only https:// addresses are fetched")
        if parts.scheme not in {"https", "http"} or not parts.hostname:
            raise ResolutionError(f"{url}: not an http(s) address")
        if not allow_private:
            _refuse_private(parts.hostname, parts.port or 443)

    def _get(self, client: httpx.Client, url: str) -> tuple[bytes, str | None]:
        limit = self.settings.verify_max_response_bytes
        try:
            with client.stream("GET", url, headers={"Accept": "application/json"}) as response:
                if response.is_redirect:
                    return b"", response.headers.get("location", "")
                if response.status_code != 200:
                    raise ResolutionError(f"{url}: HTTP {response.status_code}")
                body = bytearray()
                for chunk in response.iter_bytes():
                    body.extend(chunk)
                    if len(body) > limit:
                        raise ResolutionError(f"{url}: response larger than {limit} bytes")
                return bytes(body), None
        except httpx.HTTPError as exc:
            raise ResolutionError(f"{url}: {type(exc).__name__}") from exc


def _refuse_private(host: str, port: int) -> None:
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except OSError as exc:
        raise ResolutionError(f"{host}: cannot be resolved") from exc
    for info in infos:
        address = ipaddress.ip_address(info[4][0])
        if not address.is_global:
            raise ResolutionError(f"{host} resolves to a private or local address ({address})")


def _parse(body: bytes, url: str) -> Any:
    text = body.decode("utf-8", errors="replace").strip()
    if text.startswith(("{", "[")):
        try:
            return json.loads(text)
        except (ValueError, RecursionError) as exc:  # RecursionError: nested thousands deep
            raise ResolutionError(f"{url}: invalid JSON") from exc
    return text  # a JWS (e.g. a VC-JWT status list)
