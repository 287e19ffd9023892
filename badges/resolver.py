"""Resolving verification methods and issuer keys. Fetching is delegated to the caller."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Protocol
from urllib.parse import urlsplit

from badges.dids import did_web_url, method_public_key, resolve_did_key
from badges.errors import KeyMaterialError, ProofError, ResolutionError
from badges.keys import PublicKey, jwk_to_public_key, multikey_decode

Fetcher = Callable[[str], Any]
"""Return the parsed JSON (or JWS text) at an https URL; raise ResolutionError if unavailable."""


@dataclass(frozen=True)
class ResolvedKey:
    """A public key with the identity that controls it."""

    id: str
    controller: str
    public_key: PublicKey
    purposes: frozenset[str] = field(default_factory=frozenset)
    source: str = "document"


class KeyResolver(Protocol):
    """What the verifier needs to find keys. :class:`DocumentKeyResolver` implements it."""

    def resolve_method(self, method_id: str) -> ResolvedKey:
        """The key of a verification method id (DID URL or https URL)."""
        ...

    def issuer_keys(self, issuer_id: str) -> list[ResolvedKey]:
        """Every key the issuer publishes (DID document or JWKS)."""
        ...


def _no_fetch(url: str) -> Any:
    raise ResolutionError(f"offline: not fetching {url}")


class DocumentKeyResolver:
    """Resolves did:key offline, and did:web / https keys through a fetch function.

    ``documents`` pre-loads URL → JSON (tests, mirrors). ``trust_fragment_keys`` accepts an
    https verification method ``https://issuer/x#z6Mk…`` whose key is the fragment itself (the
    1EdTech validator's rule); off by default, since nothing then confirms the issuer holds it.
    """

    def __init__(
        self,
        fetch: Fetcher | None = None,
        documents: Mapping[str, Any] | None = None,
        *,
        trust_fragment_keys: bool = False,
    ) -> None:
        self._fetch = fetch or _no_fetch
        self._documents = dict(documents or {})
        self.trust_fragment_keys = trust_fragment_keys

    def fetch(self, url: str) -> Any:
        """A pre-loaded document, else the fetch function's answer."""
        if url in self._documents:
            return self._documents[url]
        return self._fetch(url)

    def resolve_method(self, method_id: str) -> ResolvedKey:
        """See :class:`KeyResolver`."""
        base, _, frag = method_id.partition("#")
        if base.startswith("did:key:"):
            mid = method_id if frag else f"{base}#{base.removeprefix('did:key:')}"
            return _find(_did_key_methods(base), mid, "did:key")
        if base.startswith("did:web:"):
            return _find(_methods(self._document(did_web_url(base))), method_id, "did:web")
        if base.startswith("https://") and frag:
            return self._https_method(base, frag, method_id)
        raise ResolutionError(f"cannot resolve verification method {method_id!r}")

    def _https_method(self, base: str, frag: str, method_id: str) -> ResolvedKey:
        if self.trust_fragment_keys and frag.startswith("z6Mk"):
            try:
                key = multikey_decode(frag)
            except KeyMaterialError as exc:
                raise ResolutionError(str(exc)) from exc
            return ResolvedKey(method_id, base, key, frozenset({"assertionMethod"}), "fragment")
        return _find(_methods(self._document(base)), method_id, "controller document")

    def issuer_keys(self, issuer_id: str) -> list[ResolvedKey]:
        """See :class:`KeyResolver`."""
        if issuer_id.startswith("did:key:"):
            return list(_did_key_methods(issuer_id.split("#", 1)[0]).values())
        if issuer_id.startswith("did:web:"):
            return list(_methods(self._document(did_web_url(issuer_id))).values())
        if issuer_id.startswith("https://"):
            parts = urlsplit(issuer_id)
            doc = self._document(f"https://{parts.netloc}/.well-known/jwks.json")
            return _jwks_keys(doc, issuer_id)
        raise ResolutionError(f"cannot find keys for issuer {issuer_id!r}")

    def _document(self, url: str) -> dict[str, Any]:
        try:
            doc = self.fetch(url)
        except ResolutionError:
            raise
        except Exception as exc:  # the app's fetcher may raise anything (HTTP client errors)
            raise ResolutionError(f"could not fetch {url}: {exc}") from exc
        if not isinstance(doc, dict):
            raise ResolutionError(f"{url} is not a JSON object")
        return doc


_MEMO: OrderedDict[int, tuple[dict[str, Any], dict[str, ResolvedKey]]] = OrderedDict()
_MEMO_LOCK = threading.Lock()


def _methods(doc: dict[str, Any]) -> dict[str, ResolvedKey]:
    """Verification methods of a document, memoized on the document object.

    Entries hold a reference to the document, so an ``id()`` is never reused while cached;
    a fetcher that returns a new object (for example after a key rotation) is re-parsed.
    """
    with _MEMO_LOCK:
        hit = _MEMO.get(id(doc))
    if hit is not None and hit[0] is doc:
        return hit[1]
    methods = _parse_methods(doc)
    with _MEMO_LOCK:
        _MEMO[id(doc)] = (doc, methods)
        if len(_MEMO) > 256:
            _MEMO.popitem(last=False)
    return methods


@lru_cache(maxsize=1024)
def _did_key_methods(did: str) -> dict[str, ResolvedKey]:
    return _parse_methods(resolve_did_key(did))


def _parse_methods(doc: dict[str, Any]) -> dict[str, ResolvedKey]:
    """Verification methods of a DID/controller document, by absolute id."""
    did = str(doc.get("id", ""))
    purposes: dict[str, set[str]] = {}
    raw: dict[str, dict[str, Any]] = {}
    for rel in ("verificationMethod", "assertionMethod", "authentication"):
        for entry in _as_list(doc.get(rel)):
            mid = _absolute(did, entry if isinstance(entry, str) else str(entry.get("id", "")))
            if isinstance(entry, dict):
                raw[mid] = entry
            if rel != "verificationMethod":
                purposes.setdefault(mid, set()).add(rel)
    out = {}
    for mid, method in raw.items():
        try:
            key = method_public_key(method)
        except KeyMaterialError:
            continue
        controller = str(method.get("controller", did))
        out[mid] = ResolvedKey(mid, controller, key, frozenset(purposes.get(mid, ())), "document")
    return out


def _find(methods: dict[str, ResolvedKey], method_id: str, where: str) -> ResolvedKey:
    if method_id not in methods:  # the document was read: this is a definite failure
        raise ProofError(f"{method_id} is not in the {where} document")
    return methods[method_id]


def _jwks_keys(doc: dict[str, Any], issuer_id: str) -> list[ResolvedKey]:
    keys = []
    for jwk in _as_list(doc.get("keys")):
        try:
            key = jwk_to_public_key(dict(jwk))
        except (KeyMaterialError, TypeError, ValueError):
            continue
        kid = str(jwk.get("kid", ""))
        keys.append(ResolvedKey(kid, issuer_id, key, frozenset({"assertionMethod"}), "jwks"))
    return keys


def _absolute(did: str, mid: str) -> str:
    return f"{did}{mid}" if mid.startswith("#") else mid


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]
