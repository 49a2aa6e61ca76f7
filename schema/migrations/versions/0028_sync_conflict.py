"""sync conflicts: changes of two paired stores to the same field, kept for a person to resolve

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-06 21:40:00

- sync_conflict: one row per conflict (``outreach.model.sync.SyncConflict``), with both values,
  their clocks and stores, and how a person resolved it. A new, empty table (nothing to fill
  on a big store); it travels like the records it is about, so its change-log triggers are
  installed here.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

from outreach.store.changes import drop_triggers, install_triggers

revision: str = "0028"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("sync_conflict",)


def upgrade() -> None:
    text = sqlmodel.sql.sqltypes.AutoString
    op.create_table(
        "sync_conflict",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("uid", text(), nullable=True),
        sa.Column("origin", text(), nullable=True),
        sa.Column("tbl", text(), nullable=False),
        sa.Column("row_uid", text(), nullable=False),
        sa.Column("field", text(), nullable=False),
        sa.Column("op", text(), nullable=False),
        sa.Column("person_uid", text(), nullable=True),
        sa.Column("clinical", sa.Boolean(), nullable=False),
        sa.Column("kept_value", text(), nullable=True),
        sa.Column("kept_clock", sa.Integer(), nullable=False),
        sa.Column("kept_store", text(), nullable=False),
        sa.Column("held_value", text(), nullable=True),
        sa.Column("held_clock", sa.Integer(), nullable=False),
        sa.Column("held_store", text(), nullable=False),
        sa.Column("detected_at", sa.DateTime(), nullable=False),
        sa.Column("status", text(), nullable=False),
        sa.Column("resolved_value", text(), nullable=True),
        sa.Column("resolved_by", text(), nullable=True),
        sa.Column("resolved_at", sa.DateTime(), nullable=True),
        sa.Column("resolution_clock", sa.Integer(), nullable=True),
        sa.Column("resolution_store", text(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_sync_conflict_uid", "sync_conflict", ["uid"], unique=True)
    op.create_index(
        "ix_sync_conflict_status", "sync_conflict", ["status", "tbl", "row_uid"], unique=False
    )
    install_triggers(op.get_bind(), TABLES)


def downgrade() -> None:
    drop_triggers(op.get_bind(), TABLES)
    op.drop_index("ix_sync_conflict_status", table_name="sync_conflict")
    op.drop_index("ix_sync_conflict_uid", table_name="sync_conflict")
    op.drop_table("sync_conflict")
