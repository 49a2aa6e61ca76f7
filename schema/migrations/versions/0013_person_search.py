"""person search index: names and references found from an index, not a walk of every person

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-06 15:30:00

- person_search: an FTS5 table with the trigram tokenizer, inside the encrypted database, one
  row per person (rowid = person.id): ``name`` is the name folded as every search compares it
  (``fold()``, outreach.wording), ``raw`` the name as typed (a search also matches the name as
  typed, ignoring A-Z case). Kept by triggers in the transaction of the write that changes a
  person, so it is never out of step whichever code path writes; built here for the people a
  store already holds. A name search of three characters or more reads its candidates from it
  (``outreach.services.name_search``), then checks them with the same test as before.
- FTS5 keeps the table's rows in shadow tables (person_search_data, _idx, _content, _docsize,
  _config); the models cannot declare a virtual table, so the model comparison leaves these
  out by name (``outreach.model.people.SEARCH_INDEX_TABLES``).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TRIGGERS = {
    "person_search_insert": """
    AFTER INSERT ON person BEGIN
    INSERT INTO person_search (rowid, name, raw)
    VALUES (new.id, fold(new.display_name), new.display_name);
    END""",
    "person_search_update": """
    AFTER UPDATE OF id, display_name ON person BEGIN
    DELETE FROM person_search WHERE rowid = old.id;
    INSERT INTO person_search (rowid, name, raw)
    VALUES (new.id, fold(new.display_name), new.display_name);
    END""",
    "person_search_delete": """
    AFTER DELETE ON person BEGIN
    DELETE FROM person_search WHERE rowid = old.id;
    END""",
}


def upgrade() -> None:
    op.execute("CREATE VIRTUAL TABLE person_search USING fts5(name, raw, tokenize = 'trigram')")
    op.execute(
        "INSERT INTO person_search (rowid, name, raw) "
        "SELECT id, fold(display_name), display_name FROM person"
    )
    for name, body in TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} {body}")


def downgrade() -> None:
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER {name}")
    op.execute("DROP TABLE person_search")
