"""worklist indexes: the follow-up worklist and residency probes read indexes alone

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-25 14:00:00

- follow_up(status, programme, due_on, id, person_id, reason, assignee_id): the worklist walks
  open follow-ups in (due_on, id) order without touching the table, so a page stops reading
  as soon as it is full.
- stay(person_id, arrived_on, left_on, unit_id): "resident on D" and "unit on D" for one
  person are answered from the index (ix_stay_person_arrived lacks left_on and unit_id).
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_index(
        "ix_follow_up_worklist",
        "follow_up",
        ["status", "programme", "due_on", "id", "person_id", "reason", "assignee_id"],
    )
    op.create_index(
        "ix_stay_person_cover", "stay", ["person_id", "arrived_on", "left_on", "unit_id"]
    )
    # A store that has planner statistics gets them for the new indexes too, or the planner
    # would keep preferring the older indexes it has figures for.
    analyzed = (
        op.get_bind()
        .execute(sa.text("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'"))
        .first()
    )
    if analyzed is not None:
        op.execute("ANALYZE ix_follow_up_worklist")
        op.execute("ANALYZE ix_stay_person_cover")


def downgrade() -> None:
    op.drop_index("ix_stay_person_cover", table_name="stay")
    op.drop_index("ix_follow_up_worklist", table_name="follow_up")
