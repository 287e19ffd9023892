"""Benchmark: OB 3.0 credentials signed and verified per second on one core.

Runs our library (Data Integrity eddsa-rdfc-2022 and VC-JWT), the unoptimized baselines
(plain pyld, plain PyJWT) and, when Node is present, Digital Bazaar's @digitalbazaar/vc on
the same credentials in the same run. Usage: ``python bench/badges.py [--n 400] [--json F]``.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import json
import os
import platform
import pstats
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import base58
import jwt
from cryptography.hazmat.primitives.asymmetric import ed25519

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests" / "interop"))

from badges import (  # noqa: E402
    Achievement,
    Alignment,
    Criteria,
    DocumentKeyResolver,
    Evidence,
    KeyPair,
    Profile,
    build_credential,
    did_document,
    did_key,
    did_key_method_id,
    issue,
    sign_data_integrity,
    verify,
    verify_data_integrity,
)
from badges.dataintegrity import hash_data, proofs_of  # noqa: E402
from badges.keys import private_multikey_encode  # noqa: E402
from badges.vcjwt import check_claims, verify_jwt_signature  # noqa: E402

NOW = datetime.now(UTC).replace(microsecond=0)


def credential(issuer: str, n: int) -> dict[str, Any]:
    """A ~2 KB OB 3.0 credential, varied by ``n``."""
    return build_credential(
        issuer=Profile(
            id=issuer,
            name="Laurel Academy of Teaching",
            url="https://laurel.example/",
            description="Professional learning for educators.",
        ),
        achievement=Achievement(
            id=f"https://laurel.example/achievements/{n % 37}",
            name=f"Formative Assessment Practitioner {n}",
            description="Designs and uses formative assessment to adjust instruction.",
            criteria=Criteria(
                narrative="1. Complete the course.\n2. Submit two lesson plans.\n"
                "3. Reflect on student evidence."
            ),
            achievement_type="MicroCredential",
            alignment=[
                Alignment(
                    target_name="Assessment for learning",
                    target_url="https://standards.example/teaching/4.2",
                    target_framework="Teaching Standards",
                    target_code="4.2",
                )
            ],
            credits_available=1.5,
            tag=["assessment", "k-12"],
        ),
        recipient_email=f"teacher{n}@district.example.org",
        evidence=[
            Evidence(
                id=f"https://laurel.example/evidence/{n}",
                name="Lesson plans",
                narrative="Two annotated lesson plans with student work samples.",
            )
        ],
        valid_from=NOW - timedelta(days=1),
        valid_until=NOW + timedelta(days=730),
    ).to_json()


def rate(fn: Callable[[Any], Any], items: list[Any], n: int, warm: bool = True) -> float:
    """Operations per second, cycling over ``items`` (after a short warm-up)."""
    for item in items[:20] if warm else []:
        fn(item)
    start = time.perf_counter()
    for i in range(n):
        fn(items[i % len(items)])
    return n / (time.perf_counter() - start)


def plain_di_verify(doc: dict[str, Any]) -> None:
    """Baseline: the same proof check with plain pyld (no processed-context cache)."""
    proof = proofs_of(doc)[0]
    key = DocumentKeyResolver().resolve_method(proof["verificationMethod"]).public_key
    assert isinstance(key, ed25519.Ed25519PublicKey)
    key.verify(base58.b58decode(proof["proofValue"][1:]), hash_data(doc, proof, cached=False))


def setup() -> dict[str, Any]:
    """Keys, credentials and signed forms shared by all measurements."""
    ed = KeyPair.generate()
    did = did_key(ed)
    ed = ed.with_id(did_key_method_id(did))
    rsa = KeyPair.generate("rsa", "did:web:laurel.example#rsa-1")
    creds = [credential(did, n) for n in range(50)]
    web_creds = [c | {"issuer": c["issuer"] | {"id": "did:web:laurel.example"}} for c in creds]
    doc = did_document("did:web:laurel.example", [rsa, ed.with_id("did:web:laurel.example#ed")])
    resolver = DocumentKeyResolver(documents={"https://laurel.example/.well-known/did.json": doc})
    return {
        "ed": ed,
        "rsa": rsa,
        "did": did,
        "creds": creds,
        "web_creds": web_creds,
        "resolver": resolver,
        "di": [issue(c, ed) for c in creds],
        "jwt_rs256": [issue(c, rsa, proof_format="jwt") for c in web_creds],
        "jwt_eddsa": [issue(c, ed, proof_format="jwt") for c in creds],
        "size": len(json.dumps(creds[0])),
    }


def python_figures(s: dict[str, Any], n: int) -> dict[str, float]:
    """Our rates, and the unoptimized baselines."""
    ed, rsa, resolver = s["ed"], s["rsa"], s["resolver"]
    offline = DocumentKeyResolver()

    def di_proof(doc: dict[str, Any]) -> None:
        assert verify_data_integrity(doc, offline).valid

    def jwt_proof(token: str) -> None:
        decoded, _key = verify_jwt_signature(token, resolver)
        assert not check_claims(decoded)

    pub = rsa.public_key

    def plain_pyjwt(token: str) -> None:
        jwt.decode(
            token, pub, algorithms=["RS256"], options={"verify_exp": False, "verify_nbf": False}
        )

    return {
        "di_sign": rate(lambda c: sign_data_integrity(c, ed), s["creds"], n),
        "di_issue_with_schema_gate": rate(lambda c: issue(c, ed), s["creds"], n // 2),
        "di_verify_proof": rate(di_proof, s["di"], n),
        "di_verify_full": rate(lambda d: verify(d, resolver=offline), s["di"], n // 2),
        "di_verify_plain_pyld": rate(plain_di_verify, s["di"], max(50, n // 4)),
        "jwt_rs256_sign": rate(lambda c: issue(c, rsa, proof_format="jwt"), s["web_creds"], n // 4),
        "jwt_rs256_verify_proof": rate(jwt_proof, s["jwt_rs256"], n * 4),
        "jwt_eddsa_verify_proof": rate(jwt_proof, s["jwt_eddsa"], n * 4),
        "jwt_rs256_verify_full": rate(lambda t: verify(t, resolver=resolver), s["jwt_rs256"], n),
        "jwt_rs256_plain_pyjwt_decode": rate(plain_pyjwt, s["jwt_rs256"], n * 4),
    }


def paired_bursts(s: dict[str, Any], bursts: int, n: int) -> dict[str, Any] | None:
    """Short alternating bursts, ours and Digital Bazaar's (a persistent Node process).

    On a shared machine the load changes from second to second; comparing each burst with
    its neighbour and taking the median ratio keeps the comparison fair. None without Node.
    """
    from nodejs import NodeServer, did_key_documents, node_missing

    reason = node_missing()
    if reason:
        print(f"Digital Bazaar comparison skipped: {reason}", file=sys.stderr)
        return None
    server = NodeServer(
        {
            "credentials": s["creds"],
            "controller": s["did"],
            "publicKeyMultibase": s["ed"].multikey(),
            "privateKeyMultibase": private_multikey_encode(s["ed"].private_key),
            "documents": did_key_documents(s["did"]),
        }
    )
    offline = DocumentKeyResolver()
    ours_ops = {
        "verify": (lambda d: verify_data_integrity(d, offline), s["di"]),
        "sign": (lambda c: sign_data_integrity(c, s["ed"]), s["creds"]),
    }
    pairs: dict[str, list[tuple[float, float]]] = {"verify": [], "sign": []}
    try:
        for op in pairs:
            server.rate(op, 30)
        for burst in range(bursts):
            for op, (fn, items) in ours_ops.items():
                if burst % 2:
                    theirs, ours = server.rate(op, n), rate(fn, items, n, warm=False)
                else:
                    ours, theirs = rate(fn, items, n, warm=False), server.rate(op, n)
                pairs[op].append((ours, theirs))
    finally:
        server.close()
    out: dict[str, Any] = {"node": server.info["node"], "bursts": bursts, "ops_per_burst": n}
    for op, values in pairs.items():
        ratios = sorted(o / t for o, t in values)
        quartiles = statistics.quantiles(ratios, n=4) if len(ratios) > 1 else ratios * 3
        out[op] = {
            "ours_best": max(o for o, _ in values),
            "theirs_best": max(t for _, t in values),
            "ratio_median": statistics.median(ratios),
            "ratio_quartiles": quartiles,
            "ratios": ratios,
            "pairs": values,
        }
    return out


def profile_di_verify(s: dict[str, Any], top: int = 14) -> str:
    """cProfile of Data Integrity proof verification, by cumulative time."""
    offline = DocumentKeyResolver()
    prof = cProfile.Profile()
    prof.enable()
    for i in range(300):
        verify_data_integrity(s["di"][i % len(s["di"])], offline)
    prof.disable()
    out = io.StringIO()
    pstats.Stats(prof, stream=out).sort_stats("tottime").print_stats(top)
    return out.getvalue()


def environment() -> dict[str, str]:
    """Machine, versions, date."""
    from importlib.metadata import version

    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    node = (
        subprocess.run(
            ["node", "--version"], capture_output=True, text=True, check=False
        ).stdout.strip()
        if not os.environ.get("NO_NODE")
        else ""
    )
    return {
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "python": platform.python_version(),
        "pyld": version("pyld"),
        "cryptography": version("cryptography"),
        "pyjwt": version("pyjwt"),
        "node": node or "absent",
    }


def rounds_best(s: dict[str, Any], n: int, rounds: int) -> dict[str, Any]:
    """Our figures, best of ``rounds`` (the machine is shared)."""
    runs = [python_figures(s, n) for _ in range(rounds)]
    return {"python": {k: max(r[k] for r in runs) for k in runs[0]}, "python_rounds": runs}


def main() -> None:
    """Run everything on one core and print a report (and optionally JSON)."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=400)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--bursts", type=int, default=20)
    parser.add_argument("--burst-ops", type=int, default=60)
    parser.add_argument("--json", type=Path)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {0})
    s = setup()
    report: dict[str, Any] = {
        "env": environment(),
        "credential_bytes": s["size"],
        **rounds_best(s, args.n, args.rounds),
        "digitalbazaar": paired_bursts(s, args.bursts, args.burst_ops),
    }
    print(json.dumps(report, indent=2))
    if args.profile:
        print(profile_di_verify(s))
    if args.json:
        args.json.write_text(json.dumps(report, indent=2) + "\n")


if __name__ == "__main__":
    main()
