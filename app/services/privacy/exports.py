"""Download my data: a request, the ZIP built off the request path, a link that expires.

``request_export`` records a pending export (one at a time). ``build_pending_exports`` (called
by ``laurel worker``, ``laurel privacy run`` and, for small accounts, right after the request)
builds each ZIP, stores it with the storage kit (the file first, then the row; the file is removed
again if the transaction does not commit) and notifies the person. ``remove_expired`` deletes
files whose link has expired.
"""

from __future__ import annotations

import io
import json
import logging
import tempfile
import uuid
import zipfile
from datetime import timedelta
from typing import BinaryIO

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session, sessionmaker

from app.db import begin_writing, utcnow
from app.errors import Conflict, NotFound
from app.kit import audit, links, once
from app.kit.storage import open_stored, storage_for
from app.kit.storage.transactions import delete_after_commit, discard_on_rollback
from app.models import DataExport, EvidenceAttempt, EvidenceFile, ExportStatus, Submission, User
from app.services.notifications import delivery as notifications
from app.services.privacy import collect, permissions
from app.services.privacy.tables import EXPORTED
from app.settings import Settings

log = logging.getLogger(__name__)

READY = notifications.register_kind("data_export", "Your copy of your data is ready")
PENDING_MESSAGE = (
    "Your copy is still being prepared. We will notify you when it is ready; "
    "there is no need to ask again."
)


def list_exports(db: Session, user: User) -> list[DataExport]:
    """The person's exports, newest first."""
    query = select(DataExport).where(DataExport.user_id == user.id)
    return list(db.scalars(query.order_by(DataExport.requested_at.desc(), DataExport.id)))


def request_export(db: Session, user: User) -> DataExport:
    """Ask for a copy of everything; Conflict while an earlier request is still pending."""
    pending = db.scalar(
        select(DataExport.id).where(
            DataExport.user_id == user.id, DataExport.status == ExportStatus.PENDING
        )
    )
    if pending is not None:
        raise Conflict(PENDING_MESSAGE)
    export = DataExport(user_id=user.id, status=ExportStatus.PENDING, requested_at=utcnow())
    db.add(export)
    db.flush()
    audit.record(db, "data_export.requested", user, actor=user, export=str(export.id))
    return export


def is_small(db: Session, settings: Settings, user: User) -> bool:
    """Whether the account's files are few enough to build its ZIP right after the request."""
    total = db.scalar(
        select(func.coalesce(func.sum(EvidenceFile.size), 0))
        .join(EvidenceAttempt, EvidenceFile.attempt_id == EvidenceAttempt.id)
        .join(Submission, EvidenceAttempt.submission_id == Submission.id)
        .where(Submission.user_id == user.id)
    )
    return int(total or 0) <= settings.privacy_export_inline_max_bytes


def downloadable(db: Session, user: User, export_id: uuid.UUID) -> DataExport:
    """One of the person's ready, unexpired exports (NotFound for anyone else's)."""
    export = db.get(DataExport, export_id)
    if export is None or not permissions.may_download(user, export):
        raise NotFound("That download does not exist.")
    if export.status != ExportStatus.READY or export.storage_key is None:
        raise NotFound("That download is not ready yet.")
    if export.expires_at is None or export.expires_at <= utcnow():
        raise NotFound(
            "That download link has expired and its file was removed. Ask for a new copy."
        )
    return export


def open_download(
    db: Session, settings: Settings, user: User, export_id: uuid.UUID
) -> tuple[DataExport, BinaryIO]:
    """The ZIP's bytes for its owner; the download is recorded in the audit trail."""
    export = downloadable(db, user, export_id)
    assert export.storage_key is not None
    stream = open_stored(settings, export.storage_key)
    audit.record(db, "data_export.downloaded", user, actor=user, export=str(export.id))
    return export, stream


def filename(export: DataExport) -> str:
    """The ZIP's file name."""
    when = export.requested_at.strftime("%Y-%m-%d")
    return f"laurel-my-data-{when}.zip"


