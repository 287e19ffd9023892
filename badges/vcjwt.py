"""VC-JWT (compact JWS) with the OB 3.0 claim mapping, via PyJWT."""

from __future__ import annotations

import binascii
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import jwt
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from jwt.api_jws import PyJWS
from jwt.exceptions import DecodeError, InvalidTokenError

from badges.errors import BadgeError, FormatError, ProofError, ResolutionError
from badges.keys import KeyPair, PublicKey, jwk_to_public_key, same_key
from badges.loader import VC_V1
from badges.resolver import KeyResolver, ResolvedKey

ALGORITHMS = ("RS256", "ES256", "EdDSA")
REGISTERED_CLAIMS = frozenset({"iss", "sub", "aud", "exp", "nbf", "iat", "jti"})  # RFC 7519
_B64URL = re.compile(rb"[A-Za-z0-9_-]*={0,2}")
_COMPACT = re.compile(r"^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*={0,2}$")


class _FastJWS(PyJWS):
    """PyJWS with the same strict base64url segment check, done with a regex instead of a
    per-character Python loop (the hot spot of ``decode``). Same accepted inputs."""

    @staticmethod
    def _decode_base64url_segment(segment: bytes, name: str) -> bytes:
        stripped = segment.rstrip(b"=")
        padded = len(segment) - len(stripped)
        if (
            padded > 2
            or (padded and len(segment) % 4)
            or len(stripped) % 4 == 1
            or not _B64URL.fullmatch(segment)
            or not _canonical_tail(stripped)
        ):
            raise DecodeError(f"Invalid {name} padding")
        try:
            return jwt.utils.base64url_decode(stripped)
        except (TypeError, binascii.Error) as err:
            raise DecodeError(f"Invalid {name} padding") from err


_ALPHABET = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
_UNUSED_BITS = {2: 0x0F, 3: 0x03}


def _canonical_tail(stripped: bytes) -> bool:
    """PyJWT's re-encode comparison, done directly: the unused low bits of the last
    character of an unpadded base64url string must be zero."""
    mask = _UNUSED_BITS.get(len(stripped) % 4)
    return mask is None or not _ALPHABET.index(stripped[-1]) & mask


_JWS = _FastJWS(algorithms=list(ALGORITHMS))


def looks_like_jws(text: str) -> bool:
    """True if ``text`` has the shape of a compact JWS."""
    return bool(_COMPACT.match(text.strip()))


def _numeric(value: Any) -> int:
    return int(datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp())


def jwt_claims(credential: dict[str, Any]) -> dict[str, Any]:
    """The registered claims OB 3.0 derives from the credential."""
    issuer = credential.get("issuer")
    subject = credential.get("credentialSubject") or {}
    claims: dict[str, Any] = {
        "iss": issuer.get("id") if isinstance(issuer, dict) else issuer,
        "jti": credential.get("id"),
        "nbf": _numeric(credential["validFrom"]),
    }
    if isinstance(subject, dict) and subject.get("id"):
        claims["sub"] = subject["id"]
    if credential.get("validUntil"):
        claims["exp"] = _numeric(credential["validUntil"])
    return claims


def sign_jwt(credential: dict[str, Any], key: KeyPair, kid: str | None = None) -> str:
    """Encode ``credential`` as a VC-JWT signed by ``key`` (RS256, ES256 or EdDSA)."""
    kid = kid or key.id
    if not kid:
        raise BadgeError("a kid (verification method URI) is required")
    payload = {k: v for k, v in credential.items() if k != "proof"}
    payload.update(jwt_claims(payload))
    return jwt.encode(
        payload, key.private_key, algorithm=key.jwt_algorithm, headers={"kid": kid, "typ": "JWT"}
    )


@dataclass(frozen=True)
class DecodedJwt:
    """A parsed VC-JWT (its signature not checked yet).

    ``credential`` is the credential as signed: the ``vc`` claim, or (OB 3.0 form) the payload
    without the registered claims. ``claimed`` is what the verifier checks: the credential with
    the registered claims mapped onto it (see :func:`apply_claims`).
    """

    header: dict[str, Any]
    payload: dict[str, Any]
    credential: dict[str, Any]
    claimed: dict[str, Any]
    legacy: bool


