"""File storage for attachments and evidence: a small protocol, local disk and S3-compatible.

Types are recognised by content (magic bytes, and Pillow for images), never by file name.
Uploads stay in their spooled temporary files: they are checked and copied to storage in chunks,
so memory does not grow with a file's size, and archives and images are inspected with bounded
reads (a ZIP member or a pixel count may claim far more than the upload holds).
Callers save the bytes *before* adding the row that points to them, and call
``discard_on_rollback`` so the file is removed again if the transaction does not commit.
A process that dies between the two leaves an orphan file; ``storage_gc`` removes those.
"""

from __future__ import annotations

import codecs
import hashlib
import io
import re
import secrets
import shutil
import tempfile
import threading
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, BinaryIO, Protocol

from PIL import UnidentifiedImageError
from sqlalchemy import event
from sqlalchemy.orm import Session, SessionTransaction

from app.errors import Invalid, NotFound
from app.settings import Settings
from badges.imaging import TooManyPixels, open_image

KEY_PATTERN = re.compile(r"^[a-z0-9]{2}/[A-Za-z0-9_-]{20,64}$")
IMAGE_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif", "WEBP": "image/webp"}
ALLOWED_TYPES = frozenset({"application/pdf", "text/plain", *IMAGE_TYPES.values()})
CHUNK = 1024 * 1024
HEAD = 64
SPOOL_BYTES = 1024 * 1024
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


def _s3_client(settings: Settings) -> Any:
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


def storage_for(settings: Settings) -> Storage:
    """The storage the settings choose: local disk under ``upload_dir``, or an S3 bucket."""
    if settings.storage_backend == "s3":
        return S3Storage(_s3_client(settings), settings.s3_bucket, settings.s3_prefix)
    assert settings.upload_dir is not None
    return LocalStorage(settings.upload_dir)


def open_stored(settings: Settings, key: str) -> BinaryIO:
    """A stored file's bytes for a download; NotFound when storage has lost it."""
    try:
        return storage_for(settings).open(key)
    except FileNotFoundError as exc:
        raise NotFound("The file is missing from storage.") from exc


class Upload:
    """A file as received from a form: its name as the browser sent it, and its bytes as a
    seekable stream (the form's spooled temporary file; bytes are wrapped), never read whole."""

    def __init__(self, filename: str, content: Content) -> None:
        self.filename = filename
        self.stream = as_stream(content)
        self.size = self.stream.seek(0, io.SEEK_END)
        self.stream.seek(0)

    def rewound(self) -> BinaryIO:
        """The stream, back at its first byte."""
        self.stream.seek(0)
        return self.stream

    def sha256(self) -> str:
        """The SHA-256 of the bytes, read in chunks."""
        digest = hashlib.sha256()
        stream = self.rewound()
        while chunk := stream.read(CHUNK):
            digest.update(chunk)
        return digest.hexdigest()


def _head(stream: BinaryIO, size: int = HEAD) -> bytes:
    """The first bytes of a stream, which is left rewound."""
    stream.seek(0)
    head = stream.read(size)
    stream.seek(0)
    return head


def sniff_type(content: Content) -> str | None:
    """The content type the bytes really are, among the allowed ones, or None; TooManyPixels
    for an image that declares more pixels than we decode."""
    stream = as_stream(content)
    head = _head(stream)
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    if head[:8] == b"\x89PNG\r\n\x1a\n" or head[:3] == b"\xff\xd8\xff" or head[:4] == b"GIF8":
        return _verified_image(stream)
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return _verified_image(stream)
    return "text/plain" if _is_text(stream) else None


def _verified_image(stream: BinaryIO) -> str | None:
    try:
        with open_image(stream) as image:
            image.verify()
            kind = image.format
    except TooManyPixels:
        raise
    except (UnidentifiedImageError, OSError, ValueError, SyntaxError):
        return None
    finally:
        stream.seek(0)
    return IMAGE_TYPES.get(kind or "")


