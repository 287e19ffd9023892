"""RDFC-1.0 (URDNA2015) canonicalization with pyld, offline, with processed contexts cached.

pyld re-processes the OB 3.0 type-scoped contexts on every document: each is processed
against a freshly cloned (non-propagated) active context with a new ``_uuid``, so pyld's own
per-active-context cache misses, and each inline context is JSON-canonicalized to build a
cache key. ``CachingProcessor`` memoizes ``_process_context`` on the identity of the (frozen,
immutable) active context and of the local context, so each distinct context is processed
once per process. Output is identical to plain pyld; ``canonicalize(..., cached=False)`` runs
plain pyld and the tests compare both.

The cached path also spends a :class:`~badges.budget.WorkBudget`: ``BoundedURDNA2015`` counts
Hash N-Degree Quads calls (RDFC-1.0 lets an implementation cap them; their number grows
factorially with blank nodes linked to each other), and the processor counts the duplicate
checks of pyld's node merging, which are quadratic in the values of one property. Both check
the budget's deadline as they go.
"""

from __future__ import annotations

import hashlib
import threading
from collections import OrderedDict
from typing import Any

from pyld import jsonld
from pyld.canon import URDNA2015
from pyld.identifier_issuer import IdentifierIssuer

from badges.budget import WorkBudget
from badges.errors import CanonicalizationError, TooComplexError, UnknownContextError
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


class _ContextMemo:
    """Processed contexts, shared by every processor of this process (thread-safe, bounded)."""

    def __init__(self) -> None:
        self.entries: OrderedDict[Any, tuple[Any, Any, Any]] = OrderedDict()
        self.lock = threading.Lock()

    def get(self, key: Any) -> Any:
        with self.lock:
            hit = self.entries.get(key)
        return None if hit is None else hit[2]

    def put(self, key: Any, value: tuple[Any, Any, Any]) -> None:
        with self.lock:
            self.entries[key] = value
            if len(self.entries) > _MEMO_SIZE:
                self.entries.popitem(last=False)


_MEMO = _ContextMemo()


class CachingProcessor(jsonld.JsonLdProcessor):  # type: ignore[misc]
    """A pyld processor that remembers processed contexts across documents and spends the
    budget of one canonicalization (one instance per call; the context memo is shared)."""

    def __init__(self, budget: WorkBudget | None = None) -> None:
        super().__init__(on_property_dropped=_refuse_dropped)
        self._budget = budget or WorkBudget()

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
        hit = _MEMO.get(key)
        if hit is not None:
            return hit
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
            _MEMO.put(key, (active_ctx, local_ctx, result))
        return result

    def _create_node_map(
        self,
        input_: Any,
        graph_map: Any,
        active_graph: Any,
        issuer: Any,
        active_subject: Any = None,
        active_property: Any = None,
        list_: Any = None,
    ) -> None:
        """pyld's node merging, charged for the duplicate checks it is about to make."""
        if isinstance(input_, dict):
            graph = graph_map.get(active_graph, {})
            self._budget.spend_value_comparisons(
                _merge_comparisons(input_, graph, issuer, active_subject, active_property, list_)
            )
        super()._create_node_map(
            input_, graph_map, active_graph, issuer, active_subject, active_property, list_
        )

    def canonical_nquads(self, document: dict[str, Any]) -> str:
        """``normalize`` (URDNA2015, N-Quads) with :class:`BoundedURDNA2015`: the same steps."""
        options = _options()
        to_rdf = {k: v for k, v in options.items() if k != "format"}
        dataset = self.to_rdf(document, {**to_rdf, "produceGeneralizedRdf": False})
        nquads: str = BoundedURDNA2015(self._budget).main(dataset, options)
        return nquads


def _values_of(node: Any, prop: Any) -> int:
    values = node.get(prop) if isinstance(node, dict) and isinstance(prop, str) else None
    return len(values) if isinstance(values, list) else 0


