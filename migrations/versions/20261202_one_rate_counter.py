"""one rate counter: sign-in throttling kept in rate_counters (resets_at, blocked_until)

Rows hold counts of at most an hour (rate limits) or of a sign-in lockout. The rate-limit counts
start afresh; every sign-in counter is carried over under its new key, the account as a hash.

Revision ID: 20261202_one_rate_counter
Revises: 20261202_form_nonces
Create Date: 2026-12-02 06:00:00
"""

import hashlib
from collections.abc import Sequence
from datetime import datetime, timedelta

import sqlalchemy as sa
from alembic import op

import app.db

revision: str = "20261202_one_rate_counter"
down_revision: str | None = "20261202_form_nonces"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

QUIET = timedelta(minutes=15)  # the sign-in failure window's default


def upgrade() -> None:
    op.drop_table("rate_counters")
    counters = op.create_table(
        "rate_counters",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.Column("resets_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("blocked_until", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_rate_counters")),
    )
    moment = app.db.UTCDateTime(timezone=True)
    throttles = sa.table(
        "login_throttles",
        sa.column("email", sa.String()),
        sa.column("ip_address", sa.String()),
        sa.column("failures", sa.Integer()),
        sa.column("last_failure_at", moment),
        sa.column("blocked_until", moment),
    )
    rows = op.get_bind().execute(sa.select(throttles)).all()
    carried = [_signin_counter(*row) for row in rows]
    if carried:
        op.bulk_insert(counters, carried)
    op.drop_table("login_throttles")


def _signin_counter(
    email: str,
    ip: str,
    failures: int,
    last_failure_at: datetime | None,
    blocked_until: datetime | None,
) -> dict[str, object]:
    """The row as app/services/identity/throttle.py keys and keeps it."""
    who = f"account:{hashlib.sha256(email.encode()).hexdigest()[:40]}" if email else "address"
    moments = [m for m in (last_failure_at, blocked_until) if m is not None]
    resets_at = max(moments) + QUIET if moments else app.db.utcnow()
    return {
        "key": f"signin:{who}:{ip}",
        "count": failures,
        "resets_at": resets_at,
        "blocked_until": blocked_until,
    }


def downgrade() -> None:
    op.create_table(
        "login_throttles",
        sa.Column("email", sa.String(length=320), nullable=False),
        sa.Column("ip_address", sa.String(length=64), nullable=False),
        sa.Column("failures", sa.Integer(), nullable=False),
        sa.Column("last_failure_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("blocked_until", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.PrimaryKeyConstraint("email", "ip_address", name=op.f("pk_login_throttles")),
    )
    op.drop_table("rate_counters")
    op.create_table(
        "rate_counters",
        sa.Column("key", sa.String(length=200), nullable=False),
        sa.Column("window_start", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("count", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("key", name=op.f("pk_rate_counters")),
    )
