"""person equity fields: ethnic group, disability, learning disability, first language, interpreter

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-06 18:30:00

- person gains five columns, each a code from ``schema/equity/fields.toml``
  (``outreach.rules.equity``): ``ethnicity`` (ONS 2021, 19 groups), ``disability``,
  ``learning_disability``, ``first_language`` and ``interpreter``. Every person already in the
  store is ``not_stated`` (never asked), which stays apart from ``declined`` (asked, chose not
  to say).
- Added with ``ALTER TABLE ... ADD COLUMN`` and a constant default, never a table rebuild: a
  rebuild would drop the triggers on person (the name search index, the kept month figures).
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COLUMNS = ("ethnicity", "disability", "learning_disability", "first_language", "interpreter")


def upgrade() -> None:
    for name in COLUMNS:
        op.add_column(
            "person",
            sa.Column(
                name,
                sqlmodel.sql.sqltypes.AutoString(),
                nullable=False,
                server_default="not_stated",
            ),
        )


def downgrade() -> None:
    # SQLite 3.35+ drops a column in place (no rebuild, the triggers stay).
    for name in reversed(COLUMNS):
        op.execute(f"ALTER TABLE person DROP COLUMN {name}")
