"""Data Integrity proofs: ``eddsa-rdfc-2022`` (sign and verify), legacy Ed25519 suites (verify)."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import base58
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric import ed25519

from badges.budget import WorkBudget
from badges.canonical import canonical_hash
from badges.errors import (
    BadgeError,
    KeyMaterialError,
    ProofError,
    ResolutionError,
    TooComplexError,
)
from badges.keys import KeyPair
from badges.models import format_datetime, now_utc
from badges.resolver import KeyResolver, ResolvedKey

CRYPTOSUITE = "eddsa-rdfc-2022"
LEGACY_CRYPTOSUITES = frozenset({"eddsa-2022"})
LEGACY_TYPES = frozenset({"Ed25519Signature2020"})


def proof_options(
    verification_method: str,
    created: datetime | None = None,
    proof_purpose: str = "assertionMethod",
) -> dict[str, Any]:
    """The options of an ``eddsa-rdfc-2022`` DataIntegrityProof (no ``proofValue`` yet)."""
    return {
        "type": "DataIntegrityProof",
        "created": format_datetime(created or now_utc()),
        "verificationMethod": verification_method,
        "cryptosuite": CRYPTOSUITE,
        "proofPurpose": proof_purpose,
    }


def hash_data(
    document: dict[str, Any],
    options: dict[str, Any],
    *,
    cached: bool = True,
    budget: WorkBudget | None = None,
) -> bytes:
    """SHA-256(canonical proof config) ‖ SHA-256(canonical document without proof)."""
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    config = {k: v for k, v in options.items() if k != "proofValue"}
    config["@context"] = document.get("@context")
    return canonical_hash(config, cached=cached, budget=budget) + canonical_hash(
        unsecured, cached=cached, budget=budget
    )


def create_proof(document: dict[str, Any], key: KeyPair, options: dict[str, Any]) -> dict[str, Any]:
    """Sign ``document`` with ``options``; return the complete proof object."""
    if not isinstance(key.private_key, ed25519.Ed25519PrivateKey):
        raise KeyMaterialError("eddsa-rdfc-2022 needs an Ed25519 key")
    signature = key.private_key.sign(hash_data(document, options))
    return {**options, "proofValue": "z" + base58.b58encode(signature).decode("ascii")}


def sign_data_integrity(
    credential: dict[str, Any],
    key: KeyPair,
    verification_method: str | None = None,
    created: datetime | None = None,
) -> dict[str, Any]:
    """Return a copy of ``credential`` with an eddsa-rdfc-2022 proof appended (``proof`` array)."""
    method = verification_method or key.id
    if not method:
        raise KeyMaterialError("a verification method id is required")
    doc = copy.deepcopy(credential)
    existing = doc.pop("proof", None)
    proof = create_proof(doc, key, proof_options(method, created))
    proofs = existing if isinstance(existing, list) else ([existing] if existing else [])
    doc["proof"] = [*proofs, proof]
    return doc


@dataclass(frozen=True)
class ProofResult:
    """Outcome of checking the proofs of a document."""

    valid: bool
    message: str
    key: ResolvedKey | None = None
    legacy: bool = False
    unresolved: bool = False  # failed only because no key could be obtained


def proofs_of(document: dict[str, Any]) -> list[dict[str, Any]]:
    """The proof objects of a document (``proof`` may be an object or an array)."""
    raw = document.get("proof")
    items = raw if isinstance(raw, list) else [raw] if raw is not None else []
    return [p for p in items if isinstance(p, dict)]


@dataclass(frozen=True)
class PreparedProof:
    """A proof whose cheap checks passed: suite, purpose, signature encoding, its key."""

    proof: dict[str, Any]
    key: ResolvedKey
    public_key: ed25519.Ed25519PublicKey
    signature: bytes
    legacy: bool


def prepare_proofs(
    document: dict[str, Any], resolver: KeyResolver
) -> tuple[list[PreparedProof], list[BadgeError]]:
    """Every proof's cheap checks and key resolution, without canonicalizing anything."""
    prepared: list[PreparedProof] = []
    failures: list[BadgeError] = []
    for proof in proofs_of(document):
        try:
            prepared.append(_prepare(proof, resolver))
        except BadgeError as exc:
            failures.append(exc)
    return prepared, failures


