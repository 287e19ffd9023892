"""Uploads use bounded memory: ZIP bombs, pixel bombs and large files never sit whole in memory.

Peak Python memory is measured with tracemalloc around the work under test; the files are built
before measuring starts.
"""

from __future__ import annotations

import io
import random
import struct
import tempfile
import tracemalloc
import zipfile
import zlib
from collections.abc import Callable
from functools import cache
from typing import Any

import pytest
from sqlalchemy import func, select

from app.kit import storage
from app.kit.storage import sniffing
from app.kit.storage.protocol import StoredFile
from app.models import EvidenceFile, MicroCredential
from app.services.review import evidence, files
from app.settings import Settings
from app.web.common import read_uploads
from badges import bake_png
from badges.errors import BakingError
from tests.microcredentials.test_authoring_pages import grid
from tests.review.support import make_world, submit_evidence
from tests.review.test_api import token
from tests.storage.conftest import use_s3
from tests.support import WebClient

MB = 1024 * 1024
PEAK_LIMIT = 20 * MB
MANIFEST = b'<?xml version="1.0"?><Types><Override ContentType="wordprocessingml.document.main+xml"'


def peak_bytes(work: Callable[[], Any]) -> tuple[Any, int]:
    """What ``work`` returns and the peak of Python memory allocated while it ran."""
    tracemalloc.start()
    try:
        tracemalloc.reset_peak()
        result = work()
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    return result, peak


