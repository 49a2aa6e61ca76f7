"""person search by key: names found ignoring accents, apostrophes, hyphens and spaces

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-06 21:30:00

- person_search (0013) held each name folded (``fold()``: case only, accents kept) and as
  typed, so "SIOBHAN" missed "Siobhán" and "oneill" missed "O'Neill". It is remade with one
  column, ``name_key``: the name's ``search_key()`` (``outreach.wording.search_key``: case
  folded, accents dropped, spaces, apostrophes, hyphens and full stops dropped), which is what
  every search now compares. The name as typed is no longer copied into the index.
- Filled for the people a store already holds with one ``INSERT ... SELECT`` (set-based: one
  statement however many people) into a new table, rather than deleting 0013's rows one by one;
  the triggers that keep it in the transaction of every write to a person are remade to write
  the key. Like every table, it lives inside the encrypted database.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _triggers(columns: str, values: str) -> dict[str, str]:
    return {
        "person_search_insert": f"""
    AFTER INSERT ON person BEGIN
    INSERT INTO person_search (rowid, {columns}) VALUES (new.id, {values});
    END""",
        "person_search_update": f"""
    AFTER UPDATE OF id, display_name ON person BEGIN
    DELETE FROM person_search WHERE rowid = old.id;
    INSERT INTO person_search (rowid, {columns}) VALUES (new.id, {values});
    END""",
        "person_search_delete": """
    AFTER DELETE ON person BEGIN
    DELETE FROM person_search WHERE rowid = old.id;
    END""",
    }


def _remake(columns: str, values: str) -> None:
    triggers = _triggers(columns, values)
    for name in triggers:
        op.execute(f"DROP TRIGGER {name}")
    op.execute("DROP TABLE person_search")
    op.execute(f"CREATE VIRTUAL TABLE person_search USING fts5({columns}, tokenize = 'trigram')")
    op.execute(
        f"INSERT INTO person_search (rowid, {columns}) "
        f"SELECT id, {values.replace('new.', '')} FROM person"
    )
    for name, body in triggers.items():
        op.execute(f"CREATE TRIGGER {name} {body}")


def upgrade() -> None:
    _remake("name_key", "search_key(new.display_name)")


def downgrade() -> None:
    _remake("name, raw", "fold(new.display_name), new.display_name")
