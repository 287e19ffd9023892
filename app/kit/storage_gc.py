"""Orphan files: stored bytes no row points to (left when a process died between the two).

Files are written before their rows and removed again if the transaction rolls back
(``storage.discard_on_rollback``), but a crash, a killed worker or a lost connection can still
leave a file behind. ``clean_orphans`` finds stored keys that no row references and that are
older than a grace period (so uploads still in flight are never touched), and deletes them.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from itertools import islice
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.kit.storage.protocol import Storage, StoredFile
from app.models import Attachment, DataExport, EvidenceFile, MicroCredential, Organization

# Every column that holds a storage key. A new feature that stores files adds its column here.
KEY_COLUMNS: tuple[Any, ...] = (
    Attachment.storage_key,
    DataExport.storage_key,
    EvidenceFile.storage_key,
    MicroCredential.image_key,
    Organization.logo_path,
)
BATCH = 500


@dataclass
class CleanupReport:
    """What a clean-up found and did."""

    scanned: int = 0
    referenced: int = 0
    young: int = 0
    orphans: list[StoredFile] = field(default_factory=list)
    removed: int = 0

    @property
    def orphan_bytes(self) -> int:
        """Total size of the orphans found."""
        return sum(f.size for f in self.orphans)


def referenced(db: Session, keys: list[str]) -> set[str]:
    """Those of ``keys`` that some row points to."""
    found: set[str] = set()
    for column in KEY_COLUMNS:
        found.update(db.scalars(select(column).where(column.in_(keys))))
    return found


def _batches(files: Iterable[StoredFile]) -> Iterator[list[StoredFile]]:
    iterator = iter(files)
    while batch := list(islice(iterator, BATCH)):
        yield batch


def clean_orphans(
    db: Session,
    storage: Storage,
    *,
    older_than: timedelta = timedelta(hours=24),
    dry_run: bool = False,
    now: datetime | None = None,
) -> CleanupReport:
    """Delete stored files no row references and older than ``older_than`` (unless dry run)."""
    cutoff = (now or datetime.now(UTC)) - older_than
    report = CleanupReport()
    for batch in _batches(storage.list_files()):
        report.scanned += len(batch)
        old = [f for f in batch if f.modified < cutoff]
        report.young += len(batch) - len(old)
        keep = referenced(db, [f.key for f in old]) if old else set()
        for stored in old:
            if stored.key in keep:
                report.referenced += 1
                continue
            report.orphans.append(stored)
            if not dry_run:
                storage.delete(stored.key)
                report.removed += 1
    return report
