"""stats indexes: covering indexes for the coverage, reach and activity queries

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-25 14:00:00

- screening_event(person_id, programme, event, occurred_on, hpv, cytology): the "adequate test
  in the window" and "ceased by D" lookups read the index alone.
- stay(coalesce(left_on, '9999-12-31'), arrived_on, person_id, unit_id): stays that overlap
  the days measured are a range of this index (the expression must match the queries in
  outreach/stats/coverage.py and pathway.py exactly).
- conversation(occurred_on, kind, setting, outcome, minutes, attendees, person_id): the
  period aggregates read the index alone.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_screening_person_event_on",
        "screening_event",
        ["person_id", "programme", "event", "occurred_on", "hpv", "cytology"],
    )
    op.create_index(
        "ix_stay_until_arrived",
        "stay",
        [sa.text("coalesce(left_on, '9999-12-31')"), "arrived_on", "person_id", "unit_id"],
    )
    op.create_index(
        "ix_conversation_on_cover",
        "conversation",
        ["occurred_on", "kind", "setting", "outcome", "minutes", "attendees", "person_id"],
    )


def downgrade() -> None:
    op.drop_index("ix_conversation_on_cover", table_name="conversation")
    op.drop_index("ix_stay_until_arrived", table_name="stay")
    op.drop_index("ix_screening_person_event_on", table_name="screening_event")
