"""The command line: keygen, sign, verify (offline, and --fetch through a local mirror)."""

from __future__ import annotations

import functools
import json
import subprocess
import sys
import threading
from collections.abc import Iterator
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from conftest import DB, EDTECH

from badges import bake_png
from badges.cli import main


def run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "badges", *args],
        capture_output=True,
        text=True,
        check=False,
        timeout=60,
    )


@pytest.fixture(scope="module")
def mirror() -> Iterator[str]:
    handler = functools.partial(_Quiet, directory=str(DB / "web"))
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()


class _Quiet(SimpleHTTPRequestHandler):
    def log_message(self, *_args: Any) -> None:
        pass


@pytest.mark.parametrize(
    ("key_type", "fmt"), [("ed25519", "di"), ("ed25519", "jwt"), ("rsa", "jwt"), ("p256", "jwt")]
)
def test_keygen_sign_verify(
    tmp_path: Path,
    unsigned_today: dict[str, Any],
    key_type: str,
    fmt: str,
    capsys: pytest.CaptureFixture[str],
) -> None:
    key = tmp_path / "key.json"
    assert main(["keygen", "--type", key_type, "--out", str(key)]) == 0
    data = json.loads(key.read_text())
    src = tmp_path / "unsigned.json"
    src.write_text(json.dumps(unsigned_today))
    did = f"did:key:{data['publicKeyMultibase']}" if key_type == "ed25519" else "did:web:x.example"
    capsys.readouterr()
    assert main(["sign", "--key", str(key), "--format", fmt, "--issuer-did", did, str(src)]) == 0
    printed = capsys.readouterr()
    assert ("EdDSA" in printed.err) == (key_type == "ed25519" and fmt == "jwt")
    out = tmp_path / "signed.txt"
    out.write_text(printed.out)
    code = main(["verify", str(out)])
    printed = capsys.readouterr().out
    if key_type == "ed25519":
        assert code == 0, printed
        assert json.loads(printed)["valid"] is True
    else:  # did:web needs --fetch: offline it is not valid, and says why
        assert code == 1
        assert "offline" in printed


def test_python_dash_m_badges(tmp_path: Path) -> None:
    key = tmp_path / "k.json"
    assert run("keygen", "--type", "ed25519", "--out", str(key)).returncode == 0
    done = run("verify", str(DB / "ob3-kid-didkey.jwt"), "--clock", "2026-11-24T12:00:00Z")
    assert done.returncode == 0, done.stdout
    assert json.loads(done.stdout)["verdict"] == "valid"
    assert run("verify", str(DB / "ob3-tampered.jwt")).returncode == 1


def test_verify_baked_png(tmp_path: Path) -> None:
    from PIL import Image

    img = tmp_path / "plain.png"
    Image.new("RGB", (4, 4)).save(img)
    baked = tmp_path / "baked.png"
    baked.write_bytes(bake_png(img.read_bytes(), (DB / "ob3.jwt").read_text()))
    assert main(["verify", str(baked), "--clock", "2026-11-24T12:00:00Z"]) == 0


def test_verify_offline_refuses_to_decide_status(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["verify", str(DB / "ob3-di-status-revoked.json")]) == 1
    result = json.loads(capsys.readouterr().out)
    status = next(c for c in result["checks"] if c["code"] == "status")
    assert status["passed"] is None


def test_verify_fetch_through_mirror(mirror: str, capsys: pytest.CaptureFixture[str]) -> None:
    args = [
        "--fetch",
        "--allow-private",
        "--map",
        f"https://issuer.example.org={mirror}",
        "--clock",
        "2026-11-24T12:00:00Z",
    ]
    assert main(["verify", str(DB / "ob3-di-status-ok.json"), *args]) == 0
    assert main(["verify", str(DB / "ob3-kid-didweb.jwt"), *args]) == 0
    capsys.readouterr()
    assert main(["verify", str(DB / "ob3-di-status-revoked.json"), *args]) == 1
    result = json.loads(capsys.readouterr().out)
    assert result["verdict"] == "invalid"
    assert [c["state"] for c in result["checks"] if c["code"] == "status"] == ["revoked"]


def test_loopback_needs_allow_private(mirror: str, capsys: pytest.CaptureFixture[str]) -> None:
    args = ["--fetch", "--map", f"https://issuer.example.org={mirror}"]
    assert main(["verify", str(DB / "ob3-di-didweb.json"), *args]) == 1
    assert "a loopback address; only public addresses are fetched" in capsys.readouterr().out


def test_trust_fragment_keys_flag(capsys: pytest.CaptureFixture[str]) -> None:
    vector = str(EDTECH / "validator-simple-https-issuer-eddsa-rdfc-2022.json")
    assert main(["verify", vector]) == 1
    assert main(["verify", vector, "--trust-fragment-keys"]) == 0


def test_bad_arguments_exit_2(tmp_path: Path) -> None:
    assert (
        main(
            [
                "sign",
                "--key",
                str(tmp_path / "missing.json"),
                "--issuer-did",
                "did:x:y",
                str(tmp_path / "u.json"),
            ]
        )
        == 2
    )
    assert main(["verify", str(DB / "ob3.jwt"), "--map", "nonsense"]) == 2