@cache
def docx_bomb(declared: int, padding: int) -> bytes:
    """A Word document whose manifest inflates to ``declared`` bytes (mostly zeros), padded with
    ``padding`` stored random bytes so the compression ratio looks ordinary."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        manifest = zipfile.ZipInfo("[Content_Types].xml")
        manifest.compress_type = zipfile.ZIP_DEFLATED
        with archive.open(manifest, "w") as member:
            member.write(MANIFEST)
            zeros = bytes(MB)
            for _ in range((declared - len(MANIFEST)) // MB):
                member.write(zeros)
        archive.writestr("word/document.xml", "<w:document/>")
        archive.writestr("word/media/padding.bin", random.Random(1).randbytes(padding))
    return buffer.getvalue()


def declared_bytes(data: bytes) -> int:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return sum(entry.file_size for entry in archive.infolist())


def png_declaring(width: int, height: int) -> bytes:
    """A PNG of a few hundred bytes whose header declares ``width`` x ``height`` pixels."""

    def chunk(kind: bytes, body: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + body))
        return struct.pack(">I", len(body)) + kind + body + crc

    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    pixels = zlib.compress(bytes(width + 1))  # the first row; the rest is missing
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")
    )


def rows(db, model) -> int:
    db.expire_all()
    return db.scalar(select(func.count()).select_from(model))


def stored_files(settings: Settings) -> list[StoredFile]:
    return list(storage.storage_for(settings).list_files())


# ---------------------------------------------------------------- ZIP bombs


def test_a_docx_declaring_490_mb_is_refused_in_bounded_memory(web: WebClient, db, settings):
    bomb = docx_bomb(490 * MB, 2_900_000)
    assert len(bomb) < 3.5 * MB
    assert declared_bytes(bomb) > 480 * MB
    w = make_world(db)
    web.sign_in(w.teacher.email)
    response, peak = peak_bytes(lambda: submit_evidence(web, w.definition, [("plan.docx", bomb)]))
    assert response.status_code == 422
    assert "&#39;plan.docx&#39; is not a PDF, an image" in response.text
    assert peak < PEAK_LIMIT, f"peak {peak / MB:.1f} MB"
    assert rows(db, EvidenceFile) == 0
    assert stored_files(settings) == []


def test_a_zip_member_is_read_through_a_capped_stream() -> None:
    """Within the declared-size caps, a 250 MB manifest is still read only to its first 1 MB."""
    bomb = docx_bomb(250 * MB, 1_400_000)
    assert declared_bytes(bomb) > 240 * MB
    found, peak = peak_bytes(lambda: sniffing.sniff_evidence_type(bomb))
    assert found == sniffing.OOXML_PARTS["word/document.xml"][0]
    assert peak < PEAK_LIMIT, f"peak {peak / MB:.1f} MB"


def test_too_many_zip_members_are_refused() -> None:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", MANIFEST)
        archive.writestr("word/document.xml", "<w:document/>")
        for number in range(sniffing.ZIP_MAX_ENTRIES):
            archive.writestr(f"word/part{number}.xml", "")
    assert sniffing.sniff_evidence_type(buffer.getvalue()) is None


# ---------------------------------------------------------------- pixel bombs


@pytest.mark.parametrize(
    "size",
    [(40_000, 40_000), (9_000, 9_000)],  # over twice the limit (Pillow's error), just over it
)
def test_a_pixel_bomb_is_refused_through_the_evidence_api(
    web: WebClient, db, settings, size: tuple[int, int]
) -> None:
    w = make_world(db)
    teacher = token(web, w.teacher.email, ["evidence:write"])
    started = web.client.post(
        f"/api/v1/micro-credentials/{w.definition.id}/submissions", headers=teacher
    )
    assert started.status_code == 201
    bomb = png_declaring(*size)
    assert len(bomb) < 1000

    def upload() -> Any:
        return web.client.post(
            f"/api/v1/evidence/submissions/{started.json()['id']}/files",
            data={"requirement": "artifacts"},
            files={"file": ("photo.png", bomb)},
            headers=teacher,
        )

    response, peak = peak_bytes(upload)
    assert response.status_code == 422
    assert response.json()["detail"] == (
        "'photo.png' has too many pixels; images may have at most 50 million."
    )
    assert peak < PEAK_LIMIT, f"peak {peak / MB:.1f} MB"
    assert rows(db, EvidenceFile) == 0
    assert stored_files(settings) == []


def test_a_pixel_bomb_is_refused_as_a_micro_credential_image(web: WebClient, db, settings) -> None:
    w = make_world(db)
    web.sign_in(w.admin.email)
    before = rows(db, MicroCredential)
    response = web.client.post(
        f"/orgs/{w.org.slug}/micro-credentials/new",
        data={**grid(), "csrf_token": web.csrf_token()},
        files={"image": ("badge.png", png_declaring(40_000, 40_000), "image/png")},
    )
    assert response.status_code == 422
    assert "The image has too many pixels" in response.text
    assert rows(db, MicroCredential) == before
    assert stored_files(settings) == []


def test_baking_refuses_a_pixel_bomb() -> None:
    with pytest.raises(BakingError, match="PNG image has too many pixels"):
        bake_png(png_declaring(40_000, 40_000), {"type": ["VerifiableCredential"]})


# ---------------------------------------------------------------- large legitimate files


def spooled_upload(size: int) -> Any:
    """A form's file as Starlette hands it over: a spooled temporary file (on disk past 1 MB)."""
    from starlette.datastructures import UploadFile

    spooled = tempfile.SpooledTemporaryFile(max_size=MB)  # noqa: SIM115 (the upload owns it)
    spooled.write(b"%PDF-1.7\n")
    block = random.Random(2).randbytes(MB)
    while spooled.tell() + MB <= size:
        spooled.write(block)
    spooled.write(bytes(size - spooled.tell()))
    spooled.seek(0)
    return UploadFile(spooled, filename="lesson-video-notes.pdf")


@pytest.mark.parametrize("backend", ["local", "s3"])
def test_a_20_mb_evidence_file_is_stored_in_bounded_memory(
    db, settings, request: pytest.FixtureRequest, backend: str
) -> None:
    if backend == "s3":
        use_s3(settings, request.getfixturevalue("s3_endpoint"))
    size = 20 * MB
    w = make_world(db)
    submission = evidence.start(db, w.teacher, w.definition.id)
    sent = spooled_upload(size)

    def store() -> Any:
        uploads = read_uploads([sent])
        return files.add_files(db, settings, w.teacher, submission.id, "artifacts", uploads)

    saved, peak = peak_bytes(store)
    (row,) = saved.attempts[-1].files
    assert (row.size, row.content_type) == (size, "application/pdf")
    if backend == "local":  # the S3 fake runs in this process and keeps objects in memory
        assert peak < 4 * MB, f"peak {peak / MB:.1f} MB"
    sent.file.seek(0)
    with storage.open_stored(settings, row.storage_key) as kept:
        assert kept.read() == sent.file.read()
