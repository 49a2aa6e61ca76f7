"""step results: the result of a step on a cascade programme's pathway

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-06 18:20:00

- screening_event.result: the result code a step of a cascade programme carries (an antibody
  test's "positive", a FIT kit's "abnormal"), one of the codes its programme file lists for
  that step. Cervical screening keeps its results in hpv and cytology; its rows leave this
  empty. Added in place (ALTER TABLE ADD COLUMN), so the table, its indexes and the
  month_coverage triggers on it are kept as they are.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.add_column(
        "screening_event",
        sa.Column("result", sqlmodel.sql.sqltypes.AutoString(), nullable=True),
    )


def downgrade() -> None:
    # SQLite drops a column in place since 3.35; a batch rebuild would drop the triggers.
    op.execute("ALTER TABLE screening_event DROP COLUMN result")
