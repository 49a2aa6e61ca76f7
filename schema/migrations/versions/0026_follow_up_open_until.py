"""follow-up open-until: the dashboard's follow-up figures read from two narrow indexes

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-06 21:55:00

- ix_follow_up_open_until(programme, open_until, opened_on, person_id, due_on): the
  follow-ups open on a day are one range of it (``queries.open_until``, frozen here as
  ``CASE status ...``: the first day a follow-up is no longer open), read without the table.
- ix_follow_up_done_on(programme, done_on, original_due_on) WHERE status = 'done': the
  follow-ups done in a period, and which of them on time, one range read without the table.
Two indexes on an existing table, built by SQLite in one pass each.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

OPEN_UNTIL = (
    "CASE status WHEN 'open' THEN '9999-12-31' WHEN 'done' THEN done_on "
    "WHEN 'cancelled' THEN cancelled_on END"
)


def upgrade() -> None:
    op.create_index(
        "ix_follow_up_open_until",
        "follow_up",
        ["programme", sa.text(OPEN_UNTIL), "opened_on", "person_id", "due_on"],
    )
    op.create_index(
        "ix_follow_up_done_on",
        "follow_up",
        ["programme", "done_on", "original_due_on"],
        sqlite_where=sa.text("status = 'done'"),
    )
    op.execute("ANALYZE follow_up")


def downgrade() -> None:
    op.drop_index("ix_follow_up_done_on", table_name="follow_up")
    op.drop_index("ix_follow_up_open_until", table_name="follow_up")
