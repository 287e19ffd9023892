"""What uploaded bytes really are, recognised by content (magic bytes, and Pillow for images),
never by file name. Archives and images are inspected with bounded reads (a ZIP member or a pixel
count may claim far more than the upload holds)."""

from __future__ import annotations

import codecs
import io
import zipfile
from typing import BinaryIO

from PIL import UnidentifiedImageError

from app.kit.storage.protocol import CHUNK, Content, as_stream
from badges.imaging import TooManyPixels, open_image

IMAGE_TYPES = {"PNG": "image/png", "JPEG": "image/jpeg", "GIF": "image/gif", "WEBP": "image/webp"}
ALLOWED_TYPES = frozenset({"application/pdf", "text/plain", *IMAGE_TYPES.values()})
HEAD = 64


def head_of(stream: BinaryIO, size: int = HEAD) -> bytes:
    """The first bytes of a stream, which is left rewound."""
    stream.seek(0)
    head = stream.read(size)
    stream.seek(0)
    return head


def sniff_type(content: Content) -> str | None:
    """The content type the bytes really are, among the allowed ones, or None; TooManyPixels
    for an image that declares more pixels than we decode."""
    stream = as_stream(content)
    head = head_of(stream)
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
    start = head_of(stream, 1024).decode("utf-8", "ignore").lstrip()[:1]
    return start != "<"  # refuse HTML/SVG/XML masquerading as text


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


def sniff_evidence_type(content: Content) -> str | None:
    """The evidence content type the bytes really are (PDF, image, document, video), or None;
    TooManyPixels for an image that declares more pixels than we decode."""
    stream = as_stream(content)
    head = head_of(stream)
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
