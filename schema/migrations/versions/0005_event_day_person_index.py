"""event day person index: screening events of one kind in a date range, read from the index

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-25 15:00:00

- screening_event(programme, event, occurred_on, person_id, reason): the offers and colposcopy
  referrals of a period (uptake, colposcopy) and every clinical ceasing up to a day (coverage,
  reach) are a range of this index, with no lookup in the table for the person or the reason.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_screening_event_on_person",
        "screening_event",
        ["programme", "event", "occurred_on", "person_id", "reason"],
    )
    # A store with planner statistics gets them for the new index too, or the planner would
    # keep preferring the older index it has figures for.
    analyzed = (
        op.get_bind()
        .execute(sa.text("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'"))
        .first()
    )
    if analyzed is not None:
        op.execute("ANALYZE ix_screening_event_on_person")


def downgrade() -> None:
    op.drop_index("ix_screening_event_on_person", table_name="screening_event")
