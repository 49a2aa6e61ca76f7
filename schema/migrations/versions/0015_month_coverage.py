"""month coverage: the coverage cells of ended months, kept so they are not counted again

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-06 15:45:00

- month_coverage(programme, day, rules, cells): the coverage cells (band, unit, eligible,
  covered, clinically ceased) on a month end that had passed when they were counted; the
  dashboard's trend reads them instead of checking every resident again
  (``outreach.stats.month_cache``). Derived data: ``outreach check`` counts them afresh and
  compares.
- Triggers remove every kept month end on or after the earliest date a change touches, in the
  transaction of that change, whichever code path writes: a stay (from its arrival, the
  earlier of before and after), a screening event (from its date) and a person's date of
  birth or cervix (from their first arrival). Coverage on a day reads nothing else dated, so a
  conversation, a decision or a follow-up keeps every month.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _drop_from(day: str) -> str:
    return f"DELETE FROM month_coverage WHERE day >= {day};"


TRIGGERS = {
    "month_coverage_stay_insert": f"AFTER INSERT ON stay BEGIN {_drop_from('new.arrived_on')} END",
    "month_coverage_stay_update": (
        f"AFTER UPDATE ON stay BEGIN {_drop_from('min(old.arrived_on, new.arrived_on)')} END"
    ),
    "month_coverage_stay_delete": f"AFTER DELETE ON stay BEGIN {_drop_from('old.arrived_on')} END",
    "month_coverage_event_insert": (
        f"AFTER INSERT ON screening_event BEGIN {_drop_from('new.occurred_on')} END"
    ),
    "month_coverage_event_update": (
        "AFTER UPDATE ON screening_event BEGIN "
        f"{_drop_from('min(old.occurred_on, new.occurred_on)')} END"
    ),
    "month_coverage_event_delete": (
        f"AFTER DELETE ON screening_event BEGIN {_drop_from('old.occurred_on')} END"
    ),
    "month_coverage_person_update": (
        "AFTER UPDATE OF date_of_birth, has_cervix ON person BEGIN "
        f"{_drop_from('(SELECT min(arrived_on) FROM stay WHERE person_id = new.id)')} END"
    ),
}


def upgrade() -> None:
    op.create_table(
        "month_coverage",
        sa.Column("programme", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("day", sa.Date(), nullable=False),
        sa.Column("rules", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("cells", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.PrimaryKeyConstraint("programme", "day"),
    )
    for name, body in TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} {body}")


def downgrade() -> None:
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER {name}")
    op.drop_table("month_coverage")
