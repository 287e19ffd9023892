"""The cached canonicalization path gives exactly plain pyld's N-Quads."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest
from conftest import DB, EDTECH, W3C, load, make_achievement
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pyld import jsonld

from badges import (
    CanonicalizationError,
    Evidence,
    Profile,
    Result,
    build_credential,
    canonicalize,
    document_loader,
    schema_errors,
    status_entry,
)
from badges.canonical import RELATIVE_BASE
from badges.loader import known_context_urls, load_context

texts = st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=40)


@st.composite
def credentials(draw: st.DrawFn) -> dict[str, Any]:
    """Varied OB 3.0 credentials: optional members, odd strings, numbers, status, evidence."""
    ach = make_achievement(draw(st.integers(0, 10**6)))
    ach.name = draw(texts) or "x"
    ach.credits_available = draw(st.none() | st.floats(0, 1000, allow_nan=False))
    cred = build_credential(
        issuer=Profile(
            id="did:key:z6MkgVPweLmBGA2KW8TaUPaKCYmcbYpjyj79cK79eLTc1zm5",
            name=draw(texts) or "i",
            description=draw(st.none() | texts),
        ),
        achievement=ach,
        recipient_email=draw(st.emails()),
        recipient_id=draw(st.none() | st.just("did:example:teacher")),
        evidence=draw(st.none() | st.just([Evidence(id="https://e.example/1", narrative="n")])),
        results=draw(st.none() | st.just([Result(value="A")])),
        status=draw(st.none() | st.just(status_entry("https://l.example/s/1", 7))),
    ).to_json()
    if draw(st.booleans()):
        cred["credentialSubject"]["achievement"]["tag"] = draw(st.lists(texts, max_size=3))
    return cred


def plain_pyld(doc: dict[str, Any]) -> str:
    """Unoptimized reference: pyld's module-level normalize with the same offline loader."""
    out: str = jsonld.normalize(
        copy.deepcopy(doc),
        {
            "algorithm": "URDNA2015",
            "format": "application/n-quads",
            "documentLoader": document_loader,
            "base": RELATIVE_BASE,
        },
    )
    return out


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(credentials())
def test_cached_nquads_equal_plain_pyld(cred: dict[str, Any]) -> None:
    assert canonicalize(cred) == plain_pyld(cred) == canonicalize(cred, cached=False)
    assert schema_errors(cred) == []  # everything we build validates (formal schema)


def _vector_docs() -> list[tuple[str, dict[str, Any]]]:
    out = []
    for folder in (DB, EDTECH, W3C):
        for path in sorted(folder.glob("*.json")):
            doc = load(path)
            if isinstance(doc, dict) and "@context" in doc and "unknown" not in path.name:
                out.append((path.name, doc))
    return out


def test_the_vector_folders_give_documents_to_compare() -> None:
    assert len(_vector_docs()) >= 20  # 23 today; none would leave the test below with no cases


@pytest.mark.parametrize(("name", "doc"), _vector_docs())
def test_cached_nquads_equal_plain_pyld_on_vectors(name: str, doc: dict[str, Any]) -> None:
    doc = {k: v for k, v in doc.items() if k != "proof"}
    first = canonicalize(doc)
    assert first == plain_pyld(doc) == canonicalize(doc)


def test_loader_serves_every_bundled_context_and_refuses_others() -> None:
    urls = known_context_urls()
    assert len(urls) >= 20
    for url in urls:
        assert isinstance(load_context(url), dict)
    with pytest.raises(CanonicalizationError, match="not bundled"):
        canonicalize({"@context": ["https://evil.example/ctx.json"], "name": "x"})


def test_missing_extensions_context_fails_loudly() -> None:
    cred = load(DB / "ob3-di.json")
    cred["@context"] = cred["@context"][:2]
    cred.pop("proof")
    with pytest.raises(CanonicalizationError):
        canonicalize(cred)


def test_input_document_is_not_mutated() -> None:
    cred = load(DB / "ob3-di.json")
    before = json.dumps(cred, sort_keys=True)
    canonicalize(cred)
    assert json.dumps(cred, sort_keys=True) == before


def test_an_infinite_json_literal_is_a_canonicalization_error() -> None:
    """Found by tests/security/test_fuzz_badges.py: JCS raised ValueError ("Invalid JSON number").

    Python's json.loads reads ``Infinity``, so a credential sent to the verifier can hold one.
    """
    cred = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential"],
        "name": {"@type": "@json", "@value": json.loads("Infinity")},
    }
    with pytest.raises(CanonicalizationError, match="Invalid JSON number"):
        canonicalize(cred)


def test_undefined_terms_are_refused_not_dropped() -> None:
    cred = {k: v for k, v in load(DB / "ob3-di.json").items() if k != "proof"}
    cred["credentialSubject"]["favouriteColour"] = "green"
    with pytest.raises(CanonicalizationError, match="undefined term"):
        canonicalize(cred)


def test_relative_iris_are_refused_but_literals_mentioning_the_sentinel_are_not() -> None:
    cred = {k: v for k, v in load(DB / "ob3-di.json").items() if k != "proof"}
    cred["credentialSubject"]["id"] = "teacher-17"  # relative: would be rebased silently
    with pytest.raises(CanonicalizationError, match="relative IRI"):
        canonicalize(cred)
    cred["credentialSubject"]["id"] = "urn:uuid:1"
    cred["name"] = f"see <{RELATIVE_BASE}x>"
    assert RELATIVE_BASE in canonicalize(cred)
