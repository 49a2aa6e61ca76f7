"""first contact: each person's first identified conversation, kept by triggers; narrow lookups

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-25 16:00:00

- first_contact(person_id, first_on): the day of each person's first identified conversation
  (a one-to-one with them, or a group session listing them), kept by triggers on conversation
  and conversation_attendee in the same transaction as the write that changes it, so it is
  never out of step whichever code path writes. "First seen in the period" (days from first
  conversation to test) is then a range of ix_first_contact_on instead of two lookups for each
  person reached. ``outreach check`` compares it with a fresh computation.
- screening_event(person_id, programme, occurred_on) WHERE the row is an adequate test: the
  "latest adequate test" and "adequate test in the window" lookups read a third of the pages
  ix_screening_person_event_on needs (the WHERE must match ADEQUATE in
  outreach/stats/checks.py word for word).
- person(id, date_of_birth, has_cervix): the coverage checks read birth dates from this index
  instead of the wider table.
- conversation(person_id, occurred_on) WHERE kind = 'one_to_one': "reached by a one-to-one"
  is answered from the index alone.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

ADEQUATE_TEST = (
    "event = 'test' AND (hpv IN ('negative', 'positive') OR "
    "(hpv IS NULL AND cytology IS NOT NULL AND cytology != 'inadequate'))"
)


def _recompute(people: str, attendees_of: str | None = None) -> str:
    """Statements that set first_contact afresh for the people in the SQL list ``people``
    and, if given, every attendee of the conversation ``attendees_of``."""

    def concerned(column: str) -> str:
        among = f"{column} IN ({people})"
        if attendees_of is None:
            return among
        return (
            f"({among} OR {column} IN (SELECT person_id FROM conversation_attendee "
            f"WHERE conversation_id = {attendees_of}))"
        )

    return f"""
    DELETE FROM first_contact WHERE {concerned("person_id")};
    INSERT INTO first_contact (person_id, first_on)
    SELECT person_id, min(day) FROM (
        SELECT person_id, occurred_on AS day FROM conversation
        WHERE {concerned("person_id")}
        UNION ALL
        SELECT a.person_id, c.occurred_on FROM conversation_attendee a
        JOIN conversation c ON c.id = a.conversation_id
        WHERE {concerned("a.person_id")}
    ) GROUP BY person_id;"""


# Inserts (the only writes the application makes) move first_on earlier or create it; any
# other change recomputes it for the people concerned. A conversation's attendees are deleted
# by ON DELETE CASCADE after the conversation row is gone, so their recomputation is right.
TRIGGERS = {
    "first_contact_conversation_insert": """
    AFTER INSERT ON conversation WHEN new.person_id IS NOT NULL BEGIN
    INSERT INTO first_contact (person_id, first_on) VALUES (new.person_id, new.occurred_on)
    ON CONFLICT (person_id) DO UPDATE SET first_on = excluded.first_on
    WHERE excluded.first_on < first_contact.first_on;
    END""",
    "first_contact_attendee_insert": """
    AFTER INSERT ON conversation_attendee BEGIN
    INSERT INTO first_contact (person_id, first_on)
    SELECT new.person_id, occurred_on FROM conversation WHERE id = new.conversation_id
    ON CONFLICT (person_id) DO UPDATE SET first_on = excluded.first_on
    WHERE excluded.first_on < first_contact.first_on;
    END""",
    "first_contact_conversation_update": f"""
    AFTER UPDATE OF person_id, occurred_on ON conversation BEGIN
    {_recompute("old.person_id, new.person_id", attendees_of="new.id")}
    END""",
    "first_contact_conversation_delete": f"""
    AFTER DELETE ON conversation WHEN old.person_id IS NOT NULL BEGIN
    {_recompute("old.person_id")}
    END""",
    "first_contact_attendee_update": f"""
    AFTER UPDATE ON conversation_attendee BEGIN
    {_recompute("old.person_id, new.person_id")}
    END""",
    "first_contact_attendee_delete": f"""
    AFTER DELETE ON conversation_attendee BEGIN
    {_recompute("old.person_id")}
    END""",
}


def upgrade() -> None:
    op.create_table(
        "first_contact",
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("first_on", sa.Date(), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("person_id"),
    )
    op.create_index("ix_first_contact_on", "first_contact", ["first_on", "person_id"])
    op.execute(
        """
        INSERT INTO first_contact (person_id, first_on)
        SELECT person_id, min(day) FROM (
            SELECT person_id, occurred_on AS day FROM conversation WHERE person_id IS NOT NULL
            UNION ALL
            SELECT a.person_id, c.occurred_on FROM conversation_attendee a
            JOIN conversation c ON c.id = a.conversation_id
        ) GROUP BY person_id
        """
    )
    for name, body in TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} {body}")
    op.create_index(
        "ix_screening_adequate",
        "screening_event",
        ["person_id", "programme", "occurred_on"],
        sqlite_where=sa.text(ADEQUATE_TEST),
    )
    op.create_index("ix_person_birth", "person", ["id", "date_of_birth", "has_cervix"])
    op.create_index(
        "ix_conversation_one_to_one",
        "conversation",
        ["person_id", "occurred_on"],
        sqlite_where=sa.text("kind = 'one_to_one'"),
    )
    # A store with planner statistics gets them for the new indexes too, or the planner
    # would keep preferring the older indexes it has figures for.
    analyzed = (
        op.get_bind()
        .execute(sa.text("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'"))
        .first()
    )
    if analyzed is not None:
        for name in (
            "first_contact",
            "ix_screening_adequate",
            "ix_person_birth",
            "ix_conversation_one_to_one",
        ):
            op.execute(f"ANALYZE {name}")


def downgrade() -> None:
    op.drop_index("ix_conversation_one_to_one", table_name="conversation")
    op.drop_index("ix_person_birth", table_name="person")
    op.drop_index("ix_screening_adequate", table_name="screening_event")
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER {name}")
    op.drop_index("ix_first_contact_on", table_name="first_contact")
    op.drop_table("first_contact")
