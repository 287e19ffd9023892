"""impact and privacy settings, audit subjects, account deletion, data exports

Revision ID: 20261203_impact_privacy
Revises: 20261202_one_rate_counter
Create Date: 2026-12-02 10:34:47.880580
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import app.db

revision: str = "20261203_impact_privacy"
down_revision: str | None = "20261202_one_rate_counter"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # New columns use plain ALTER TABLE ADD COLUMN: a batch rebuild of ``users`` on SQLite
    # would drop the table and cascade-delete every row that references it.
    op.create_table(
        "data_exports",
        sa.Column("user_id", sa.Uuid(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "pending", "ready", "failed", name="export_status", native_enum=False, length=20
            ),
            nullable=False,
        ),
        sa.Column("requested_at", app.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("ready_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("expires_at", app.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("storage_key", sa.String(length=500), nullable=True),
        sa.Column("size_bytes", sa.Integer(), nullable=True),
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_data_exports_user_id_users"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_data_exports")),
    )
    with op.batch_alter_table("data_exports", schema=None) as batch_op:
        batch_op.create_index(
            "ix_data_exports_status_requested", ["status", "requested_at"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_data_exports_user_id"), ["user_id"], unique=False)

    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.add_column(sa.Column("subject_id", sa.Uuid(), nullable=True))
        batch_op.add_column(sa.Column("client_address", sa.String(length=64), nullable=True))
        batch_op.create_index("ix_audit_events_subject_at", ["subject_id", "at"], unique=False)
        batch_op.create_index("ix_audit_events_target", ["target_type", "target_id"], unique=False)
        batch_op.create_foreign_key(
            batch_op.f("fk_audit_events_subject_id_users"),
            "users",
            ["subject_id"],
            ["id"],
            ondelete="SET NULL",
        )

    op.add_column(
        "learner_profiles",
        sa.Column("share_demographics", sa.Boolean(), server_default=sa.false(), nullable=False),
    )
    op.add_column(
        "learner_profiles",
        sa.Column("gender", sa.String(length=40), server_default="", nullable=False),
    )
    op.add_column(
        "learner_profiles",
        sa.Column("race_ethnicity", sa.String(length=80), server_default="", nullable=False),
    )
    op.add_column(
        "learner_profiles",
        sa.Column("years_experience", sa.String(length=20), server_default="", nullable=False),
    )

    op.add_column(
        "memberships", sa.Column("school", sa.String(length=200), server_default="", nullable=False)
    )

    op.add_column(
        "organizations",
        sa.Column("min_cell_size", sa.Integer(), server_default="10", nullable=False),
    )
    op.add_column(
        "organizations", sa.Column("evidence_retention_months", sa.Integer(), nullable=True)
    )

    op.add_column(
        "users",
        sa.Column("deletion_requested_at", app.db.UTCDateTime(timezone=True), nullable=True),
    )
    op.add_column(
        "users", sa.Column("deletion_due_at", app.db.UTCDateTime(timezone=True), nullable=True)
    )
    op.add_column(
        "users",
        sa.Column(
            "deletion_revokes_credentials",
            sa.Boolean(),
            server_default=sa.false(),
            nullable=False,
        ),
    )
    op.add_column(
        "users", sa.Column("deleted_at", app.db.UTCDateTime(timezone=True), nullable=True)
    )


def downgrade() -> None:

    with op.batch_alter_table("users", schema=None) as batch_op:
        batch_op.drop_column("deleted_at")
        batch_op.drop_column("deletion_revokes_credentials")
        batch_op.drop_column("deletion_due_at")
        batch_op.drop_column("deletion_requested_at")

    with op.batch_alter_table("organizations", schema=None) as batch_op:
        batch_op.drop_column("evidence_retention_months")
        batch_op.drop_column("min_cell_size")

    with op.batch_alter_table("memberships", schema=None) as batch_op:
        batch_op.drop_column("school")

    with op.batch_alter_table("learner_profiles", schema=None) as batch_op:
        batch_op.drop_column("years_experience")
        batch_op.drop_column("race_ethnicity")
        batch_op.drop_column("gender")
        batch_op.drop_column("share_demographics")

    with op.batch_alter_table("audit_events", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_audit_events_subject_id_users"), type_="foreignkey")
        batch_op.drop_index("ix_audit_events_target")
        batch_op.drop_index("ix_audit_events_subject_at")
        batch_op.drop_column("client_address")
        batch_op.drop_column("subject_id")

    with op.batch_alter_table("data_exports", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_data_exports_user_id"))
        batch_op.drop_index("ix_data_exports_status_requested")

    op.drop_table("data_exports")
