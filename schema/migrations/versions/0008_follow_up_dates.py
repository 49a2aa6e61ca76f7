"""follow-up dates: the day each follow-up was opened in the data, and its original due date

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 12:30:00

- follow_up.opened_on: the date of the event, conversation or decision that created the
  follow-up. Open and overdue on a past date are decided from it (with due_on and done_on),
  never from created_at, which is only when the row was typed: history imported or entered
  late must count as it stood on its own dates.
- follow_up.original_due_on: the due date the follow-up was created with, never changed by
  rescheduling; timeliness (completed on time, colposcopy within 2 or 6 weeks) counts from it.

Backfill of existing rows, most reliable source first:

1. a follow-up created by a screening step (source_event_id set: repeat test, colposcopy)
   opened on that step's date;
2. a next step opened on the person's latest one-to-one conversation, on or before the due
   date, that recorded this due date as its next step; a revisit on the person's latest
   informed decline, on or before the due date, whose revisit date it is;
3. a next step or revisit that was rescheduled (so its due date no longer names its source)
   opened on the date of the conversation or decision saved for the person within a minute
   of it (they were written in one transaction), the nearest one;
4. anything else (a follow-up scheduled by hand) on the date it was typed, but never after
   its due date: a follow-up due on a date was known by then, and a later typing date would
   hide it from every past as-of date on which it was due.

original_due_on is backfilled from due_on: stores kept no earlier due date, so a follow-up
rescheduled before this revision keeps its latest due date as its original one.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Rows written in one transaction carry created_at values a fraction of a second apart.
_SAME_SAVE_DAYS = 60 / 86400

BACKFILL = [
    "UPDATE follow_up SET original_due_on = due_on",
    """UPDATE follow_up SET opened_on = (
        SELECT e.occurred_on FROM screening_event e WHERE e.id = follow_up.source_event_id)
    WHERE source_event_id IS NOT NULL""",
    """UPDATE follow_up SET opened_on = (
        SELECT max(c.occurred_on) FROM conversation c
        WHERE c.person_id = follow_up.person_id AND c.next_step_on = follow_up.due_on
          AND c.occurred_on <= follow_up.due_on)
    WHERE opened_on IS NULL AND reason = 'next_step'""",
    """UPDATE follow_up SET opened_on = (
        SELECT max(d.decided_on) FROM decision d
        WHERE d.person_id = follow_up.person_id AND d.programme = follow_up.programme
          AND d.kind = 'informed_decline' AND d.revisit_on = follow_up.due_on
          AND d.decided_on <= follow_up.due_on)
    WHERE opened_on IS NULL AND reason = 'revisit'""",
    f"""UPDATE follow_up SET opened_on = (
        SELECT c.occurred_on FROM conversation c
        WHERE c.person_id = follow_up.person_id AND c.next_step_on IS NOT NULL
          AND abs(julianday(c.created_at) - julianday(follow_up.created_at))
              <= {_SAME_SAVE_DAYS}
        ORDER BY abs(julianday(c.created_at) - julianday(follow_up.created_at)), c.id DESC
        LIMIT 1)
    WHERE opened_on IS NULL AND reason = 'next_step'""",
    f"""UPDATE follow_up SET opened_on = (
        SELECT d.decided_on FROM decision d
        WHERE d.person_id = follow_up.person_id AND d.programme = follow_up.programme
          AND d.kind = 'informed_decline'
          AND abs(julianday(d.created_at) - julianday(follow_up.created_at))
              <= {_SAME_SAVE_DAYS}
        ORDER BY abs(julianday(d.created_at) - julianday(follow_up.created_at)), d.id DESC
        LIMIT 1)
    WHERE opened_on IS NULL AND reason = 'revisit'""",
    """UPDATE follow_up SET opened_on = min(substr(created_at, 1, 10), due_on)
    WHERE opened_on IS NULL""",
]


def upgrade() -> None:
    with op.batch_alter_table("follow_up") as batch:
        batch.add_column(sa.Column("opened_on", sa.Date(), nullable=True))
        batch.add_column(sa.Column("original_due_on", sa.Date(), nullable=True))
    for statement in BACKFILL:
        op.execute(statement)
    with op.batch_alter_table("follow_up") as batch:
        batch.alter_column("opened_on", existing_type=sa.Date(), nullable=False)
        batch.alter_column("original_due_on", existing_type=sa.Date(), nullable=False)


def downgrade() -> None:
    with op.batch_alter_table("follow_up") as batch:
        batch.drop_column("original_due_on")
        batch.drop_column("opened_on")
