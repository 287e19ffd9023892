"""Running Digital Bazaar's JavaScript verifier (tests/interop/js/dbvc.mjs) from Python."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from pathlib import Path
from typing import Any

import pytest

from badges.dids import resolve_did_key
from badges.loader import context_files

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "tests" / "interop" / "js" / "dbvc.mjs"
PACKAGE = ROOT / "node_modules" / "@digitalbazaar" / "vc"


def node_missing() -> str | None:
    """Why the Node interop cannot run, or None when it can."""
    if shutil.which("node") is None:
        return "node is not installed"
    if not PACKAGE.exists():
        return "npm packages are not installed (run npm ci)"
    return None


def require_node() -> None:
    """Skip (fail when CI=true) if Node or the npm packages are absent."""
    reason = node_missing()
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI=true but {reason}")
        pytest.skip(reason)


def did_key_documents(did: str) -> dict[str, Any]:
    """The DID document and its verification method, keyed by URL, for the JS loader."""
    doc = resolve_did_key(did)
    method = {"@context": "https://w3id.org/security/multikey/v1", **doc["verificationMethod"][0]}
    return {did: doc, method["id"]: method}


def run_job(job: dict[str, Any], timeout: float = 600) -> Any:
    """Run dbvc.mjs on a job and return its JSON answer."""
    job = {"contexts": context_files(), **job}
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as fh:
        json.dump(job, fh)
    try:
        out = subprocess.run(
            ["node", str(SCRIPT), fh.name],
            capture_output=True,
            text=True,
            timeout=timeout,
            cwd=ROOT,
            check=False,
        )
    finally:
        Path(fh.name).unlink()
    if out.returncode != 0:
        raise RuntimeError(f"dbvc.mjs failed: {out.stderr[-2000:]}")
    return json.loads(out.stdout)


class NodeServer:
    """dbvc.mjs in ``serve`` mode: a persistent Node process answering burst requests."""

    def __init__(self, job: dict[str, Any]) -> None:
        job = {"contexts": context_files(), **job, "mode": "serve"}
        with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as fh:
            json.dump(job, fh)
        self._job = Path(fh.name)
        self._proc = subprocess.Popen(
            ["node", str(SCRIPT), fh.name],
            cwd=ROOT,
            text=True,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        self.info = self._read()

    def _read(self) -> dict[str, Any]:
        assert self._proc.stdout is not None
        line = self._proc.stdout.readline()
        if not line:
            raise RuntimeError("dbvc.mjs exited")
        answer: dict[str, Any] = json.loads(line)
        return answer

    def rate(self, op: str, n: int) -> float:
        """Operations per second for a burst of ``n`` sign or verify operations."""
        assert self._proc.stdin is not None
        self._proc.stdin.write(json.dumps({"op": op, "n": n}) + "\n")
        self._proc.stdin.flush()
        return float(self._read()["rate"])

    def close(self) -> None:
        """Stop the Node process."""
        if self._proc.stdin is not None:
            self._proc.stdin.close()
        self._proc.wait(timeout=30)
        self._job.unlink()
