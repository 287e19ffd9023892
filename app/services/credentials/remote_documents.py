"""Other issuers' DID documents, keys and status lists for one verification.

Our own issuers' documents are read from the database (no HTTP). Everything else goes through
the one outbound fetcher (``badges.net``, built by ``app.kit.outbound``: checked addresses,
a total deadline, size and redirect caps, mirrors), at most ``verify_max_fetches`` times per
verification, with a short cache shared by requests.
"""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.models import Organization
from app.services.credentials import issuer, status_lists
from app.settings import Settings
from badges import ResolutionError
from badges.net import FetchBudget, OutboundFetcher

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

    def __init__(
        self, db: Session, settings: Settings, cache: DocumentCache, fetcher: OutboundFetcher
    ) -> None:
        self.db = db
        self.settings = settings
        self.cache = cache
        self._fetch = FetchBudget(
            fetcher, settings.verify_max_fetches, settings.verify_fetch_budget_seconds
        )
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
