"""follow-up cancelled on: the day a cancelled follow-up stopped being open

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 13:05:00

- follow_up.cancelled_on: the date of the decision, ceasing or leaving that cancelled the
  follow-up, or the day it was cancelled by hand. Until then it was open, and on a past date
  it counts as open (and overdue once past its due date) like any other.

Not backfilled: stores kept no date for a cancellation (the audit says when a row was typed,
not the date of the decision behind it), so a follow-up cancelled before this revision keeps
an empty cancelled_on and is never counted open on a past date, as before.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("follow_up") as batch:
        batch.add_column(sa.Column("cancelled_on", sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("follow_up") as batch:
        batch.drop_column("cancelled_on")
