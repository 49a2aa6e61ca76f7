"""What each CSV import changed, kept so that it can be undone.

An import batch holds only the kind of file, when, who and the counts: never the file's name,
which can identify people. Its changes hold the rows it added (table and row id) and the
values of the rows it changed as they were before, which may be identifying: they stay in the
encrypted store and never reach the audit log, which carries field names only.
"""

from datetime import datetime

from sqlalchemy import Index
from sqlmodel import Field, SQLModel


class ImportBatch(SQLModel, table=True):
    """One import that wrote something: its kind, time, account and counts; and, once it has
    been undone, when and by whom."""

    __tablename__ = "import_batch"

    id: int | None = Field(default=None, primary_key=True)
    kind: str
    imported_at: datetime
    account_id: int | None = Field(default=None, foreign_key="account.id")
    rows: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    marked_left: int = 0
    undone_at: datetime | None = None
    undone_by: int | None = Field(default=None, foreign_key="account.id")


class ImportChange(SQLModel, table=True):
    """One row an import added (``old_values`` empty) or changed (``old_values`` is the JSON
    of the whole row before). ``new_values`` is the JSON of the row as the import left it, so
    an undo can tell whether the row has been changed since. Removed when the batch is
    undone: nothing identifying is kept longer than the undo needs it."""

    __tablename__ = "import_change"
    __table_args__ = (
        Index("ux_import_change_row", "batch_id", "table_name", "row_id", unique=True),
    )

    id: int | None = Field(default=None, primary_key=True)
    batch_id: int = Field(foreign_key="import_batch.id", ondelete="CASCADE")
    table_name: str
    row_id: int
    old_values: str | None = None
    new_values: str | None = None


class ImportMapping(SQLModel, table=True):
    """A saved column mapping for one kind of file: which header is which stored column,
    which are ignored, and which location code is which unit (JSON in ``body``). Header
    names and codes only, never anything read from a row."""

    __tablename__ = "import_mapping"

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True)
    kind: str
    body: str
    saved_at: datetime
    account_id: int | None = Field(default=None, foreign_key="account.id")
