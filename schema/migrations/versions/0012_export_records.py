"""export records: the figures each export published that add up across periods

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-06 13:00:00

- export_record(audit_id, period, policy, figures): for each written export, the published
  figures of its event counts (rounded, suppressed as null), so that a later export of a
  period that adds up with it (a quarter beside its months, a year beside its quarters) is
  refused when together they would pin a suppressed count. Aggregates only.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "export_record",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("audit_id", sa.Integer(), nullable=False),
        sa.Column("period", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("policy", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("figures", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.ForeignKeyConstraint(["audit_id"], ["audit.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_export_record_audit_id", "export_record", ["audit_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_export_record_audit_id", table_name="export_record")
    op.drop_table("export_record")