def decode_unverified(token: str) -> DecodedJwt:
    """Parse a VC-JWT without checking the signature (raise FormatError if malformed)."""
    return _decode(token.strip())[0]


def _decode(token: str) -> tuple[DecodedJwt, bytes]:
    try:
        parts = _JWS.decode_complete(token, options={"verify_signature": False})
        payload = json.loads(parts["payload"].decode("utf-8"))
    except (InvalidTokenError, ValueError, RecursionError) as exc:
        raise FormatError(f"not a valid JWS: {exc}") from exc
    if not isinstance(payload, dict):
        raise FormatError("JWT payload is not a JSON object")
    legacy = isinstance(payload.get("vc"), dict)
    credential = (
        dict(payload["vc"])
        if legacy
        else {k: v for k, v in payload.items() if k not in REGISTERED_CLAIMS}
    )
    decoded = DecodedJwt(
        parts["header"], payload, credential, apply_claims(credential, payload), legacy
    )
    return decoded, parts["signature"]


def _date_members(credential: dict[str, Any]) -> tuple[str, str]:
    ctx = credential.get("@context")
    v1 = VC_V1 in (ctx if isinstance(ctx, list) else [ctx])
    return ("issuanceDate", "expirationDate") if v1 else ("validFrom", "validUntil")


def apply_claims(credential: dict[str, Any], payload: dict[str, Any]) -> dict[str, Any]:
    """The credential as the registered claims say it is (OB 3.0 §8.2.4, VC-JWT).

    ``iss``, ``jti`` and ``sub`` stand for ``issuer``, ``id`` and ``credentialSubject.id`` when
    the credential lacks them. ``nbf`` and ``exp`` stand for ``validFrom`` and ``validUntil``
    (``issuanceDate``/``expirationDate`` in VC 1.1) and narrow them when stricter, so a past
    ``exp`` expires a credential without ``validUntil``. Disagreements are reported by
    :func:`check_claims`.
    """
    out = dict(credential)
    for member, claim in (("issuer", "iss"), ("id", "jti")):
        if member not in out and isinstance(payload.get(claim), str):
            out[member] = payload[claim]
    subject = out.get("credentialSubject")
    if isinstance(subject, dict) and "id" not in subject and isinstance(payload.get("sub"), str):
        out["credentialSubject"] = {**subject, "id": payload["sub"]}
    start, end = _date_members(credential)
    _narrow(out, ("validFrom", "issuanceDate"), start, payload.get("nbf"), later=True)
    _narrow(out, ("validUntil", "expirationDate"), end, payload.get("exp"), later=False)
    return out


