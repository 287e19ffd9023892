"""Stored files on local disk."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from app.kit.storage.protocol import (
    CHUNK,
    KEY_PATTERN,
    Content,
    StoredFile,
    as_stream,
    check_key,
    new_key,
)


class LocalStorage:
    """Files under a directory on local disk, in two-character fan-out folders."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, key: str) -> Path:
        return self.root / check_key(key)

    def save(self, content: Content) -> str:
        """Copy the bytes in chunks to a new random key (atomically, via a temporary file)."""
        key = new_key()
        path = self._path(key)
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(".part")
        try:  # a full disk leaves no partial file behind
            with temporary.open("wb") as out:
                shutil.copyfileobj(as_stream(content), out, CHUNK)
            temporary.replace(path)
        finally:
            temporary.unlink(missing_ok=True)
        return key

    def open(self, key: str) -> BinaryIO:
        """Open a stored file for reading."""
        return self._path(key).open("rb")

    def delete(self, key: str) -> None:
        """Remove a stored file if it is there."""
        self._path(key).unlink(missing_ok=True)

    def exists(self, key: str) -> bool:
        """Whether the file is there."""
        return self._path(key).is_file()

    def list_files(self) -> Iterator[StoredFile]:
        """Files under the root whose relative path is a storage key."""
        if not self.root.is_dir():
            return
        for path in self.root.glob("*/*"):
            key = path.relative_to(self.root).as_posix()
            if KEY_PATTERN.match(key) and path.is_file():
                stat = path.stat()
                modified = datetime.fromtimestamp(stat.st_mtime, UTC)
                yield StoredFile(key, stat.st_size, modified)
