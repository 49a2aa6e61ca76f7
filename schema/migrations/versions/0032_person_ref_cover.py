"""person references covered: an import reads the people of its file from one index alone

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-07 14:10:00

- ix_person_ref_lower (0009, on lower(ref) and id) is made again on (lower(ref), id, ref,
  date_of_birth). A conversation import reads each person its file names, by reference
  ignoring case, for the id, the reference and the date of birth: what its checks need
  (``outreach.services.lookups.FileDirectory``). With the three in the index it reads no row
  of the person table, whose rows for a file's people lie on as many pages as there are
  people. At 1,000,000 people, 10,000 references took 0.15 s with the store in the page
  cache and 0.35-0.46 s with it on disk; from this index, 0.036 s either way.
- The index is built once from the rows (a few seconds at 1,000,000 people); lookups that
  used the old index use this one, whose first two columns are the same.
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0032"
down_revision: str | None = "0031"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.drop_index("ix_person_ref_lower", table_name="person")
    op.create_index(
        "ix_person_ref_lower",
        "person",
        [sa.text("lower(ref)"), "id", "ref", "date_of_birth"],
    )


def downgrade() -> None:
    op.drop_index("ix_person_ref_lower", table_name="person")
    op.create_index("ix_person_ref_lower", "person", [sa.text("lower(ref)"), "id"])
