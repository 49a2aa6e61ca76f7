"""sync chain and authors: the bundles applied from each peer, and authors from elsewhere

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-07 01:15:00

- sync_bundle_in(peer_id, number, hash, from_seq, upto, applied_at): each bundle applied from
  a paired store, so the next one's "previous" hash can be checked and a replay named as one.
  Empty on existing stores: their next bundle from each peer is checked by its range instead.
- author_elsewhere(account_id, from_store): the accounts made only to keep the name of the
  author of a change that came from a paired store (no key slot: they never log in). Kept
  apart from account, which code reads before migrating. Two new tables: cheap on any store.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0030"
down_revision: str | None = "0029"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

_TEXT = sqlmodel.sql.sqltypes.AutoString


def upgrade() -> None:
    op.create_table(
        "sync_bundle_in",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("peer_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("hash", _TEXT(), nullable=False),
        sa.Column("from_seq", sa.Integer(), nullable=False),
        sa.Column("upto", sa.Integer(), nullable=False),
        sa.Column("applied_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["peer_id"], ["sync_peer.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("hash"),
    )
    op.create_index("ix_sync_bundle_in_peer_id", "sync_bundle_in", ["peer_id"])
    op.create_table(
        "author_elsewhere",
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("from_store", _TEXT(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["account.id"]),
        sa.PrimaryKeyConstraint("account_id"),
    )


def downgrade() -> None:
    op.drop_table("author_elsewhere")
    op.drop_index("ix_sync_bundle_in_peer_id", table_name="sync_bundle_in")
    op.drop_table("sync_bundle_in")
