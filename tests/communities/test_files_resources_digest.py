"""Attachments (checked by content, served only to readers), the library, search and digests."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from PIL import Image
from sqlalchemy import select
from typer.testing import CliRunner

from app.errors import Invalid
from app.kit.storage.local import LocalStorage
from app.kit.storage.sniffing import sniff_type
from app.kit.storage.uploads import Upload, check_upload
from app.models import Attachment, CommunityMember, OutboxMessage, Post, Resource
from app.services.communities import digest
from tests.communities.conftest import BASE, World, count, login
from tests.storage.test_bounded_uploads import png_declaring
from tests.support import WebClient


def png_bytes() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), "green").save(buffer, format="PNG")
    return buffer.getvalue()


def members(db, world: World, *users) -> None:
    for user in users:
        db.add(CommunityMember(community_id=world.open.id, user_id=user.id))
    db.commit()


@pytest.mark.parametrize(
    ("data", "expected"),
    [
        (b"%PDF-1.7\n...", "application/pdf"),
        (b"plain words\n", "text/plain"),
        (b"<svg onload=alert(1)>", None),
        (b"<html><script>alert(1)</script>", None),
        (b"\x89PNG\r\n\x1a\nnot really", None),
        (b"MZ\x90\x00\x03", None),
    ],
)
def test_types_are_recognised_by_content(data: bytes, expected: str | None) -> None:
    assert sniff_type(data) == expected


def test_real_images_pass_and_limits_apply(settings) -> None:
    assert check_upload(settings, Upload("photo.txt", png_bytes())) == "image/png"
    settings.upload_max_file_bytes = 10
    with pytest.raises(Invalid, match="larger than"):
        check_upload(settings, Upload("big.pdf", b"%PDF-" + b"x" * 20))


def test_local_storage_round_trip(tmp_path: Path) -> None:
    storage = LocalStorage(tmp_path)
    key = storage.save(b"hello")
    assert storage.exists(key)
    with storage.open(key) as stream:
        assert stream.read() == b"hello"
    storage.delete(key)
    assert not storage.exists(key)
    with pytest.raises(ValueError, match="not a storage key"):
        storage.open("../../etc/passwd")


def test_attachment_served_only_to_readers(
    web: WebClient, web2: WebClient, db, world: World, settings
) -> None:
    members(db, world, world.ana)
    login(web, "ana@school.org")
    sent = web.post(
        f"{BASE}/math/threads",
        {"title": "Plan", "body": "See attached"},
        files=[("files", ("plan.png", png_bytes(), "application/octet-stream"))],
    )
    assert sent.status_code == 303, sent.text
    attachment = db.scalar(select(Attachment))
    assert attachment.content_type == "image/png"
    assert "plan.png" in web.get(sent.headers["location"]).text
    download = web.get(f"/files/{attachment.id}")
    assert download.status_code == 200
    assert download.headers["content-type"] == "image/png"
    assert download.content == png_bytes()
    login(web2, "out@elsewhere.org")
    assert web2.get(f"/files/{attachment.id}").status_code == 404
    assert web2.get(f"/files/{attachment.id}", follow_redirects=False).status_code == 404


def test_refused_upload_leaves_no_rows_and_no_files(web: WebClient, db, world: World, settings):
    members(db, world, world.ana)
    login(web, "ana@school.org")
    refused = web.post(
        f"{BASE}/math/threads",
        {"title": "Bad", "body": "x"},
        files=[
            ("files", ("ok.png", png_bytes(), "image/png")),
            ("files", ("evil.pdf", b"<script>alert(1)</script>", "application/pdf")),
        ],
    )
    assert refused.status_code == 422
    assert "is not a PDF, an image" in refused.text
    assert count(db, Post) == 0
    assert count(db, Attachment) == 0
    uploads = settings.upload_dir
    assert not uploads.exists() or not [p for p in uploads.rglob("*") if p.is_file()]


def test_a_pixel_bomb_is_refused_with_its_reason(web: WebClient, db, world: World, settings):
    members(db, world, world.ana)
    login(web, "ana@school.org")
    response = web.post(
        f"{BASE}/math/threads",
        {"title": "Bomb", "body": "x"},
        files=[("files", ("photo.png", png_declaring(40_000, 40_000), "image/png"))],
    )
    assert response.status_code == 422
    assert "&#39;photo.png&#39; has too many pixels; images may have at most 50" in response.text
    assert count(db, Post) == 0
    assert count(db, Attachment) == 0
    uploads = settings.upload_dir
    assert not uploads.exists() or not [p for p in uploads.rglob("*") if p.is_file()]


def test_files_written_then_rolled_back_are_removed(web: WebClient, db, world: World, settings):
    members(db, world, world.ana)
    login(web, "ana@school.org")
    too_long = web.post(
        f"{BASE}/math/threads",
        {"title": "T", "body": "x" * 30_000},
        files=[("files", ("ok.png", png_bytes(), "image/png"))],
    )
    assert too_long.status_code == 422
    uploads = settings.upload_dir
    assert not uploads.exists() or not [p for p in uploads.rglob("*") if p.is_file()]


def test_resource_library_share_filter_vote_and_search(web: WebClient, db, world: World) -> None:
    members(db, world, world.ana)
    login(web, "ana@school.org")
    bad = web.post(f"{BASE}/math/resources", {"title": "X", "url": "javascript:alert(1)"})
    assert bad.status_code == 422
    assert "https://" in bad.text
    broken = web.post(f"{BASE}/math/resources", {"title": "X", "url": "http://[abc/x"})
    assert broken.status_code == 422  # urlsplit refuses it; a clear message, not a 500
    assert "https://" in broken.text
    shared = web.post(
        f"{BASE}/math/resources",
        {
            "title": "Fraction strips",
            "url": "https://example.org/strips",
            "tags": "Fractions, manipulatives",
            "grade_band": "3-5",
            "description": "Printable strips",
        },
    )
    assert shared.status_code == 303
    pdf = web.post(
        f"{BASE}/math/resources",
        {"title": "Number talk guide", "tags": "number talks"},
        files=[("files", ("guide.pdf", b"%PDF-1.4 guide", "application/pdf"))],
    )
    assert pdf.status_code == 303
    assert count(db, Resource) == 2
    filtered = web.get(f"{BASE}/math/resources", params={"tag": "fractions"})
    assert "Fraction strips" in filtered.text
    assert "Number talk guide" not in filtered.text
    resource = db.scalar(select(Resource).where(Resource.title == "Fraction strips"))
    assert web.post(f"{BASE}/math/resources/{resource.id}/vote").status_code == 303
    db.expire_all()
    assert db.get(Resource, resource.id).upvotes == 1
    found = web.get(f"{BASE}/search", params={"q": "printable"})
    assert "Fraction strips" in found.text


def test_search_finds_threads_and_replies_not_hidden_ones(
    web: WebClient, web2: WebClient, db, world: World
) -> None:
    members(db, world, world.ana, world.ben)
    login(web, "ana@school.org")
    location = web.post(
        f"{BASE}/math/threads", {"title": "Estimation jars", "body": "Counting beans"}
    ).headers["location"]
    web.post(f"{location}/replies", {"body": "Try the marbles variation"})
    assert "Estimation jars" in web.get(f"{BASE}/search", params={"q": "marbles"}).text
    reply = db.scalar(select(Post).where(Post.is_opening.is_(False)))
    login(web2, "coach@school.org")
    web2.post(f"{BASE}/math/posts/{reply.id}/moderate", {"action": "hide"})
    assert "0 results" in web.get(f"{BASE}/search", params={"q": "marbles"}).text
    assert "1 result" in web.get(f"{BASE}/search", params={"q": "beans"}).text
    assert web.get(f"{BASE}/search", params={"q": '"* OR NEAR(-'}).status_code == 200


def test_digest_is_sent_once_and_unsubscribe_works_without_sign_in(
    web: WebClient, db, world: World, settings
) -> None:
    members(db, world, world.ana, world.ben)
    login(web, "ana@school.org")
    web.post(f"{BASE}/math/threads", {"title": "Morning routines", "body": "Share yours"})
    web.client.cookies.clear()
    assert digest.send_digests(db, settings, "weekly") == 2  # Ben and the coach, not Ana herself
    db.commit()
    message = db.scalar(select(OutboxMessage).where(OutboxMessage.to_address == "ben@school.org"))
    assert "Morning routines" in message.body_text
    assert digest.send_digests(db, settings, "weekly") == 0  # nothing new since
    link = next(w for w in message.body_text.split() if "/digest/unsubscribe" in w)
    path = link.replace("http://testserver", "")
    page = web.get(path)
    assert page.status_code == 200
    assert "ben@school.org" in page.text
    token = path.split("token=")[1]
    assert web.post("/digest/unsubscribe", {"token": token}).status_code == 200
    assert digest.frequency_of(db, world.ben) == "off"
    forged = web.get("/digest/unsubscribe", params={"token": token + "x"})
    assert forged.status_code == 422


def test_digest_cli(monkeypatch, tmp_path: Path) -> None:
    from app import migrate
    from app.cli import cli

    url = f"sqlite:///{tmp_path / 'cli.db'}"
    migrate.upgrade(url)
    monkeypatch.setenv("LAUREL_DATABASE_URL", url)
    monkeypatch.setenv("LAUREL_DATA_DIR", str(tmp_path))
    result = CliRunner().invoke(cli, ["digest", "--period", "daily"])
    assert result.exit_code == 0, result.output
    assert "Queued 0 digest" in result.output
    bad = CliRunner().invoke(cli, ["digest", "--period", "hourly"])
    assert bad.exit_code == 2  # click: usage error
