"""Command line: ``python -m badges keygen|sign|verify``."""

from __future__ import annotations

import argparse
import json
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from badges.builder import issue
from badges.dids import did_key_method_id
from badges.errors import BadgeError
from badges.keys import KeyPair, load_key_file, save_key_file
from badges.resolver import DocumentKeyResolver, Fetcher
from badges.verify import verify

MAX_FETCHES = 20
"""Documents one ``verify --fetch`` may fetch (keys, status lists, endorsements)."""


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m badges", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    keygen = sub.add_parser("keygen", help="generate a key file")
    keygen.add_argument("--type", choices=["ed25519", "rsa", "p256"], default="ed25519")
    keygen.add_argument("--out", required=True, type=Path)
    keygen.add_argument("--id", help="verification method id to record in the key file")
    sign = sub.add_parser("sign", help="sign an unsigned credential and print it")
    sign.add_argument("--key", required=True, type=Path)
    sign.add_argument("--format", choices=["di", "jwt"], default="di")
    sign.add_argument("--issuer-did", required=True)
    sign.add_argument("--key-id", help="verification method id (default: derived from the DID)")
    sign.add_argument("unsigned", type=Path)
    ver = sub.add_parser("verify", help="verify a credential (JSON-LD, JWS or baked image)")
    ver.add_argument("file", type=Path)
    ver.add_argument("--fetch", action="store_true", help="resolve keys and status over HTTPS")
    ver.add_argument("--allow-private", action="store_true", help="allow loopback/private hosts")
    ver.add_argument("--map", action="append", default=[], metavar="https://host=URL")
    ver.add_argument("--recipient", help="expected recipient (id or e-mail)")
    ver.add_argument("--clock", help="verify as of this ISO 8601 time")
    ver.add_argument(
        "--refresh",
        action="store_true",
        help="follow a 1EdTechCredentialRefresh service once (needs --fetch)",
    )
    ver.add_argument(
        "--trust-fragment-keys",
        action="store_true",
        help="accept https verification methods whose fragment is the key",
    )
    return parser


def _method_id(did: str, key: KeyPair, explicit: str | None) -> str:
    if explicit:
        return explicit
    if key.id and key.id.startswith(did + "#"):
        return key.id
    if did.startswith("did:key:"):
        return did_key_method_id(did)
    return f"{did}#{key.multikey() if key.type == 'ed25519' else 'key-1'}"


def cmd_keygen(args: argparse.Namespace) -> int:
    """Write a new key file and print its public part."""
    key = KeyPair.generate(args.type, args.id)
    save_key_file(key, args.out)
    public = {k: v for k, v in key.to_json().items() if k != "privateJwk"}
    print(json.dumps(public, indent=2))
    return 0


def cmd_sign(args: argparse.Namespace) -> int:
    """Sign the unsigned credential with the key; the issuer id becomes ``--issuer-did``."""
    key = load_key_file(args.key)
    credential: dict[str, Any] = json.loads(args.unsigned.read_text("utf-8"))
    issuer = credential.get("issuer")
    if isinstance(issuer, dict):
        issuer["id"] = args.issuer_did
    else:
        credential["issuer"] = args.issuer_did
    method = _method_id(args.issuer_did, key, args.key_id)
    if args.format == "jwt" and key.type == "ed25519":
        print(
            "warning: EdDSA VC-JWTs are refused by 1EdTech's validator; RS256 (an RSA key) "
            "is the OB 3.0 default",
            file=sys.stderr,
        )
    signed = issue(credential, key, proof_format=args.format, verification_method=method)
    print(signed if isinstance(signed, str) else json.dumps(signed, indent=2))
    return 0


def cmd_verify(args: argparse.Namespace) -> int:
    """Print the verification result as JSON; exit 0 only when valid."""
    fetcher: Fetcher | None = None
    if args.fetch or args.map:
        from badges.net import AddressPolicy, FetchBudget, OutboundFetcher, parse_maps

        mirrors = parse_maps(args.map)  # a mirror may be http; whether private: --allow-private
        policy = AddressPolicy(args.allow_private, allow_http=args.allow_private or bool(mirrors))
        outbound = OutboundFetcher(policy, mirrors=mirrors)
        fetcher = FetchBudget(outbound, MAX_FETCHES)
    resolver = DocumentKeyResolver(fetcher, trust_fragment_keys=args.trust_fragment_keys)
    clock = (
        (lambda: datetime.fromisoformat(args.clock.replace("Z", "+00:00"))) if args.clock else None
    )
    data = args.file.read_bytes()
    kwargs: dict[str, Any] = {
        "resolver": resolver,
        "status_fetcher": fetcher,
        "recipient": args.recipient,
        "refresh": args.refresh,
    }
    if clock:
        kwargs["clock"] = clock
    result = verify(data, **kwargs)
    print(json.dumps(result.to_json(), indent=2))
    return 0 if result.valid else 1


def main(argv: list[str] | None = None) -> int:
    """Entry point; returns the exit status."""
    args = _parser().parse_args(argv)
    handlers = {"keygen": cmd_keygen, "sign": cmd_sign, "verify": cmd_verify}
    try:
        return handlers[args.command](args)
    except (BadgeError, OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
