"""audit signatures: each audit row signed by the acting account's key

Revision ID: 0014
Revises: 0013
Create Date: 2026-12-06 15:30:00

- audit.signed_by, audit.signature: the account whose Ed25519 key (in its key slot) signed
  the row's hash, and the signature. Rows written before this revision stay unsigned ("");
  every row after them chains to their hashes, so they cannot be changed unseen either.
- export_record.audit_head: the audit chain head the export's manifest carries, backfilled
  from the export's own audit row (its hash is what the manifest was signed with).
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("audit") as batch:
        batch.add_column(
            sa.Column(
                "signed_by", sqlmodel.sql.sqltypes.AutoString(), nullable=False, server_default=""
            )
        )
        batch.add_column(
            sa.Column(
                "signature", sqlmodel.sql.sqltypes.AutoString(), nullable=False, server_default=""
            )
        )
    with op.batch_alter_table("export_record") as batch:
        batch.add_column(sa.Column("audit_head", sqlmodel.sql.sqltypes.AutoString(), nullable=True))
    op.execute(
        "UPDATE export_record SET audit_head = "
        "(SELECT audit.hash FROM audit WHERE audit.id = export_record.audit_id)"
    )


def downgrade() -> None:
    with op.batch_alter_table("export_record") as batch:
        batch.drop_column("audit_head")
    with op.batch_alter_table("audit") as batch:
        batch.drop_column("signature")
        batch.drop_column("signed_by")
