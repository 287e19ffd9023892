"""Download my data: the request, the ZIP built off the request path, the link that expires."""

from __future__ import annotations

import json
from datetime import timedelta

from sqlalchemy import select

from app.db import utcnow
from app.kit.storage import storage_for
from app.models import DataExport, ExportStatus, Notification
from app.services.privacy import exports
from app.services.privacy.tables import EXPORTED
from tests.privacy.support import TEXTS, login, make_rich, zip_documents
from tests.review.support import MINIMAL_PDF, png_bytes


def _exports(db, user) -> list[DataExport]:
    db.expire_all()
    return list(db.scalars(select(DataExport).where(DataExport.user_id == user.id)))


def test_request_build_notify_and_download(web, web2, db, settings, session_factory) -> None:
    settings.privacy_export_inline_max_bytes = -1  # nothing is small: built by the worker only
    rich = make_rich(db, web, web2)
    w = rich.world
    page = web.page("/account/data")
    assert "Prepare a copy of my data" in page
    assert "72 hours" in page

    asked = web.post("/account/data")
    assert asked.status_code == 303
    [export] = _exports(db, w.teacher)
    assert export.status == ExportStatus.PENDING
    again = web.post("/account/data")
    assert again.status_code == 409
    assert "still being prepared" in again.text
    assert len(_exports(db, w.teacher)) == 1
    assert "Being prepared" in web.page("/account/data")

    assert exports.build_pending_exports(session_factory, settings) == 1
    assert exports.build_pending_exports(session_factory, settings) == 0
    [export] = _exports(db, w.teacher)
    assert export.status == ExportStatus.READY
    assert export.expires_at is not None
    assert timedelta(hours=71) < export.expires_at - utcnow() <= timedelta(hours=72)
    note = db.scalars(
        select(Notification).where(
            Notification.user_id == w.teacher.id, Notification.kind == "data_export"
        )
    ).one()
    assert note.title == "Your data is ready"
    assert note.url == "/account/data"

    listing = web.page("/account/data")
    link = f"/account/data/{export.id}/download"
    assert link in listing
    response = web.get(link)
    assert response.status_code == 200
    assert response.headers["content-type"] == "application/zip"
    assert "attachment" in response.headers["content-disposition"]
    index, names, archive = zip_documents(response.content)

    # every table that holds her rows is in a file the index describes, with counts
    assert set(EXPORTED.values()) <= set(index["files"])
    assert set(index["files"]) <= set(names)
    assert index["files"]["submissions.json"]["counts"] == {"submissions": 1}
    assert index["files"]["enrollments.json"]["counts"]["enrollments"] == 1
    everything = "\n".join(archive.read(n).decode("utf-8", "replace") for n in names)
    for text in TEXTS.values():
        assert text in everything, text
    # the evidence files themselves, byte for byte
    evidence = sorted(n for n in names if n.startswith("files/evidence/"))
    assert len(evidence) == 2
    contents = {archive.read(n) for n in evidence}
    assert contents == {MINIMAL_PDF, png_bytes()}
    # credentials in both signed forms
    credentials = json.loads(archive.read("credentials.json"))["credentials"]
    assert len(credentials) == 1
    assert credentials[0]["credential_json"]["proof"]
    assert credentials[0]["credential_jwt"].count(".") == 2
    assert any(n.endswith(".jwt") for n in names)
    # reviews she may see: the decision and feedback; not the coach's private note
    assert TEXTS["review"] in archive.read("submissions.json").decode()
    assert "Private: coach's own note" not in everything
    # another teacher's data is absent
    assert "Theo's own reflection" not in everything
    assert "Theo liked it" not in everything
    assert w.teacher2.email not in everything
    # the download is in the audit trail
    assert "Copy of personal data downloaded" not in web.page("/account/access")  # her own act


def test_only_she_may_download_and_the_link_expires(
    web, web2, db, settings, session_factory
) -> None:
    rich = make_rich(db, web, web2)
    w = rich.world
    assert web.post("/account/data").status_code == 303  # small: built right after the request
    [export] = _exports(db, w.teacher)
    assert export.status == ExportStatus.READY
    link = f"/account/data/{export.id}/download"

    login(web2, w.teacher2.email)
    assert web2.get(link).status_code == 404
    assert link not in web2.page("/account/data")
    login(web2, w.admin.email)
    assert web2.get(link).status_code == 404
    web2.client.cookies.clear()
    assert web2.get(link).status_code == 303  # to sign in

    storage = storage_for(settings)
    assert export.storage_key
    assert storage.exists(export.storage_key)
    export.expires_at = utcnow() - timedelta(minutes=1)
    db.commit()
    expired = web.get(link)
    assert expired.status_code == 404
    assert "expired" in expired.text
    assert "Expired and removed" in web.page("/account/data")
    with session_factory() as other:
        assert exports.remove_expired(other, settings) == 1
        other.commit()
    assert not storage.exists(export.storage_key)
    db.expire_all()
    assert db.get(DataExport, export.id).storage_key is None


def test_a_new_request_after_the_copy_is_ready(web, web2, db) -> None:
    rich = make_rich(db, web, web2)
    assert web.post("/account/data").status_code == 303
    assert web.post("/account/data").status_code == 303
    assert len(_exports(db, rich.world.teacher)) == 2


def test_bad_ids_are_not_found(web, web2, db) -> None:
    rich = make_rich(db, web, web2)
    assert rich
    assert web.get("/account/data/not-a-uuid/download").status_code in (400, 404, 422)
    unknown = "/account/data/00000000-0000-0000-0000-000000000000/download"
    assert web.get(unknown).status_code == 404


def test_a_failed_build_is_marked_and_leaves_no_file(
    web, web2, db, settings, session_factory, monkeypatch
) -> None:
    settings.privacy_export_inline_max_bytes = -1
    rich = make_rich(db, web, web2)
    assert web.post("/account/data").status_code == 303
    storage = storage_for(settings)
    before = {f.key for f in storage.list_files()}

    def broken(*_args, **_kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(exports.notifications, "notify", broken)
    assert exports.build_pending_exports(session_factory, settings) == 0
    [export] = _exports(db, rich.world.teacher)
    assert export.status == ExportStatus.FAILED
    assert export.storage_key is None
    assert {f.key for f in storage.list_files()} == before
    assert "Failed: please ask again" in web.page("/account/data")
