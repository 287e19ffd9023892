"""Copies of a person's data prepared for download ("download my data")."""

from __future__ import annotations

import enum
import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base, IdMixin, str_enum, utcnow


class ExportStatus(enum.StrEnum):
    """Where a data export stands."""

    PENDING = "pending"
    READY = "ready"
    FAILED = "failed"


class DataExport(IdMixin, Base):
    """One requested ZIP of everything Laurel holds about a person; built off the request path."""

    __tablename__ = "data_exports"
    __table_args__ = (Index("ix_data_exports_status_requested", "status", "requested_at"),)

    user_id: Mapped[uuid.UUID] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[ExportStatus] = mapped_column(
        str_enum(ExportStatus, "export_status"), default=ExportStatus.PENDING
    )
    requested_at: Mapped[datetime] = mapped_column(default=utcnow)
    ready_at: Mapped[datetime | None]
    expires_at: Mapped[datetime | None]
    """After this the file is removed and the link no longer works."""
    storage_key: Mapped[str | None] = mapped_column(String(500))
    size_bytes: Mapped[int | None]