def _narrow(
    out: dict[str, Any], members: tuple[str, str], default: str, claim: Any, *, later: bool
) -> None:
    """Set the date member from a NumericDate claim when absent or when the claim is stricter."""
    if not _is_numeric_date(claim):
        return
    member = next((m for m in members if out.get(m) is not None), default)
    try:
        current = _numeric(out[member]) if member in out else None
    except ValueError:
        return  # the dates check reports the unreadable member
    if current is None or (claim > current if later else claim < current):
        out[member] = datetime.fromtimestamp(claim, UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _is_numeric_date(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and abs(value) < 1e11


_KEY_TYPES: dict[str, type] = {
    "RS256": rsa.RSAPublicKey,
    "ES256": ec.EllipticCurvePublicKey,
    "EdDSA": ed25519.Ed25519PublicKey,
}


def verify_jwt_signature(token: str, resolver: KeyResolver) -> tuple[DecodedJwt, ResolvedKey]:
    """Check the JWS signature; return the decoded token and the key that signed it.

    The token is parsed once; the signature is then checked with PyJWT's algorithm for the
    header ``alg``, which must match the resolved key's type (no algorithm confusion).
    """
    token = token.strip()
    decoded, signature = _decode(token)
    alg = str(decoded.header.get("alg"))
    if alg not in ALGORITHMS:
        raise ProofError(f"JWS algorithm {alg!r} is not accepted")
    key = _signing_key(decoded, resolver)
    if not isinstance(key.public_key, _KEY_TYPES[alg]):
        raise ProofError(f"{alg} does not match the type of key {key.id}")
    if (
        isinstance(key.public_key, ec.EllipticCurvePublicKey)
        and key.public_key.curve.name != "secp256r1"
    ):
        raise ProofError("ES256 needs a P-256 key")
    algorithm = _JWS.get_algorithm_by_name(alg)
    signing_input = token.rsplit(".", 1)[0].encode("ascii")
    if not algorithm.verify(signing_input, algorithm.prepare_key(key.public_key), signature):
        raise ProofError("JWS signature is invalid")
    return decoded, key


def issuer_of(credential: dict[str, Any]) -> str:
    """The issuer's id, whether ``issuer`` is a string or a profile object."""
    issuer = credential.get("issuer")
    return str(issuer.get("id") if isinstance(issuer, dict) else issuer)


def _signing_key(decoded: DecodedJwt, resolver: KeyResolver) -> ResolvedKey:
    header = decoded.header
    kid = header.get("kid")
    if isinstance(header.get("jwk"), dict):
        return _header_jwk_key(header["jwk"], issuer_of(decoded.claimed), resolver)
    if not isinstance(kid, str) or not kid:
        raise ProofError("JWS header has neither kid nor jwk")
    if ":" in kid:
        return resolver.resolve_method(kid)
    issuer = issuer_of(decoded.claimed)
    wanted = {kid, f"{issuer}{kid}" if kid.startswith("#") else f"{issuer}#{kid}"}
    for key in resolver.issuer_keys(issuer):
        if key.id in wanted:
            return key
    raise ProofError(f"kid {kid!r} is not among the keys of {issuer}")


def _header_jwk_key(jwk: dict[str, Any], issuer: str, resolver: KeyResolver) -> ResolvedKey:
    """An embedded JWK; bound to the issuer only if the issuer publishes the same key."""
    public: PublicKey = jwk_to_public_key(jwk)
    try:
        for key in resolver.issuer_keys(issuer):
            if same_key(key.public_key, public):
                return key
    except ResolutionError:
        pass
    return ResolvedKey("header jwk", "", public, frozenset(), "header jwk")


def check_claims(decoded: DecodedJwt, *, dates: bool = True) -> list[str]:
    """Disagreements between the registered claims and the credential (empty when none).

    A claim disagrees when the credential has the member it stands for with another value;
    ``iss`` and ``jti`` are required. ``dates=False`` skips ``nbf``/``exp``: OB 3.0 ties them to
    validFrom/validUntil for credentials, but VC-JOSE does not for other VCs such as status lists.
    """
    cred, payload = decoded.credential, decoded.payload
    problems = [f"required claim {c} is missing" for c in ("iss", "jti") if c not in payload]
    subject = cred.get("credentialSubject")
    members: dict[str, Any] = {
        "iss": _issuer_member(cred),
        "jti": cred.get("id"),
        "sub": subject.get("id") if isinstance(subject, dict) else None,
    }
    for claim, value in members.items():
        if claim in payload and value is not None and payload[claim] != value:
            problems.append(f"{claim} is {payload[claim]!r} but the credential says {value!r}")
    if dates:
        start = cred.get("validFrom") or cred.get("issuanceDate")
        end = cred.get("validUntil") or cred.get("expirationDate")
        problems += _date_disagreements(payload, (("nbf", start), ("exp", end)))
    return problems


def _issuer_member(credential: dict[str, Any]) -> Any:
    issuer = credential.get("issuer")
    return issuer.get("id") if isinstance(issuer, dict) else issuer


def _date_disagreements(payload: dict[str, Any], pairs: tuple[tuple[str, Any], ...]) -> list[str]:
    problems = []
    for claim, member in pairs:
        if claim not in payload:
            continue
        if not _is_numeric_date(payload[claim]):
            problems.append(f"{claim} is {payload[claim]!r}, not a NumericDate")
            continue
        if member is None:
            continue
        try:
            expected = _numeric(member)
        except ValueError:
            problems.append(f"the credential's date {member!r} is not ISO 8601")
            continue
        if abs(payload[claim] - expected) >= 1:
            problems.append(f"{claim} is {payload[claim]!r} but the credential says {member}")
    return problems
