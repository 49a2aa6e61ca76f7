"""person pieces: one- and two-character text found from an index

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-07 04:10:00

- person_search (0027) holds each name's search key for the trigram tokenizer, which finds
  nothing in text shorter than three characters, so one or two characters were tested on
  every person (1.5 s of CPU at 1,000,000 people for a letter nobody's name holds).
- person_pieces: an FTS5 table holding, for each person (rowid = person.id), every distinct
  one- and two-character piece of their name's search key, each written as one word
  (``search_pieces()``, :func:`outreach.wording.search_pieces`). ``detail = none`` keeps only
  which people hold each word, and ``content = ''`` keeps no copy of the text
  (``contentless_delete = 1`` still lets a row be deleted by rowid): the index is a few bytes
  a person. Like every table it lives inside the encrypted database.
- Filled for the people a store already holds with one ``INSERT ... SELECT`` (set-based: one
  statement however many people); three triggers keep it in the transaction of every write to
  a person, as person_search's do.
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0031"
down_revision: str | None = "0030"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TRIGGERS = {
    "person_pieces_insert": """
    AFTER INSERT ON person BEGIN
    INSERT INTO person_pieces (rowid, pieces) VALUES (new.id, search_pieces(new.display_name));
    END""",
    "person_pieces_update": """
    AFTER UPDATE OF id, display_name ON person BEGIN
    DELETE FROM person_pieces WHERE rowid = old.id;
    INSERT INTO person_pieces (rowid, pieces) VALUES (new.id, search_pieces(new.display_name));
    END""",
    "person_pieces_delete": """
    AFTER DELETE ON person BEGIN
    DELETE FROM person_pieces WHERE rowid = old.id;
    END""",
}


def upgrade() -> None:
    op.execute(
        "CREATE VIRTUAL TABLE person_pieces USING fts5(pieces, tokenize = 'ascii', "
        "detail = none, content = '', contentless_delete = 1)"
    )
    op.execute(
        "INSERT INTO person_pieces (rowid, pieces) "
        "SELECT id, search_pieces(display_name) FROM person"
    )
    for name, body in TRIGGERS.items():
        op.execute(f"CREATE TRIGGER {name} {body}")


def downgrade() -> None:
    for name in TRIGGERS:
        op.execute(f"DROP TRIGGER {name}")
    op.execute("DROP TABLE person_pieces")
