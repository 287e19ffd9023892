"""RDFC-1.0 (URDNA2015) canonicalization with pyld, offline, with processed contexts cached.

pyld re-processes the OB 3.0 type-scoped contexts on every document: each is processed
against a freshly cloned (non-propagated) active context with a new ``_uuid``, so pyld's own
per-active-context cache misses, and each inline context is JSON-canonicalized to build a
cache key. ``CachingProcessor`` memoizes ``_process_context`` on the identity of the (frozen,
immutable) active context and of the local context, so each distinct context is processed
once per process. Output is identical to plain pyld; ``canonicalize(..., cached=False)`` runs
plain pyld and the tests compare both.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from typing import Any

from pyld import jsonld

from badges.errors import CanonicalizationError, UnknownContextError
from badges.loader import document_loader

_MEMO_SIZE = 4096
# Relative IRIs are resolved against this base, then refused (like jsonld.js "safe mode").
RELATIVE_BASE = "https://relative-iri.invalid/"


def _ctx_key(local_ctx: Any) -> Any:
    """A hashable identity for a local context: URLs by value, objects by identity."""
    if isinstance(local_ctx, str):
        return local_ctx
    if isinstance(local_ctx, list):
        return tuple(_ctx_key(c) for c in local_ctx)
    return ("id", id(local_ctx))


def _refuse_dropped(term: Any) -> None:
    """Safe mode: a term the contexts do not define would be silently left unsigned."""
    raise CanonicalizationError(f"undefined term {term!r} (not in any @context)")


class CachingProcessor(jsonld.JsonLdProcessor):  # type: ignore[misc]
    """A pyld processor that remembers processed contexts across documents."""

    def __init__(self) -> None:
        super().__init__(on_property_dropped=_refuse_dropped)
        self._memo: OrderedDict[Any, tuple[Any, Any, Any]] = OrderedDict()
        self._lock = threading.Lock()

    def _process_context(
        self,
        active_ctx: Any,
        local_ctx: Any,
        options: Any,
        override_protected: bool = False,
        propagate: bool = True,
        validate_scoped: bool = True,
        cycles: Any = None,
    ) -> Any:
        uid = active_ctx.get("_uuid") if isinstance(active_ctx, jsonld.frozendict) else None
        if uid is None:
            return super()._process_context(
                active_ctx,
                local_ctx,
                options,
                override_protected,
                propagate,
                validate_scoped,
                cycles,
            )
        key = (uid, _ctx_key(local_ctx), override_protected, propagate, validate_scoped)
        with self._lock:
            hit = self._memo.get(key)
        if hit is not None:
            return hit[2]
        result = super()._process_context(
            active_ctx,
            local_ctx,
            options,
            override_protected,
            propagate,
            validate_scoped,
            cycles,
        )
        if isinstance(result, jsonld.frozendict):
            self._remember(key, (active_ctx, local_ctx, result))
        return result

    def _remember(self, key: Any, value: tuple[Any, Any, Any]) -> None:
        with self._lock:
            self._memo[key] = value
            if len(self._memo) > _MEMO_SIZE:
                self._memo.popitem(last=False)


_PROCESSOR = CachingProcessor()


def _options() -> dict[str, Any]:
    return {
        "algorithm": "URDNA2015",
        "format": "application/n-quads",
        "documentLoader": document_loader,
        "base": RELATIVE_BASE,
    }


def canonicalize(document: dict[str, Any], *, cached: bool = True) -> str:
    """Return the RDFC-1.0 canonical N-Quads of a JSON-LD document (offline, safe mode).

    Undefined terms and relative IRIs (e.g. a type missing from the contexts) are errors,
    since pyld would otherwise drop or rebase them and leave them outside the signature.
    """
    processor = (
        _PROCESSOR if cached else jsonld.JsonLdProcessor(on_property_dropped=_refuse_dropped)
    )
    try:
        result: str = processor.normalize(document, _options())
    except jsonld.JsonLdError as exc:
        raise CanonicalizationError(_reason(exc)) from exc
    except UnknownContextError as exc:
        raise CanonicalizationError(str(exc)) from exc
    if "<" + RELATIVE_BASE in result and _has_relative_iri(result):
        raise CanonicalizationError("relative IRI reference (an undefined @type or @id?)")
    return result


def _has_relative_iri(nquads: str) -> bool:
    """Exact check (rarely needed): does an IRI term, not a literal, use the sentinel base?"""
    for quads in jsonld.JsonLdProcessor.parse_nquads(nquads).values():
        for quad in quads:
            for term in (
                quad["subject"],
                quad["predicate"],
                quad["object"],
                quad.get("graph") or {},
            ):
                if term.get("type") == "IRI" and str(term["value"]).startswith(RELATIVE_BASE):
                    return True
                if term.get("datatype", "").startswith(RELATIVE_BASE):
                    return True
    return False


def _reason(exc: BaseException) -> str:
    """The innermost useful message of a pyld error chain."""
    messages = []
    cur: BaseException | None = exc
    while cur is not None:
        if isinstance(cur, UnknownContextError | CanonicalizationError):
            return str(cur)
        msg = getattr(cur, "message", None) or str(cur)
        messages.append(str(msg).splitlines()[0])
        cur = cur.__cause__ or getattr(cur, "cause", None)
    return messages[-1] if messages else "JSON-LD processing failed"


def canonical_hash(document: dict[str, Any], *, cached: bool = True) -> bytes:
    """SHA-256 of the canonical N-Quads of ``document``."""
    return hashlib.sha256(canonicalize(document, cached=cached).encode("utf-8")).digest()
