"""Keys, Multikey, did:key, did:web, DID documents, JWKS and resolution."""

from __future__ import annotations

import pytest
from conftest import DB, FileFetcher, load

from badges import (
    DocumentKeyResolver,
    KeyMaterialError,
    KeyPair,
    ResolutionError,
    did_document,
    did_key,
    did_web,
    did_web_url,
    jwk_to_public_key,
    jwks,
    load_key_file,
    multikey_decode,
    multikey_encode,
    public_jwk,
    resolve_did_key,
    save_key_file,
)
from badges.keys import same_key


def test_multikey_round_trip_and_prefix() -> None:
    key = KeyPair.generate()
    mk = key.multikey()
    assert mk.startswith("z6Mk")
    assert same_key(multikey_decode(mk), key.public_key)
    assert multikey_encode(multikey_decode(mk)) == mk
    with pytest.raises(KeyMaterialError):
        multikey_decode("zQ3s" + mk[4:])


def test_did_key_document_matches_digital_bazaar_sample() -> None:
    doc = resolve_did_key("did:key:z6MkgVPweLmBGA2KW8TaUPaKCYmcbYpjyj79cK79eLTc1zm5")
    vm = doc["verificationMethod"][0]
    assert vm["id"] == (
        "did:key:z6MkgVPweLmBGA2KW8TaUPaKCYmcbYpjyj79cK79eLTc1zm5"
        "#z6MkgVPweLmBGA2KW8TaUPaKCYmcbYpjyj79cK79eLTc1zm5"
    )
    assert vm["type"] == "Multikey"
    assert doc["assertionMethod"] == [vm["id"]]
    jwk = public_jwk(multikey_decode(vm["publicKeyMultibase"]))
    jwt_header_key = "HkN3FWybJDdky1j2C4oe7EJIEmNwD9LWSZbxNNGgMbA"  # ob3.jwt's header jwk
    assert jwk["x"] == jwt_header_key


@pytest.mark.parametrize(
    ("did", "url"),
    [
        ("did:web:example.com", "https://example.com/.well-known/did.json"),
        ("did:web:example.com:issuers:abc", "https://example.com/issuers/abc/did.json"),
        ("did:web:localhost%3A8443:orgs:x", "https://localhost:8443/orgs/x/did.json"),
    ],
)
def test_did_web_url(did: str, url: str) -> None:
    assert did_web_url(did) == url
    assert did_web(url.removesuffix("/did.json").removesuffix("/.well-known")) == did


def test_did_web_refuses_odd_hosts() -> None:
    with pytest.raises(ResolutionError):
        did_web_url("did:web:user@evil.example")
    with pytest.raises(ResolutionError):
        did_web("http://example.com")


def test_did_document_forms() -> None:
    did = "did:web:laurel.example"
    ed = KeyPair.generate("ed25519", f"{did}#ed")
    rsa = KeyPair.generate("rsa", f"{did}#rsa")
    old = KeyPair.generate("p256", f"{did}#old")
    doc = did_document(did, [ed, rsa], retired=[old])
    methods = {m["id"]: m for m in doc["verificationMethod"]}
    assert methods[f"{did}#ed"]["type"] == "Multikey"
    assert methods[f"{did}#rsa"]["publicKeyJwk"]["kty"] == "RSA"
    assert "d" not in methods[f"{did}#old"]["publicKeyJwk"]
    assert doc["assertionMethod"] == [f"{did}#ed", f"{did}#rsa", f"{did}#old"]
    assert doc["authentication"] == [f"{did}#ed", f"{did}#rsa"]
    resolver = DocumentKeyResolver(FileFetcher(docs={did_web_url(did): doc}))
    for key in (ed, rsa, old):
        assert key.id is not None
        resolved = resolver.resolve_method(key.id)
        assert resolved.controller == did
        assert "assertionMethod" in resolved.purposes
        assert same_key(resolved.public_key, key.public_key)
    with pytest.raises(KeyMaterialError):
        did_document(did, [])


def test_jwks_and_issuer_keys() -> None:
    key = KeyPair.generate("p256", "https://laurel.example/keys#1")
    doc = jwks([key])
    assert doc["keys"][0]["alg"] == "ES256"
    assert doc["keys"][0]["kid"] == key.id
    assert "d" not in doc["keys"][0]
    fetch = FileFetcher(docs={"https://laurel.example/.well-known/jwks.json": doc})
    keys = DocumentKeyResolver(fetch).issuer_keys("https://laurel.example/issuers/1")
    assert len(keys) == 1
    assert same_key(keys[0].public_key, key.public_key)


def test_digital_bazaar_did_web_and_jwks_resolve(db_resolver: DocumentKeyResolver) -> None:
    method = db_resolver.resolve_method("did:web:issuer.example.org#key-1")
    assert method.controller == "did:web:issuer.example.org"
    jwk = load(DB / "web" / "jwks.json")["keys"][0]
    assert same_key(method.public_key, jwk_to_public_key(jwk))


def test_offline_resolver_never_fetches() -> None:
    with pytest.raises(ResolutionError, match="offline"):
        DocumentKeyResolver().resolve_method("did:web:example.com#k")
    with pytest.raises(ResolutionError):
        DocumentKeyResolver().resolve_method(
            "https://example.com/i#z6MkgVPweLmBGA2KW8TaUPaKCYmcbYpjyj79cK79eLTc1zm5"
        )


def test_private_jwk_is_refused_as_public() -> None:
    with pytest.raises(KeyMaterialError, match="'d'"):
        jwk_to_public_key(KeyPair.generate().private_jwk())


@pytest.mark.parametrize("key_type", ["ed25519", "rsa", "p256"])
def test_key_file_round_trip(tmp_path, key_type: str) -> None:  # type: ignore[no-untyped-def]
    key = KeyPair.generate(key_type, "did:example:1#k")  # type: ignore[arg-type]
    path = tmp_path / "key.json"
    save_key_file(key, path)
    assert path.stat().st_mode & 0o777 == 0o600
    back = load_key_file(path)
    assert back.type == key_type
    assert back.id == key.id
    assert same_key(back.public_key, key.public_key)


def test_did_key_of_a_key() -> None:
    key = KeyPair.generate()
    assert did_key(key) == f"did:key:{key.multikey()}"
    with pytest.raises(KeyMaterialError):
        KeyPair.generate("rsa").multikey()