def _is_text(stream: BinaryIO) -> bool:
    """UTF-8 without NUL bytes, checked chunk by chunk, that does not start like markup."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    try:
        while chunk := stream.read(CHUNK):
            if b"\x00" in chunk:
                return False
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    finally:
        stream.seek(0)
    start = _head(stream, 1024).decode("utf-8", "ignore").lstrip()[:1]
    return start != "<"  # refuse HTML/SVG/XML masquerading as text


def check_upload(settings: Settings, upload: Upload) -> str:
    """The upload's real content type, or Invalid with a reason people can act on."""
    return _checked_type(
        upload,
        settings.upload_max_file_bytes,
        f"{settings.upload_max_file_bytes // (1024 * 1024)} MB",
        _community_type,
        "is not a PDF, an image (PNG, JPEG, GIF, WebP) or plain text.",
    )


def _community_type(stream: BinaryIO) -> str | None:
    content_type = sniff_type(stream)
    return content_type if content_type in ALLOWED_TYPES else None


def _checked_type(
    upload: Upload,
    max_bytes: int,
    limit_text: str,
    sniff: Callable[[BinaryIO], str | None],
    refusal: str,
) -> str:
    """The upload's type by content; Invalid naming the file when empty, too large or refused."""
    if not upload.size:
        raise Invalid(f"{_name(upload)} is empty.", field="files")
    if upload.size > max_bytes:
        raise Invalid(f"{_name(upload)} is larger than {limit_text}.", field="files")
    try:
        content_type = sniff(upload.rewound())
    except TooManyPixels as exc:
        raise Invalid(f"{_name(upload)} {exc}.", field="files") from exc
    if content_type is None:
        raise Invalid(f"{_name(upload)} {refusal}", field="files")
    return content_type


def check_uploads(settings: Settings, uploads: list[Upload]) -> list[str]:
    """Check every upload (count, size, type) before any is stored."""
    if len(uploads) > settings.upload_max_files:
        raise Invalid(f"Attach at most {settings.upload_max_files} files.", field="files")
    return [check_upload(settings, u) for u in uploads]


def clean_filename(name: str) -> str:
    """A display name for a file: no folders, no control characters, at most 200 characters."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    cleaned = "".join(ch for ch in base if ch.isprintable()).strip()
    return (cleaned or "file")[:200]


def _name(upload: Upload) -> str:
    return f"'{clean_filename(upload.filename)}'"


def discard_on_rollback(db: Session, storage: Storage, key: str) -> None:
    """Delete the stored file if the session's transaction is rolled back instead of committed."""
    state = {"settled": False}

    def committed(_session: Session) -> None:
        state["settled"] = True

    def rolled_back(_session: Session, previous: SessionTransaction) -> None:
        if not state["settled"] and not previous.nested:
            state["settled"] = True
            storage.delete(key)

    event.listen(db, "after_commit", committed, once=True)
    event.listen(db, "after_soft_rollback", rolled_back)


def delete_after_commit(db: Session, storage: Storage, key: str) -> None:
    """Delete a stored file once the transaction that stopped pointing to it has committed."""

    def committed(_session: Session) -> None:
        storage.delete(key)

    event.listen(db, "after_commit", committed, once=True)


OOXML_PARTS = {
    "word/document.xml": (
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "wordprocessingml.document.main+xml",
    ),
    "xl/workbook.xml": (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "spreadsheetml.sheet.main+xml",
    ),
    "ppt/presentation.xml": (
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "presentationml.presentation.main+xml",
    ),
}
ODF_TYPES = frozenset(
    {
        "application/vnd.oasis.opendocument.text",
        "application/vnd.oasis.opendocument.spreadsheet",
        "application/vnd.oasis.opendocument.presentation",
    }
)
VIDEO_TYPES = frozenset({"video/mp4", "video/quicktime", "video/webm"})
NOT_VIDEO_BRANDS = frozenset({b"heic", b"heix", b"mif1", b"msf1", b"avif", b"M4A ", b"M4B "})
ZIP_MAX_ENTRIES = 5000
ZIP_MAX_UNCOMPRESSED = 256 * 1024 * 1024
ZIP_MAX_RATIO = 200
ZIP_MAX_MANIFEST = 1024 * 1024
EVIDENCE_TYPES = frozenset(
    {
        "application/pdf",
        *IMAGE_TYPES.values(),
        *(mime for mime, _ in OOXML_PARTS.values()),
        *ODF_TYPES,
        *VIDEO_TYPES,
    }
)
EVIDENCE_KINDS = (
    "a PDF, an image (PNG, JPEG, GIF, WebP), an Office or OpenDocument file,"
    " or a video (MP4, MOV, WebM)"
)


