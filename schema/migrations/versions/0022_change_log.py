"""change log: every change to a travelling row, for sync bundles between paired stores

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-06 19:05:00

- change_log(seq, tbl, uid, op, data, hlc, origin): one row per insert, update (changed
  fields only) or deletion of a travelling row, written by triggers in the transaction of the
  write, whichever code path made it (``outreach.store.changes``). Rows already in the store
  are logged as inserts, so the first bundle to a peer carries them.
- sync_clock: the hybrid logical clock (one row).
- sync_peer: paired stores, their cards, and how far each side has got.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

from outreach.store.changes import drop_triggers, install_triggers, log_existing

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = (
    "unit",
    "person",
    "stay",
    "mentor",
    "screening_event",
    "decision",
    "follow_up",
    "target",
    "conversation",
    "conversation_mentor",
    "conversation_barrier",
    "conversation_attendee",
)


def upgrade() -> None:
    text = sqlmodel.sql.sqltypes.AutoString
    op.create_table(
        "change_log",
        sa.Column("seq", sa.Integer(), nullable=False),
        sa.Column("tbl", text(), nullable=False),
        sa.Column("uid", text(), nullable=False),
        sa.Column("op", text(), nullable=False),
        sa.Column("data", text(), nullable=True),
        sa.Column("hlc", sa.Integer(), nullable=False),
        sa.Column("origin", text(), nullable=False),
        sa.PrimaryKeyConstraint("seq"),
    )
    op.create_index("ix_change_log_change", "change_log", ["hlc", "origin"], unique=True)
    op.create_index("ix_change_log_row", "change_log", ["tbl", "uid"])
    op.create_table(
        "sync_clock",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("last", sa.Integer(), nullable=False),
        sa.Column("applying", sa.Integer(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "sync_peer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("site", text(), nullable=False),
        sa.Column("fingerprint", text(), nullable=False),
        sa.Column("card", text(), nullable=False),
        sa.Column("store_id", text(), nullable=True),
        sa.Column("paired_at", sa.DateTime(), nullable=False),
        sa.Column("acknowledged", sa.Integer(), nullable=False),
        sa.Column("received", sa.Integer(), nullable=False),
        sa.Column("bundles_sent", sa.Integer(), nullable=False),
        sa.Column("last_sent_hash", text(), nullable=False),
        sa.Column("bundles_received", sa.Integer(), nullable=False),
        sa.Column("last_received_hash", text(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("fingerprint"),
    )
    op.execute("INSERT INTO sync_clock (id, last, applying) VALUES (1, 0, 0)")
    connection = op.get_bind()
    install_triggers(connection, TABLES)
    log_existing(connection, TABLES)


def downgrade() -> None:
    drop_triggers(op.get_bind(), TABLES)
    op.drop_table("sync_peer")
    op.drop_table("sync_clock")
    op.drop_index("ix_change_log_row", table_name="change_log")
    op.drop_index("ix_change_log_change", table_name="change_log")
    op.drop_table("change_log")
