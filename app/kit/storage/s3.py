"""Stored files as objects in an S3-compatible bucket; boto3 is imported only when used."""

from __future__ import annotations

import shutil
import tempfile
import threading
from collections.abc import Iterator
from typing import Any, BinaryIO

from app.kit.storage.protocol import (
    CHUNK,
    KEY_PATTERN,
    Content,
    StoredFile,
    as_stream,
    check_key,
    new_key,
)
from app.settings import Settings

SPOOL_BYTES = 1024 * 1024


class S3Storage:
    """Objects in an S3-compatible bucket (AWS S3, MinIO, Ceph, ...), under an optional prefix."""

    def __init__(self, client: Any, bucket: str, prefix: str = "") -> None:
        self.client = client
        self.bucket = bucket
        self.prefix = prefix.strip("/") + "/" if prefix.strip("/") else ""

    def __repr__(self) -> str:
        return f"S3Storage(bucket={self.bucket!r}, prefix={self.prefix!r})"

    def _object(self, key: str) -> str:
        return self.prefix + check_key(key)

    def save(self, content: Content) -> str:
        """Upload the bytes under a new random key, streamed in parts of at most 8 MB, one at a
        time; the object appears only once every part is in (all or nothing)."""
        from boto3.s3.transfer import TransferConfig

        key = new_key()
        config = TransferConfig(use_threads=False)
        self.client.upload_fileobj(
            as_stream(content), self.bucket, self._object(key), Config=config
        )
        return key

    def open(self, key: str) -> BinaryIO:
        """The object's bytes as a spooled temporary file, downloaded in chunks
        (FileNotFoundError if there is no such object)."""
        try:
            response = self.client.get_object(Bucket=self.bucket, Key=self._object(key))
        except self.client.exceptions.NoSuchKey as exc:
            raise FileNotFoundError(key) from exc
        spooled = tempfile.SpooledTemporaryFile(SPOOL_BYTES)  # noqa: SIM115 (returned open)
        with response["Body"] as body:
            shutil.copyfileobj(body, spooled, CHUNK)
        spooled.seek(0)
        return spooled  # type: ignore[return-value]

    def delete(self, key: str) -> None:
        """Delete the object (S3 ignores missing ones)."""
        self.client.delete_object(Bucket=self.bucket, Key=self._object(key))

    def exists(self, key: str) -> bool:
        """Whether the object is there."""
        from botocore.exceptions import ClientError

        try:
            self.client.head_object(Bucket=self.bucket, Key=self._object(key))
        except ClientError as exc:
            if exc.response.get("Error", {}).get("Code") in {"404", "NoSuchKey", "NotFound"}:
                return False
            raise
        return True

    def list_files(self) -> Iterator[StoredFile]:
        """Objects under the prefix whose remaining name is a storage key."""
        pages = self.client.get_paginator("list_objects_v2").paginate(
            Bucket=self.bucket, Prefix=self.prefix
        )
        for page in pages:
            for item in page.get("Contents", []):
                key = item["Key"][len(self.prefix) :]
                if KEY_PATTERN.match(key):
                    yield StoredFile(key, int(item["Size"]), item["LastModified"])


_clients: dict[tuple[str | None, ...], Any] = {}
_clients_lock = threading.Lock()


def s3_client(settings: Settings) -> Any:
    """One boto3 client per S3 configuration (clients are thread-safe and slow to create)."""
    secret = settings.s3_secret_access_key
    config = (
        settings.s3_endpoint_url,
        settings.s3_region,
        settings.s3_access_key_id,
        secret.get_secret_value() if secret else None,
    )
    with _clients_lock:
        if config not in _clients:
            import boto3

            _clients[config] = boto3.client(
                "s3",
                endpoint_url=config[0],
                region_name=config[1],
                aws_access_key_id=config[2],
                aws_secret_access_key=config[3],
            )
        return _clients[config]
