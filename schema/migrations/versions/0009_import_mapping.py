"""import mappings: saved column mappings; references matched ignoring case from an index

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 12:30:00

- import_mapping(name, kind, body, saved_at, account_id): a column mapping saved by name for
  one kind of file (header -> stored column or ignored, location code -> unit), as JSON.
  Header names and codes only; it lives inside the encrypted store.
- ix_person_ref_lower on (lower(ref), id): an import looks up only the references in its
  file, ignoring case, instead of reading every person's reference.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "import_mapping",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("kind", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("body", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("saved_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["account_id"], ["account.id"]),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("name"),
    )
    op.create_index("ix_person_ref_lower", "person", [sa.text("lower(ref)"), "id"])


def downgrade() -> None:
    op.drop_index("ix_person_ref_lower", table_name="person")
    op.drop_table("import_mapping")
