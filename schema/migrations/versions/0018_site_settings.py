"""site settings: the site's own settings, such as its org unit code

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-06 18:30:00

- site_setting(name, value): one row per setting that has been set; ``org_unit`` is the code
  ADX and DHIS2 exports are written for (``outreach site org-unit CODE``).
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel.sql.sqltypes
from alembic import op

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "site_setting",
        sa.Column("name", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.Column("value", sqlmodel.sql.sqltypes.AutoString(), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )


def downgrade() -> None:
    op.drop_table("site_setting")
