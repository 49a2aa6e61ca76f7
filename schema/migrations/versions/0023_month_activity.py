"""month activity: the additive conversation counts of ended months, kept so a year's figures
do not read every conversation of its ended months again

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06 21:30:00

- month_activity(month, rules, counts): one ended month's conversations counted by kind,
  setting and outcome (with minutes and attendees), by mentor, and by barrier raised
  (``outreach.stats.month_activity``). Counts of distinct people are not additive and are
  not kept. Derived data: ``outreach check`` counts the kept months afresh and compares.
- Triggers remove the kept month of every conversation a change touches (its month before
  and after), in the transaction of that change, whichever code path writes: a
  conversation, its mentors and its barriers. A new, empty table: nothing to convert.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _drop(day: str) -> str:
    return f"DELETE FROM month_activity WHERE month = substr({day}, 1, 7);"


def _drop_of(link: str) -> str:
    return _drop(f"(SELECT occurred_on FROM conversation WHERE id = {link}.conversation_id)")


TRIGGERS = {
    "month_activity_conversation_insert": (
        f"AFTER INSERT ON conversation BEGIN {_drop('new.occurred_on')} END"
    ),
    "month_activity_conversation_update": (
        "AFTER UPDATE ON conversation BEGIN "
        f"{_drop('old.occurred_on')} {_drop('new.occurred_on')} END"
    ),
    "month_activity_conversation_delete": (
        f"AFTER DELETE ON conversation BEGIN {_drop('old.occurred_on')} END"
    ),
}
for _table in ("conversation_mentor", "conversation_barrier"):
    TRIGGERS[f"month_activity_{_table}_insert"] = (
        f"AFTER INSERT ON {_table} BEGIN {_drop_of('new')} END"
    )
    TRIGGERS[f"month_activity_{_table}_update"] = (
        f"AFTER UPDATE ON {_table} BEGIN {_drop_of('old')} {_drop_of('new')} END"
    )
    TRIGGERS[f"month_activity_{_table}_delete"] = (
        f"AFTER DELETE ON {_table} BEGIN {_drop_of('old')} END"
    )


def upgrade() -> None:
    op.create_table(
        "month_activity",
        sa.Column("month", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("rules", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("counts", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.PrimaryKeyConstraint("month"),
    )
    for name, body in TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} {body}")


def downgrade() -> None:
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER {name}")
    op.drop_table("month_activity")
