"""import undo: each import's batch and the rows it added or changed

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-25 17:00:00

- import_batch(kind, imported_at, account_id, counts, undone_at, undone_by): one row per
  import that wrote something. No file name: a file name can identify people.
- import_change(batch_id, table_name, row_id, old_values, new_values): the rows an import
  added (old_values empty) or changed (old_values: the row before, as JSON), and each row as
  the import left it, so that ``outreach import undo`` can put everything back and refuse when
  later work depends on it. Values stay inside the encrypted store and never reach the audit.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "import_batch",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("imported_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.Column("rows", sa.Integer(), nullable=False),
        sa.Column("added", sa.Integer(), nullable=False),
        sa.Column("updated", sa.Integer(), nullable=False),
        sa.Column("unchanged", sa.Integer(), nullable=False),
        sa.Column("marked_left", sa.Integer(), nullable=False),
        sa.Column("undone_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("undone_by", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["account.id"]),
        sa.ForeignKeyConstraint(["undone_by"], ["account.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_table(
        "import_change",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("batch_id", sa.Integer(), nullable=False),
        sa.Column("table_name", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("row_id", sa.Integer(), nullable=False),
        sa.Column("old_values", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.Column("new_values", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
        sa.ForeignKeyConstraint(["batch_id"], ["import_batch.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index(
        "ux_import_change_row",
        "import_change",
        ["batch_id", "table_name", "row_id"],
        unique=True,
    )


def downgrade() -> None:
    op.drop_index("ux_import_change_row", table_name="import_change")
    op.drop_table("import_change")
    op.drop_table("import_batch")