def sniff_evidence_type(content: Content) -> str | None:
    """The evidence content type the bytes really are (PDF, image, document, video), or None;
    TooManyPixels for an image that declares more pixels than we decode."""
    stream = as_stream(content)
    head = _head(stream)
    if head.startswith(b"PK\x03\x04"):
        return _document_type(stream)
    if head[4:8] == b"ftyp":
        brand = head[8:12]
        if brand in NOT_VIDEO_BRANDS:
            return None
        return "video/quicktime" if brand == b"qt  " else "video/mp4"
    if head[:4] == b"\x1a\x45\xdf\xa3":
        return "video/webm" if b"webm" in head else None
    found = sniff_type(stream)
    return found if found in EVIDENCE_TYPES else None


def _document_type(stream: BinaryIO) -> str | None:
    """An Office Open XML or OpenDocument file, checked inside the ZIP: too many members or too
    many declared bytes are refused, and members are read through capped streams."""
    size = stream.seek(0, io.SEEK_END)
    try:
        with zipfile.ZipFile(stream) as archive:
            entries = archive.infolist()
            declared = sum(entry.file_size for entry in entries)
            too_big = declared > min(ZIP_MAX_UNCOMPRESSED, ZIP_MAX_RATIO * size)
            if len(entries) > ZIP_MAX_ENTRIES or too_big:
                return None
            names = {entry.filename for entry in entries}
            if "mimetype" in names:
                mimetype = _member_start(archive, "mimetype", 100).decode("ascii", "replace")
                return mimetype.strip() if mimetype.strip() in ODF_TYPES else None
            if "[Content_Types].xml" not in names:
                return None
            manifest = _member_start(archive, "[Content_Types].xml", ZIP_MAX_MANIFEST)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, NotImplementedError):
        return None
    finally:
        stream.seek(0)
    return _ooxml_type(names, manifest.decode("utf-8", "replace"))


def _member_start(archive: zipfile.ZipFile, name: str, limit: int) -> bytes:
    """At most ``limit`` bytes from the start of a member, decompressed no further than that."""
    with archive.open(name) as member:
        return member.read(limit)


def _ooxml_type(names: set[str], manifest: str) -> str | None:
    """The Office Open XML type whose main part is present and declared in the manifest."""
    for part, (mime, marker) in OOXML_PARTS.items():
        if part in names and marker in manifest:
            return mime
    return None


def check_evidence_uploads(
    settings: Settings, uploads: list[Upload], *, kept_files: int = 0, kept_bytes: int = 0
) -> list[str]:
    """Check evidence files (count, each size, total size, type by content) before storing any.

    ``kept_files`` and ``kept_bytes`` are what the submission already holds.
    """
    if kept_files + len(uploads) > settings.evidence_max_files:
        raise Invalid(
            f"A submission can hold at most {settings.evidence_max_files} files.", field="files"
        )
    limit = size_text(settings.evidence_max_file_bytes)
    refusal = f"is not {EVIDENCE_KINDS}; its content was checked, not its name."
    types = [
        _checked_type(u, settings.evidence_max_file_bytes, limit, sniff_evidence_type, refusal)
        for u in uploads
    ]
    total = kept_bytes + sum(u.size for u in uploads)
    if total > settings.evidence_max_submission_bytes:
        limit = size_text(settings.evidence_max_submission_bytes)
        raise Invalid(f"The files of one submission may add up to at most {limit}.", field="files")
    return types


def size_text(size: int) -> str:
    """A byte count for people: '50 MB', '900 KB'."""
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):.3g} MB"
    return f"{max(1, round(size / 1024))} KB"
