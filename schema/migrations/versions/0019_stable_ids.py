"""stable ids: every row that travels between stores gets a UUIDv7 and its store of origin

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-06 18:30:00

- <table>.uid, <table>.origin for each table of ``outreach.model.identity.TRAVELLING``: the
  row's globally unique id (UUIDv7, unique index ix_<table>_uid) and the ``store_id`` of the
  store that first wrote it. Integer keys stay the store's own.
- Rows already in the store are given ids here, each with this store as its origin. Added
  with ALTER TABLE (no table rebuild), so the triggers on these tables (person search, first
  contact, month coverage) stay as they are.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

from outreach.model.identity import fill_missing_ids

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Frozen here as this revision made them (the model's list may grow with later revisions).
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
    for table in TABLES:
        op.add_column(table, sa.Column("uid", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
        op.add_column(table, sa.Column("origin", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
    connection = op.get_bind()
    store_id = connection.exec_driver_sql("SELECT store_id FROM site LIMIT 1").scalar()
    if store_id is not None:  # (a new store: its site row and its rows come later)
        fill_missing_ids(connection, store_id, TABLES)
    for table in TABLES:
        op.create_index(f"ix_{table}_uid", table, ["uid"], unique=True)


def downgrade() -> None:
    for table in TABLES:
        op.drop_index(f"ix_{table}_uid", table_name=table)
        op.drop_column(table, "origin")
        op.drop_column(table, "uid")