def check_signature(
    document: dict[str, Any], prepared: PreparedProof, budget: WorkBudget | None = None
) -> ProofResult:
    """Canonicalize within ``budget`` and check the signature (raise ProofError if it fails)."""
    try:
        prepared.public_key.verify(
            prepared.signature, hash_data(document, prepared.proof, budget=budget)
        )
    except InvalidSignature as exc:
        raise ProofError("signature does not match the document") from exc
    proof = prepared.proof
    suite = proof.get("cryptosuite") or proof.get("type")
    note = " (legacy suite)" if prepared.legacy else ""
    message = f"{suite} signature by {proof['verificationMethod']} is valid{note}"
    return ProofResult(True, message, prepared.key, prepared.legacy)


def first_valid(
    document: dict[str, Any],
    candidates: list[PreparedProof],
    failures: list[BadgeError],
    budget: WorkBudget | None = None,
) -> ProofResult:
    """The first candidate whose signature verifies, else a result listing ``failures``.

    :class:`TooComplexError` is never a failure of the proof: it propagates.
    """
    for prepared in candidates:
        try:
            return check_signature(document, prepared, budget)
        except TooComplexError:
            raise
        except BadgeError as exc:
            failures.append(exc)
    if not failures:
        return ProofResult(False, "no proof")
    unresolved = all(isinstance(e, ResolutionError) for e in failures)
    return ProofResult(False, "; ".join(map(str, failures)), unresolved=unresolved)


def verify_data_integrity(
    document: dict[str, Any], resolver: KeyResolver, budget: WorkBudget | None = None
) -> ProofResult:
    """Verify the document's Data Integrity proofs; one valid assertion proof suffices."""
    prepared, failures = prepare_proofs(document, resolver)
    return first_valid(document, prepared, failures, budget)


def _prepare(proof: dict[str, Any], resolver: KeyResolver) -> PreparedProof:
    legacy = _check_suite(proof)
    if proof.get("proofPurpose") != "assertionMethod":
        raise ProofError(f"proof purpose is {proof.get('proofPurpose')!r}, not assertionMethod")
    method = proof.get("verificationMethod")
    if not isinstance(method, str):
        raise ProofError("proof has no verificationMethod")
    signature = _decode_signature(proof.get("proofValue"))
    key = resolver.resolve_method(method)
    if not isinstance(key.public_key, ed25519.Ed25519PublicKey):
        raise ProofError(f"{method} is not an Ed25519 key")
    return PreparedProof(proof, key, key.public_key, signature, legacy)


def _check_suite(proof: dict[str, Any]) -> bool:
    """Return True for a legacy suite, False for eddsa-rdfc-2022; raise for anything else."""
    ptype, suite = str(proof.get("type")), str(proof.get("cryptosuite"))
    if ptype == "DataIntegrityProof" and suite == CRYPTOSUITE:
        return False
    if (ptype == "DataIntegrityProof" and suite in LEGACY_CRYPTOSUITES) or ptype in LEGACY_TYPES:
        return True
    raise ProofError(f"unsupported proof type {ptype!r} / cryptosuite {suite!r}")


def _decode_signature(value: Any) -> bytes:
    if not isinstance(value, str) or not value.startswith("z"):
        raise ProofError("proofValue must be a base58btc multibase string")
    try:
        raw = bytes(base58.b58decode(value[1:]))
    except ValueError as exc:
        raise ProofError("proofValue is not valid base58btc") from exc
    if len(raw) != 64:
        raise ProofError(f"signature is {len(raw)} bytes, expected 64")
    return raw
