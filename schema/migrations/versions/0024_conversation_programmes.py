"""conversation programmes: one conversation can address several programmes

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-06 21:15:00

- conversation.programme: the first programme the conversation addressed; its ``outcome``
  and its ``conversation_barrier`` rows are that programme's. Added with ``ALTER TABLE ...
  ADD COLUMN`` and the constant default ``cervical-screening``: every conversation a store
  already holds was about cervical screening, and the default says so without writing a row.
- conversation_programme(conversation_id, programme, outcome): each further programme the
  conversation addressed, with the person's own decision about it.
- conversation_programme_barrier(conversation_id, programme, code): the barriers raised about
  each further programme (codes only, as for ``conversation_barrier``).
- ix_conversation_on_cover gains ``programme`` last, so a programme's figures still read the
  index alone.
- The kept monthly counts (0023) become cervical screening's alone: a further programme's
  row or barrier is one of its conversation's figures, so writing one removes its month, as
  writing a conversation's own rows does.

Why no link row for the conversations already held: at a million people a store holds about
five million conversations. A link row each would be five million inserts, and the change-log
triggers (0022) would log each as a change to send to every paired store, although each of
those stores makes the same rows by running this same migration; and two laptops that were
copies would have to derive the same uid for each, or sync would duplicate them. The column
default costs no row at all, so there is nothing to log, nothing to give an id and nothing to
duplicate. The two new tables start empty (nothing to log); their change-log triggers, and
the conversation's rebuilt for its new column, are installed here.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

from outreach.store.changes import drop_triggers, install_triggers

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

HOME = "cervical-screening"
FURTHER = ("conversation_programme", "conversation_programme_barrier")


def _drop_of(link: str) -> str:
    return (
        "DELETE FROM month_activity WHERE month = substr((SELECT occurred_on FROM conversation "
        f"WHERE id = {link}.conversation_id), 1, 7);"
    )


MONTH_TRIGGERS = {
    f"month_activity_{table}_{event}": f"AFTER {event.upper()} ON {table} BEGIN {body} END"
    for table in FURTHER
    for event, body in (
        ("insert", _drop_of("new")),
        ("update", _drop_of("old") + " " + _drop_of("new")),
        ("delete", _drop_of("old")),
    )
}
COVER = ["occurred_on", "kind", "setting", "outcome", "minutes", "attendees", "person_id"]


def upgrade() -> None:
    text = sqlmodel.sql.sqltypes.AutoString
    op.add_column(
        "conversation",
        sa.Column("programme", text(), nullable=False, server_default=HOME),
    )
    op.drop_index("ix_conversation_on_cover", table_name="conversation")
    op.create_index("ix_conversation_on_cover", "conversation", [*COVER, "programme"])
    op.create_table(
        "conversation_programme",
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("programme", text(), nullable=False),
        sa.Column("outcome", text(), nullable=False),
        sa.Column("uid", text(), nullable=True),
        sa.Column("origin", text(), nullable=True),
        sa.ForeignKeyConstraint(["conversation_id"], ["conversation.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("conversation_id", "programme"),
    )
    op.create_index("ix_conversation_programme_uid", "conversation_programme", ["uid"], unique=True)
    op.create_index(
        "ix_conversation_programme_programme",
        "conversation_programme",
        ["programme", "conversation_id"],
    )
    op.create_table(
        "conversation_programme_barrier",
        sa.Column("conversation_id", sa.Integer(), nullable=False),
        sa.Column("programme", text(), nullable=False),
        sa.Column("code", text(), nullable=False),
        sa.Column("uid", text(), nullable=True),
        sa.Column("origin", text(), nullable=True),
        sa.ForeignKeyConstraint(["conversation_id"], ["conversation.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("conversation_id", "programme", "code"),
    )
    op.create_index(
        "ix_conversation_programme_barrier_uid",
        "conversation_programme_barrier",
        ["uid"],
        unique=True,
    )
    op.create_index(
        "ix_conversation_programme_barrier_code",
        "conversation_programme_barrier",
        ["programme", "code"],
    )
    install_triggers(op.get_bind(), ("conversation", *FURTHER))
    for name, body in MONTH_TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} {body}")
    # Months kept before this revision counted every conversation: they are cervical
    # screening's figures only now, and the statement that counts them has changed.
    op.execute("DELETE FROM month_activity")


def downgrade() -> None:
    connection = op.get_bind()
    for name in MONTH_TRIGGERS:
        op.execute(f"DROP TRIGGER IF EXISTS {name}")
    drop_triggers(connection, ("conversation", *FURTHER))
    op.drop_table("conversation_programme_barrier")
    op.drop_table("conversation_programme")
    op.drop_index("ix_conversation_on_cover", table_name="conversation")
    op.create_index("ix_conversation_on_cover", "conversation", COVER)
    op.execute("ALTER TABLE conversation DROP COLUMN programme")
    install_triggers(connection, ("conversation",))
