"""form drafts: half-filled forms kept over a lock, inside the encrypted store

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 12:30:00

- form_draft(account_id, form, fields, saved_at): what was typed into a form when the
  application locked (idle time, ctrl+l or quit), offered back to the same account after
  unlock and removed after a day. Values stay inside the encrypted store, never in a file;
  the audit names the fields only.
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "form_draft",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("account_id", sa.Integer(), nullable=False),
        sa.Column("form", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("fields", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("saved_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(["account_id"], ["account.id"]),
        sa.PrimaryKeyConstraint("id"),
    )
    op.create_index("ix_form_draft_account_id", "form_draft", ["account_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_form_draft_account_id", table_name="form_draft")
    op.drop_table("form_draft")
