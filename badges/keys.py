"""Key pairs (Ed25519, RSA, P-256), Multikey and JWK encodings, and key files."""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import base58
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from jwt.algorithms import ECAlgorithm, RSAAlgorithm

from badges.errors import KeyMaterialError

KeyType = Literal["ed25519", "rsa", "p256"]
PrivateKey = ed25519.Ed25519PrivateKey | rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
PublicKey = ed25519.Ed25519PublicKey | rsa.RSAPublicKey | ec.EllipticCurvePublicKey

_ED25519_PUB = b"\xed\x01"
_ED25519_PRIV = b"\x80\x26"


def b64url(data: bytes) -> str:
    """base64url without padding."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """Decode base64url with or without padding."""
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def multikey_encode(public_key: ed25519.Ed25519PublicKey) -> str:
    """Ed25519 public key as Multikey: ``z`` + base58btc(0xed01 ‖ key)."""
    raw = public_key.public_bytes_raw()
    return "z" + base58.b58encode(_ED25519_PUB + raw).decode("ascii")


def multikey_decode(value: str) -> ed25519.Ed25519PublicKey:
    """Parse an Ed25519 Multikey (``z6Mk…``) public key."""
    raw = _multibase(value, _ED25519_PUB)
    return ed25519.Ed25519PublicKey.from_public_bytes(raw)


def private_multikey_decode(value: str) -> ed25519.Ed25519PrivateKey:
    """Parse an Ed25519 private key in Multikey form (prefix 0x8026)."""
    return ed25519.Ed25519PrivateKey.from_private_bytes(_multibase(value, _ED25519_PRIV))


def private_multikey_encode(private_key: ed25519.Ed25519PrivateKey) -> str:
    """Ed25519 private key (seed) in Multikey form (prefix 0x8026)."""
    raw = private_key.private_bytes_raw()
    return "z" + base58.b58encode(_ED25519_PRIV + raw).decode("ascii")


def _multibase(value: str, prefix: bytes) -> bytes:
    if not value.startswith("z"):
        raise KeyMaterialError("multibase value must be base58btc ('z' prefix)")
    try:
        data = base58.b58decode(value[1:])
    except ValueError as exc:
        raise KeyMaterialError("invalid base58btc") from exc
    if not data.startswith(prefix) or len(data) != len(prefix) + 32:
        raise KeyMaterialError("not an Ed25519 multikey")
    return bytes(data[len(prefix) :])


def public_jwk(key: PublicKey) -> dict[str, Any]:
    """The public JWK of a key."""
    if isinstance(key, ed25519.Ed25519PublicKey):
        return {"kty": "OKP", "crv": "Ed25519", "x": b64url(key.public_bytes_raw())}
    if isinstance(key, rsa.RSAPublicKey):
        jwk: dict[str, Any] = json.loads(RSAAlgorithm.to_jwk(key))
    else:
        jwk = json.loads(ECAlgorithm.to_jwk(key))
    return {k: jwk[k] for k in ("kty", "crv", "x", "y", "n", "e") if k in jwk}


def jwk_to_public_key(jwk: dict[str, Any]) -> PublicKey:
    """Parse a public JWK (OKP Ed25519, RSA or EC P-256); refuse private members."""
    if "d" in jwk:
        raise KeyMaterialError("a public JWK must not contain 'd'")
    try:
        kty = jwk["kty"]
        if kty == "OKP" and jwk.get("crv") == "Ed25519":
            return ed25519.Ed25519PublicKey.from_public_bytes(b64url_decode(jwk["x"]))
        if kty == "RSA":
            rkey = RSAAlgorithm.from_jwk(jwk)
            if isinstance(rkey, rsa.RSAPublicKey):
                return rkey
        if kty == "EC" and jwk.get("crv") == "P-256":
            ekey = ECAlgorithm.from_jwk(jwk)
            if isinstance(ekey, ec.EllipticCurvePublicKey):
                return ekey
    except (KeyError, ValueError, TypeError) as exc:
        raise KeyMaterialError(f"invalid JWK: {exc}") from exc
    raise KeyMaterialError(f"unsupported JWK kty={jwk.get('kty')!r} crv={jwk.get('crv')!r}")


def same_key(a: PublicKey, b: PublicKey) -> bool:
    """True when two public keys are the same key."""
    return public_jwk(a) == public_jwk(b)


@dataclass(frozen=True)
class KeyPair:
    """A private key, its type and an optional verification-method id."""

    type: KeyType
    private_key: PrivateKey
    id: str | None = None

    @classmethod
    def generate(cls, key_type: KeyType = "ed25519", key_id: str | None = None) -> KeyPair:
        """Create a new random key pair."""
        key: PrivateKey
        if key_type == "ed25519":
            key = ed25519.Ed25519PrivateKey.generate()
        elif key_type == "rsa":
            key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        elif key_type == "p256":
            key = ec.generate_private_key(ec.SECP256R1())
        else:
            raise KeyMaterialError(f"unknown key type {key_type!r}")
        return cls(key_type, key, key_id)

    @property
    def public_key(self) -> PublicKey:
        """The public half."""
        return self.private_key.public_key()

    @property
    def jwt_algorithm(self) -> str:
        """The JWS algorithm this key signs with."""
        return {"ed25519": "EdDSA", "rsa": "RS256", "p256": "ES256"}[self.type]

    def multikey(self) -> str:
        """The Ed25519 public key as Multikey (``z6Mk…``)."""
        if not isinstance(self.private_key, ed25519.Ed25519PrivateKey):
            raise KeyMaterialError("Multikey encoding is implemented for Ed25519 keys only")
        return multikey_encode(self.private_key.public_key())

    def with_id(self, key_id: str) -> KeyPair:
        """A copy bound to the verification-method id ``key_id``."""
        return KeyPair(self.type, self.private_key, key_id)

    def private_jwk(self) -> dict[str, Any]:
        """The private JWK (keep secret)."""
        if isinstance(self.private_key, ed25519.Ed25519PrivateKey):
            raw = self.private_key.private_bytes_raw()
            return {**public_jwk(self.public_key), "d": b64url(raw)}
        if isinstance(self.private_key, rsa.RSAPrivateKey):
            text = RSAAlgorithm.to_jwk(self.private_key)
        else:
            text = ECAlgorithm.to_jwk(self.private_key)
        jwk: dict[str, Any] = json.loads(text)
        return jwk

    def to_json(self) -> dict[str, Any]:
        """Serializable form for a key file."""
        data: dict[str, Any] = {"type": self.type, "privateJwk": self.private_jwk()}
        if self.id:
            data["id"] = self.id
        if self.type == "ed25519":
            data["publicKeyMultibase"] = self.multikey()
        return data

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> KeyPair:
        """Load a key from :meth:`to_json` output."""
        try:
            key_type = data["type"]
            jwk = data["privateJwk"]
            return cls(key_type, _private_from_jwk(key_type, jwk), data.get("id"))
        except (KeyError, TypeError, ValueError) as exc:
            raise KeyMaterialError(f"invalid key file: {exc}") from exc


def _private_from_jwk(key_type: str, jwk: dict[str, Any]) -> PrivateKey:
    if key_type == "ed25519":
        return ed25519.Ed25519PrivateKey.from_private_bytes(b64url_decode(jwk["d"]))
    algo = RSAAlgorithm if key_type == "rsa" else ECAlgorithm
    key = algo.from_jwk(jwk)
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise KeyMaterialError("key file does not hold a private key")
    return key


def load_key_file(path: str | Path) -> KeyPair:
    """Read a key file written by :func:`save_key_file`."""
    return KeyPair.from_json(json.loads(Path(path).read_text("utf-8")))


def save_key_file(key: KeyPair, path: str | Path) -> None:
    """Write a key file (mode 0600)."""
    target = Path(path)
    target.write_text(json.dumps(key.to_json(), indent=2) + "\n", "utf-8")
    target.chmod(0o600)
