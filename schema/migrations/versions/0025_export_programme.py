"""export record programme: which programme's figures an export published

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-06 21:30:00

- export_record.programme: the programme key of the export. Exports made before programmes
  could be exported were all of cervical screening, which is what the column says for them.
  The check against earlier exports compares a new export with those of its own programme
  only, so exporting one programme never hides another's earlier figures from the check.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # ADD COLUMN with a constant default: no table rebuild, whatever the size of the store.
    op.add_column(
        "export_record",
        sa.Column(
            "programme",
            sqlmodel.sql.sqltypes.AutoString(),
            nullable=False,
            server_default="cervical-screening",
        ),
    )


def downgrade() -> None:
    # SQLite 3.35+ drops a column in place.
    op.execute("ALTER TABLE export_record DROP COLUMN programme")
