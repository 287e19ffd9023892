"""Counters shared by every process through the database (rate limits, sign-in throttling)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from app.db import Base


class RateCounter(Base):
    """Events counted under one key: the count starts over at ``resets_at``, and the key may
    have to wait until ``blocked_until``."""

    __tablename__ = "rate_counters"

    key: Mapped[str] = mapped_column(String(200), primary_key=True)
    count: Mapped[int] = mapped_column(default=0)
    resets_at: Mapped[datetime]
    blocked_until: Mapped[datetime | None]
