"""File storage for attachments and evidence: a small protocol, local disk and S3-compatible.

``protocol`` holds the protocol and its keys, ``local`` and ``s3`` the two backends, ``sniffing``
what bytes really are, ``uploads`` the checks on received files and ``transactions`` keeps
stored files in step with the database transaction.

Callers save the bytes *before* adding the row that points to them, and call
``discard_on_rollback`` so the file is removed again if the transaction does not commit.
A process that dies between the two leaves an orphan file; ``storage_gc`` removes those.
"""

from __future__ import annotations

from typing import BinaryIO

from app.errors import NotFound
from app.kit.storage.local import LocalStorage
from app.kit.storage.protocol import Storage
from app.kit.storage.s3 import S3Storage, s3_client
from app.settings import Settings


def storage_for(settings: Settings) -> Storage:
    """The storage the settings choose: local disk under ``upload_dir``, or an S3 bucket."""
    if settings.storage_backend == "s3":
        return S3Storage(s3_client(settings), settings.s3_bucket, settings.s3_prefix)
    assert settings.upload_dir is not None
    return LocalStorage(settings.upload_dir)


def open_stored(settings: Settings, key: str) -> BinaryIO:
    """A stored file's bytes for a download; NotFound when storage has lost it."""
    try:
        return storage_for(settings).open(key)
    except FileNotFoundError as exc:
        raise NotFound("The file is missing from storage.") from exc
