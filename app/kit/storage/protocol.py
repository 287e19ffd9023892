"""The storage protocol: opaque keys, stored files and the bytes they hold."""

from __future__ import annotations

import io
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import BinaryIO, Protocol

KEY_PATTERN = re.compile(r"^[a-z0-9]{2}/[A-Za-z0-9_-]{20,64}$")
CHUNK = 1024 * 1024
Content = bytes | BinaryIO


def as_stream(content: Content) -> BinaryIO:
    """Bytes as a stream; a stream as it is (read from its current position)."""
    return io.BytesIO(content) if isinstance(content, bytes) else content


@dataclass(frozen=True)
class StoredFile:
    """A key in storage with its size and when it was last written (UTC)."""

    key: str
    size: int
    modified: datetime


def new_key() -> str:
    """A fresh random key: a two-character fan-out folder and a random name."""
    return f"{secrets.token_hex(1)}/{secrets.token_urlsafe(24)}"


def check_key(key: str) -> str:
    """The key itself, or ValueError if it is not one this storage could have made."""
    if not KEY_PATTERN.match(key):
        raise ValueError("not a storage key")
    return key


class Storage(Protocol):
    """Where uploaded bytes live; keys are opaque strings chosen by the storage."""

    def save(self, content: Content) -> str:
        """Store the bytes (a stream is read in chunks to its end) and return a new key."""
        ...

    def open(self, key: str) -> BinaryIO:
        """A readable binary stream of a stored file (FileNotFoundError if missing)."""
        ...

    def delete(self, key: str) -> None:
        """Remove a stored file; missing files are ignored."""
        ...

    def exists(self, key: str) -> bool:
        """Whether a file is stored under the key."""
        ...

    def list_files(self) -> Iterator[StoredFile]:
        """Every stored file (for cleaning up orphans); other objects are skipped."""
        ...