def write_zip(db: Session, settings: Settings, user: User, out: BinaryIO) -> dict[str, object]:
    """Write the person's ZIP to ``out``; returns its index."""
    gathered = collect.gather(db, user)
    storage = storage_for(settings)
    index: dict[str, object] = {
        "about": "Everything Laurel holds about you, as of the time below. Each JSON file is "
        "described here with how many items each of its lists holds.",
        "person": user.email,
        "generated_at": utcnow().isoformat(),
        "files": {
            name: {"description": collect.DESCRIPTIONS[name], "counts": collect.counts(doc)}
            for name, doc in gathered.documents.items()
        },
        "tables": dict(sorted(EXPORTED.items())),
        "stored_files": sorted(gathered.files),
        "missing_files": [],
    }
    missing: list[str] = []
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, document in gathered.documents.items():
            archive.writestr(name, json.dumps(document, indent=2, ensure_ascii=False))
        for path, text in gathered.texts.items():
            archive.writestr(path, text)
        for path, key in gathered.files.items():
            try:
                with storage.open(key) as source, archive.open(path, "w") as target:
                    while chunk := source.read(1024 * 1024):
                        target.write(chunk)
            except FileNotFoundError:
                missing.append(path)
        index["missing_files"] = missing
        archive.writestr("index.json", json.dumps(index, indent=2, ensure_ascii=False))
    return index


def build(db: Session, settings: Settings, export: DataExport) -> bool:
    """Build one pending export in the caller's transaction; False if another worker did."""
    user = db.get(User, export.user_id)
    assert user is not None
    storage = storage_for(settings)
    with tempfile.TemporaryFile() as spool:
        write_zip(db, settings, user, spool)
        size = spool.tell()
        spool.seek(0)
        key = storage.save(spool)
    discard_on_rollback(db, storage, key)
    now = utcnow()
    if not once.change(
        db,
        export,
        DataExport.status == ExportStatus.PENDING,
        status=ExportStatus.READY,
        ready_at=now,
        expires_at=now + timedelta(hours=settings.privacy_export_ttl_hours),
        storage_key=key,
        size_bytes=size,
    ):
        storage.delete(key)
        return False
    notifications.notify(
        db,
        settings,
        user,
        READY.key,
        "Your data is ready",
        links.DATA_EXPORTS.path,
        body=f"Download it within {settings.privacy_export_ttl_hours} hours; "
        "after that the file is removed.",
    )
    return True


def _next_pending(db: Session) -> DataExport | None:
    query = (
        select(DataExport)
        .where(DataExport.status == ExportStatus.PENDING)
        .order_by(DataExport.requested_at, DataExport.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    return db.scalar(query)


def build_pending_exports(
    session_factory: sessionmaker[Session], settings: Settings, *, limit: int = 100
) -> int:
    """Build waiting exports, each in its own transaction; returns how many were built.

    A failure marks that export failed (the person can ask again) and goes on with the next.
    """
    built = 0
    for _ in range(limit):
        with session_factory() as db:
            begin_writing(db)
            export = _next_pending(db)
            if export is None:
                return built
            export_id = export.id
            try:
                if build(db, settings, export):
                    built += 1
                db.commit()
            except Exception:
                log.exception("data export %s failed", export_id)
                db.rollback()
                _mark_failed(session_factory, export_id)
    return built


def _mark_failed(session_factory: sessionmaker[Session], export_id: uuid.UUID) -> None:
    with session_factory() as db:
        begin_writing(db)
        db.execute(
            update(DataExport)
            .where(DataExport.id == export_id, DataExport.status == ExportStatus.PENDING)
            .values(status=ExportStatus.FAILED)
        )
        db.commit()


def remove_expired(db: Session, settings: Settings) -> int:
    """Delete the files of expired exports (the rows stay, without a file); in the caller's
    transaction, each file removed once it commits."""
    storage = storage_for(settings)
    expired = list(
        db.scalars(
            select(DataExport).where(
                DataExport.storage_key.is_not(None), DataExport.expires_at <= utcnow()
            )
        )
    )
    for export in expired:
        assert export.storage_key is not None
        delete_after_commit(db, storage, export.storage_key)
        export.storage_key = None
    return len(expired)


def zip_names(content: bytes) -> list[str]:
    """The names inside a ZIP (for tests and the CLI)."""
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return archive.namelist()
