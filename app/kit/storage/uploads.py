"""Files as received from forms, and the checks (count, size, type by content) they pass
before any is stored. Uploads stay in their spooled temporary files: they are checked and copied
to storage in chunks, so memory does not grow with a file's size."""

from __future__ import annotations

import hashlib
import io
from collections.abc import Callable
from typing import BinaryIO

from app.errors import Invalid
from app.kit.storage.protocol import CHUNK, Content, as_stream
from app.kit.storage.sniffing import ALLOWED_TYPES, sniff_evidence_type, sniff_type
from app.settings import Settings
from badges.imaging import TooManyPixels

EVIDENCE_KINDS = (
    "a PDF, an image (PNG, JPEG, GIF, WebP), an Office or OpenDocument file,"
    " or a video (MP4, MOV, WebM)"
)


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
