"""transfers: packets that carry a resident's pathway to the site she moves to

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-06 18:20:00

- transfer(packet_id, direction, person_id, site, fingerprint, left_on, expires_on, with_notes,
  conversations, recorded_at): one row per transfer packet written ("out") or taken in ("in");
  (packet_id, direction) is unique, so a packet taken in twice is refused.
- transfer_follow_up(transfer_id, follow_up_id): the follow-ups a packet taken in carried from
  the sending site.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "transfer",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("packet_id", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("direction", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("site", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("fingerprint", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("left_on", sa.Date(), nullable=False),
        sa.Column("expires_on", sa.Date(), nullable=False),
        sa.Column("with_notes", sa.Boolean(), nullable=False),
        sa.Column("conversations", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("recorded_at", sa.DateTime(), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("packet_id", "direction", name="uq_transfer_packet"),
    )
    with op.batch_alter_table("transfer", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_transfer_person_id"), ["person_id"], unique=False)
    op.create_table(
        "transfer_follow_up",
        sa.Column("transfer_id", sa.Integer(), nullable=False),
        sa.Column("follow_up_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["follow_up_id"], ["follow_up.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["transfer_id"], ["transfer.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("transfer_id", "follow_up_id"),
    )
    with op.batch_alter_table("transfer_follow_up", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_transfer_follow_up_follow_up_id"), ["follow_up_id"], unique=False
        )


def downgrade() -> None:
    op.drop_table("transfer_follow_up")
    op.drop_table("transfer")