def _merge_comparisons(
    input_: dict[str, Any], graph: Any, issuer: Any, subject: Any, prop: Any, list_: Any
) -> int:
    """How many existing values pyld compares ``input_`` with (``has_value`` scans them all):
    its types against the node's types, and the value against the property's values."""
    node_id = input_.get("@id")
    node = graph.get(issuer.existing.get(node_id, node_id)) if isinstance(node_id, str) else None
    types = input_.get("@type")
    count = len(types) * (len(types) + _values_of(node, "@type")) if isinstance(types, list) else 0
    if list_ is not None:  # list members are appended, not compared
        return count
    if isinstance(subject, str):
        count += _values_of(graph.get(subject), prop)
    elif isinstance(subject, dict):  # a reverse property: the value is added to input_'s node
        count += _values_of(node, prop)
    return count


class BoundedURDNA2015(URDNA2015):  # type: ignore[misc]
    """pyld's URDNA2015, counting Hash N-Degree Quads calls against a budget (RDFC-1.0 §4.8
    allows capping them) and checking the deadline inside the permutation loops, where each
    related blank node is looked up in the canonical issuer."""

    def __init__(self, budget: WorkBudget) -> None:
        super().__init__()
        self._budget = budget
        self.canonical_issuer = _DeadlineIssuer("_:c14n", budget)

    def hash_n_degree_quads(self, id_: Any, issuer: Any) -> Any:
        self._budget.spend_hash_calls(1)
        return super().hash_n_degree_quads(id_, issuer)


class _DeadlineIssuer(IdentifierIssuer):  # type: ignore[misc]
    def __init__(self, prefix: str, budget: WorkBudget) -> None:
        super().__init__(prefix)
        self._budget = budget

    def has_id(self, old: Any) -> bool:
        self._budget.check_deadline()
        return bool(super().has_id(old))


def _options() -> dict[str, Any]:
    return {
        "algorithm": "URDNA2015",
        "format": "application/n-quads",
        "documentLoader": document_loader,
        "base": RELATIVE_BASE,
    }


def canonicalize(
    document: dict[str, Any], *, cached: bool = True, budget: WorkBudget | None = None
) -> str:
    """Return the RDFC-1.0 canonical N-Quads of a JSON-LD document (offline, safe mode).

    Undefined terms and relative IRIs (e.g. a type missing from the contexts) are errors,
    since pyld would otherwise drop or rebase them and leave them outside the signature.
    ``budget`` bounds the work (raises :class:`TooComplexError`); ``cached=False`` runs plain,
    unbounded pyld (the reference the tests compare with).
    """
    try:
        if cached:
            result = CachingProcessor(budget).canonical_nquads(document)
        else:
            plain = jsonld.JsonLdProcessor(on_property_dropped=_refuse_dropped)
            result = plain.normalize(document, _options())
    except jsonld.JsonLdError as exc:
        too_complex = _cause(exc, TooComplexError)
        if too_complex is not None:
            raise too_complex from exc
        raise CanonicalizationError(_reason(exc)) from exc
    except UnknownContextError as exc:
        raise CanonicalizationError(str(exc)) from exc
    except ValueError as exc:  # JCS of an @json literal refuses numbers JSON cannot hold (inf)
        raise CanonicalizationError(f"not canonicalizable: {exc}") from exc
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


def _cause(exc: BaseException, kind: type[TooComplexError]) -> TooComplexError | None:
    """The first exception of ``kind`` in a pyld error chain."""
    cur: BaseException | None = exc
    while cur is not None:
        if isinstance(cur, kind):
            return cur
        cur = cur.__cause__ or getattr(cur, "cause", None)
    return None


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


def canonical_hash(
    document: dict[str, Any], *, cached: bool = True, budget: WorkBudget | None = None
) -> bytes:
    """SHA-256 of the canonical N-Quads of ``document``."""
    nquads = canonicalize(document, cached=cached, budget=budget)
    return hashlib.sha256(nquads.encode("utf-8")).digest()
