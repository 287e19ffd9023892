"""Credentials that are cheap to send and costly to canonicalize, and a counter of the work.

The proofs are well formed and name the issuer's did:key, so every cheap check passes; the
signature is all zeros, which the verifier can only find out after canonicalizing.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import base58
from pyld import canon, jsonld

from badges import (
    Achievement,
    Alignment,
    Criteria,
    KeyPair,
    Profile,
    build_credential,
    build_endorsement,
    did_key,
    did_key_method_id,
)
from badges.dataintegrity import proof_options


def _unsigned(issued: datetime, alignments: int = 0) -> tuple[dict[str, Any], str]:
    did = did_key(KeyPair.generate())
    achievement = Achievement(
        id="https://other.example/achievements/1",
        name="Graph Theory",
        description="Links things.",
        criteria=Criteria(narrative="Link them all."),
        alignment=[
            Alignment(target_name=f"T{i}", target_url=f"https://standards.example/{i}")
            for i in range(alignments)
        ]
        or None,
    )
    credential = build_credential(
        issuer=Profile(id=did, name="Anonymous"),
        achievement=achievement,
        recipient_email="t@example.org",
        valid_from=issued,
    ).to_json()
    return credential, did


def _with_bogus_proof(credential: dict[str, Any], did: str, issued: datetime) -> dict[str, Any]:
    zeros = "z" + base58.b58encode(bytes(64)).decode("ascii")
    proof = proof_options(did_key_method_id(did), issued) | {"proofValue": zeros}
    return credential | {"proof": [proof]}


def _linked(blank_nodes: int) -> list[dict[str, Any]]:
    """Blank nodes each linked to all the others (``aud`` is an ``@id`` term of VC 2.0)."""
    return [
        {"id": f"_:n{i}", "aud": [f"_:n{j}" for j in range(blank_nodes) if j != i]}
        for i in range(blank_nodes)
    ]


def interlinked(blank_nodes: int, issued: datetime) -> dict[str, Any]:
    """A schema-valid credential whose subject links ``blank_nodes`` blank nodes to each other."""
    credential, did = _unsigned(issued)
    credential["credentialSubject"]["aud"] = _linked(blank_nodes)
    return _with_bogus_proof(credential, did, issued)


def interlinked_endorsement(blank_nodes: int, issued: datetime) -> dict[str, Any]:
    """The same, as an EndorsementCredential (to embed in another credential)."""
    did = did_key(KeyPair.generate())
    endorsement = build_endorsement(
        issuer=Profile(id=did, name="Anonymous"),
        subject_id="https://other.example/achievements/1",
        comment="Linked.",
        valid_from=issued,
    ).to_json()
    endorsement["credentialSubject"]["aud"] = _linked(blank_nodes)
    return _with_bogus_proof(endorsement, did, issued)


def many_alignments(count: int, issued: datetime) -> dict[str, Any]:
    """A schema-valid credential whose achievement has ``count`` alignments (pyld compares
    each new value of a property with all the earlier ones)."""
    credential, did = _unsigned(issued, count)
    return _with_bogus_proof(credential, did, issued)


@dataclass
class Work:
    """What pyld did: Hash N-Degree Quads calls and value comparisons."""

    hash_calls: int = 0
    comparisons: int = 0


@contextmanager
def counting_pyld_work(monkeypatch: Any) -> Iterator[Work]:
    """Count, inside pyld itself, the N-degree hash calls and value comparisons it performs."""
    work = Work()
    hash_n_degree = canon.URDNA2015.hash_n_degree_quads
    compare = jsonld.JsonLdProcessor.compare_values

    def counted_hash(self: Any, *args: Any) -> Any:
        work.hash_calls += 1
        return hash_n_degree(self, *args)

    def counted_compare(*args: Any) -> Any:
        work.comparisons += 1
        return compare(*args)

    monkeypatch.setattr(canon.URDNA2015, "hash_n_degree_quads", counted_hash)
    monkeypatch.setattr(jsonld.JsonLdProcessor, "compare_values", staticmethod(counted_compare))
    yield work
