"""Malformed input never raises out of verify(); recipient matching; library purity."""

from __future__ import annotations

import ast
import json
from pathlib import Path
from typing import Any

import pytest
from conftest import DB, load
from hypothesis import given, settings
from hypothesis import strategies as st

import badges
from badges import email_identity, hash_identity, identity_matches, subject_matches, verify

junk = st.one_of(
    st.binary(max_size=300),
    st.text(max_size=300),
    st.dictionaries(st.text(max_size=10), st.text(max_size=10) | st.integers(), max_size=5),
    st.builds(lambda s: b"\x89PNG\r\n\x1a\n" + s, st.binary(max_size=200)),
    st.builds(
        lambda s: "eyJ" + s + ".eyJ" + s + "." + s, st.from_regex(r"\A[A-Za-z0-9_-]{0,30}\Z")
    ),
)


@settings(max_examples=200, deadline=None)
@given(junk)
def test_junk_never_raises(value: Any) -> None:
    result = verify(value)
    assert not result.valid
    assert result.checks
    assert all(c.message for c in result.checks)


@pytest.mark.parametrize(
    ("value", "failed"),
    [
        ("", ["format"]),
        ("{", ["format"]),
        ("[]", ["format"]),
        ("null", ["format"]),
        (b"\xff\xfe", ["format"]),
        ("a.b.c", ["format"]),
        ({"type": "x"}, ["format"]),  # the proof is not even checked
        (
            {"@context": 5, "type": ["VerifiableCredential", "OpenBadgeCredential"]},
            ["schema", "proof"],  # cheap checks come first
        ),
        (b"<svg xmlns='http://www.w3.org/2000/svg'/>", ["format"]),
    ],
)
def test_malformed_inputs_fail_with_format(value: Any, failed: list[str]) -> None:
    result = verify(value)
    assert not result.valid
    assert result.failed == failed


def _paths(node: Any, prefix: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [prefix]
    items = (
        node.items()
        if isinstance(node, dict)
        else enumerate(node)
        if isinstance(node, list)
        else []
    )
    for key, value in items:
        out += _paths(value, (*prefix, key))
    return out


ODD_VALUES = [None, 1, "x", [], {}, [1], {"id": 1}, True, "2020-13-45T00:00:00Z", "did:key:zz"]


@pytest.mark.parametrize("name", ["ob3-di.json", "ob3-di-status-revoked.json"])
def test_nested_mutations_never_reach_the_catch_all(name: str) -> None:
    """Every member of a real credential replaced by odd values: a reasoned result, always."""
    base = load(DB / name)
    paths = _paths(base)[1:]
    assert len(paths) > 40  # every member of the credential, nested ones included
    for index, path in enumerate(paths):
        cred = json.loads(json.dumps(base))
        node = cred
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = ODD_VALUES[index % len(ODD_VALUES)]
        result = verify(cred, status_fetcher=lambda _url: {"revokedCredential": 5})
        json.dumps(result.to_json())
        assert all("unexpected error" not in c.message for c in result.checks), result.checks


def test_recipient_hash_rule() -> None:
    assert hash_identity("a@example.com", "Kosher") == (
        "sha256$b5809d8a92f8858436d7e6b87c12ebc0ae1eac4baecc2c0b913aee2c922ef399"
    )
    ours = email_identity("  Ann@Example.COM ", "s1").to_json()
    assert ours["identityHash"] == hash_identity("ann@example.com", "s1")
    assert identity_matches(ours, "ANN@example.com")
    theirs = {
        "hashed": True,
        "identityType": "emailAddress",
        "salt": "s",
        "identityHash": hash_identity("Ann@Example.com", "s").upper(),
    }
    assert identity_matches(theirs, "Ann@Example.com")  # not lower-cased by its issuer
    assert not identity_matches(theirs, "bob@example.com")
    assert not identity_matches(theirs, "Ann@Example.com", identity_type="url")
    md5 = {"hashed": True, "identityHash": hash_identity("a@b.c", "x", "md5"), "salt": "x"}
    assert identity_matches(md5, "a@b.c")
    plain = {"hashed": False, "identityHash": "a@b.c"}
    assert identity_matches(plain, "A@B.C")


def test_subject_matches_id_or_identifier() -> None:
    cred = {
        "credentialSubject": {
            "id": "did:example:1",
            "identifier": [email_identity("t@x.org").to_json()],
        }
    }
    assert subject_matches(cred, "did:example:1")
    assert subject_matches(cred, "T@X.org")
    assert not subject_matches(cred, "u@x.org")


FORBIDDEN = {"app", "fastapi", "starlette", "sqlalchemy"}
NETWORK = {"httpx", "httpcore", "requests", "urllib.request", "socket", "http.client"}


def _imports(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text("utf-8"))):
        if isinstance(node, ast.Import):
            names.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            names.add(node.module)
    return names


def test_badges_is_a_pure_library() -> None:
    package = Path(badges.__file__).parent
    modules = sorted(package.rglob("*.py"))
    assert len(modules) >= 20
    for path in modules:
        imported = _imports(path)
        assert not {n.split(".")[0] for n in imported} & FORBIDDEN, path
        if path.name != "net.py":  # the one outbound fetcher
            assert not imported & NETWORK, f"{path.name} imports network code"


def test_a_fetcher_raising_anything_gives_unknown_not_a_crash() -> None:
    from badges import DocumentKeyResolver

    def broken(url: str) -> Any:
        raise RuntimeError(f"connection reset while fetching {url}")

    result = verify(
        (DB / "ob3-di-status-ok.json").read_bytes(),
        resolver=DocumentKeyResolver(broken),
        status_fetcher=broken,
    )
    assert result.check("format").passed is True  # type: ignore[union-attr]
    assert result.check("status").passed is None  # type: ignore[union-attr]
    proof = result.check("proof")
    assert proof is not None
    assert proof.passed is None  # undecided, not "forged"
    assert "connection reset" in proof.message
    assert result.verdict == "indeterminate"


def test_oversized_input_is_refused_early() -> None:
    result = verify("{" + " " * (1024 * 1024) + "}")
    assert result.failed == ["format"]
    assert "larger than" in result.checks[0].message
