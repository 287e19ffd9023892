"""outbox: next_attempt_at for retries with exponential backoff

Revision ID: 20261202_mail_retry
Revises: 20261202_org_domains
Create Date: 2026-12-02 01:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db

revision: str = "20261202_mail_retry"
down_revision: str | None = "20261202_org_domains"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("next_attempt_at", app.db.UTCDateTime(timezone=True), nullable=True)
        )
    op.execute("UPDATE outbox_messages SET next_attempt_at = created_at")
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.alter_column(
            "next_attempt_at", existing_type=app.db.UTCDateTime(timezone=True), nullable=False
        )
        batch_op.create_index(
            "ix_outbox_messages_status_next_attempt", ["status", "next_attempt_at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("outbox_messages", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_messages_status_next_attempt")
        batch_op.drop_column("next_attempt_at")
