"""Shared fixtures for the badges tests: vectors, keys, an offline fetcher for the vectors."""

from __future__ import annotations

import json
import socket
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from badges import (
    Achievement,
    Alignment,
    Criteria,
    DocumentKeyResolver,
    KeyPair,
    Profile,
    ResolutionError,
    build_credential,
    did_key,
    did_key_method_id,
)
from tests.paths import OB3_VECTORS

VECTORS = OB3_VECTORS
DB = VECTORS / "digitalbazaar"
EDTECH = VECTORS / "1edtech"
W3C = VECTORS / "w3c-eddsa-rdfc-2022"
NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def load(path: Path) -> Any:
    return json.loads(path.read_text("utf-8"))


class FileFetcher:
    """Serves https://<prefix>/… from local files (the vectors' web/ folder) and dicts."""

    def __init__(self, roots: dict[str, Path] | None = None, docs: dict[str, Any] | None = None):
        self.roots = roots or {}
        self.docs = dict(docs or {})
        self.calls: list[str] = []

    def __call__(self, url: str) -> Any:
        self.calls.append(url)
        if url in self.docs:
            return self.docs[url]
        for prefix, root in self.roots.items():
            if url.startswith(prefix):
                path = root / url[len(prefix) :]
                if path.is_file():
                    text = path.read_text("utf-8").strip()
                    return json.loads(text) if text.startswith("{") else text
        raise ResolutionError(f"not found: {url}")


@pytest.fixture
def db_fetcher() -> FileFetcher:
    return FileFetcher({"https://issuer.example.org/": DB / "web"})


@pytest.fixture
def db_resolver(db_fetcher: FileFetcher) -> DocumentKeyResolver:
    return DocumentKeyResolver(db_fetcher)


@pytest.fixture
def clock() -> Callable[[], datetime]:
    return lambda: NOW


@pytest.fixture(scope="session")
def ed_key() -> KeyPair:
    key = KeyPair.generate("ed25519")
    return key.with_id(did_key_method_id(did_key(key)))


@pytest.fixture(scope="session")
def issuer_did(ed_key: KeyPair) -> str:
    return did_key(ed_key)


def make_achievement(n: int = 0) -> Achievement:
    return Achievement(
        id=f"https://laurel.example/achievements/{n}",
        name=f"Classroom Practice {n}",
        description="Demonstrated reflective classroom practice.",
        criteria=Criteria(narrative="Submit a *lesson plan* and a reflection."),
        achievement_type="MicroCredential",
        alignment=[Alignment(target_name="Planning", target_url="https://standards.example/p")],
        credits_available=1.5,
    )


def unsigned_credential(issuer_did: str, now: datetime) -> dict[str, Any]:
    """An unsigned credential valid from a day before ``now`` for a year."""
    cred = build_credential(
        issuer=Profile(id=issuer_did, name="Laurel Academy", url="https://laurel.example/"),
        achievement=make_achievement(),
        recipient_email="Teacher@Example.org",
        salt="pepper",
        valid_from=now - timedelta(days=1),
        valid_until=now + timedelta(days=365),
    )
    return cred.to_json()


@pytest.fixture
def unsigned(issuer_did: str) -> dict[str, Any]:
    """Valid around the frozen ``NOW``: verify it with ``clock=lambda: NOW``."""
    return unsigned_credential(issuer_did, NOW)


@pytest.fixture
def unsigned_today(issuer_did: str) -> dict[str, Any]:
    """Valid around the real clock: for code that verifies with the real clock (the CLI)."""
    return unsigned_credential(issuer_did, datetime.now(UTC))


@pytest.fixture
def no_network(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Fail any attempt to open a network connection."""

    def refuse(*_args: Any, **_kwargs: Any) -> None:
        raise AssertionError("network access attempted")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)
    return
