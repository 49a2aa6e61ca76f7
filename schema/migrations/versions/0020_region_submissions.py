"""region submissions: the sites a region's store trusts and the submissions they sent

Revision ID: 0020
Revises: 0019
Create Date: 2026-12-06 19:05:00

- region_site(fingerprint, site, card, added_at): the site cards whose submissions this store
  accepts (``outreach region trust CARD``).
- region_submission: one kept submission per file (exact aggregate rows as JSON, the sealed
  file's SHA-256, the sender's sequence); a newer one for the same site, programme and period
  sets ``replaced_by`` on the older (``outreach region add``).
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "region_site",
        sa.Column("fingerprint", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("site", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("card", sa.LargeBinary(), nullable=False),
        sa.Column("added_at", sa.DateTime(), nullable=False),
        sa.PrimaryKeyConstraint("fingerprint"),
    )
    op.create_table(
        "region_submission",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("fingerprint", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("site", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("org_unit", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("programme", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("period", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("as_of", sa.Date(), nullable=False),
        sa.Column("digest", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("rows", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("received_at", sa.DateTime(), nullable=False),
        sa.Column("replaced_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["fingerprint"], ["region_site.fingerprint"]),
        sa.ForeignKeyConstraint(["replaced_by"], ["region_submission.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("digest"),
    )
    with op.batch_alter_table("region_submission") as batch:
        batch.create_index("ix_region_submission_fingerprint", ["fingerprint"], unique=False)
        batch.create_index("ix_region_submission_period", ["period"], unique=False)


def downgrade() -> None:
    op.drop_table("region_submission")
    op.drop_table("region_site")
