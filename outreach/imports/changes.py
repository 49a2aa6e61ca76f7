"""Recording what an import changes, so that it can be undone.

While an import's transaction is open, temporary triggers on its connection (and on no other)
note every row added to, changed in or removed from the domain's tables: the table and row
id, and for a row that existed before, the whole row as it was (JSON). When the import is
about to commit, each noted row is also kept as the import left it, which is how an undo
tells that a row has been changed since. The triggers are part of the transaction: dropped
before the commit, and gone with a rollback.

Only the first change to a row is kept: its values before the import are what an undo puts
back, whatever the import did to it afterwards.
"""

from __future__ import annotations

from sqlalchemy import Table, text
from sqlmodel import Session, SQLModel

from outreach.clock import now
from outreach.model import ImportBatch

# Tables an import never writes (accounts, the site, the audit, which is append-only), tables
# kept by triggers from others (first_contact, month_coverage: an undo's own changes keep
# them right; the change log and its clock: an undo's changes are logged as changes too,
# for paired stores to learn of them), and the import records themselves.
UNTRACKED = frozenset(
    {
        "account",
        "audit",
        "site",
        "first_contact",
        "month_coverage",
        "month_activity",
        "change_log",
        "sync_clock",
        "sync_peer",
        "import_batch",
        "import_change",
    }
)
DERIVED = frozenset({"first_contact", "month_coverage", "month_activity"})
"""Tables whose rows follow from others: never counted as depending on an import."""

_EVENTS = ("insert", "update", "delete")


def tracked_tables() -> list[Table]:
    """The tables whose changes an import records, parents before children."""
    return [t for t in SQLModel.metadata.sorted_tables if t.name not in UNTRACKED]


def quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def row_json(table: Table, alias: str) -> str:
    """SQL for the JSON of a whole row of ``table`` named ``alias`` (``old``, ``new``, ...)."""
    pairs = ", ".join(f"'{c.name}', {alias}.{quoted(c.name)}" for c in table.columns)
    return f"json_object({pairs})"


def _trigger_name(table: Table, event: str) -> str:
    return f"import_track_{table.name}_{event}"


def _trigger(table: Table, event: str, batch_id: int) -> str:
    name = table.name.replace("'", "''")
    if event == "insert":
        noted = f"VALUES ({batch_id}, '{name}', new.rowid, NULL)"
    else:
        # A row's first change only: later ones would overwrite the values an undo needs.
        noted = (
            f"SELECT {batch_id}, '{name}', old.rowid, {row_json(table, 'old')} "
            "WHERE NOT EXISTS (SELECT 1 FROM import_change "
            f"WHERE batch_id = {batch_id} AND table_name = '{name}' AND row_id = old.rowid)"
        )
    return (
        f"CREATE TEMP TRIGGER {_trigger_name(table, event)} AFTER {event.upper()} "
        f"ON main.{quoted(table.name)} BEGIN "
        f"INSERT INTO import_change (batch_id, table_name, row_id, old_values) {noted}; END"
    )


def start_batch(session: Session, *, kind: str, actor_id: int) -> ImportBatch:
    """Add the import's batch row and start recording the transaction's changes."""
    batch = ImportBatch(kind=kind, imported_at=now(), account_id=actor_id)
    session.add(batch)
    session.flush()
    assert batch.id is not None
    connection = session.connection()
    for table in tracked_tables():
        for event in _EVENTS:
            connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS temp.{_trigger_name(table, event)}")
            connection.exec_driver_sql(_trigger(table, event, batch.id))
    return batch


def stop_recording(session: Session) -> None:
    """Drop the recording triggers (the transaction's later writes are not the import's)."""
    connection = session.connection()
    for table in tracked_tables():
        for event in _EVENTS:
            connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS temp.{_trigger_name(table, event)}")


def finish_batch(
    session: Session,
    batch: ImportBatch,
    *,
    rows: int,
    added: int,
    updated: int,
    unchanged: int,
    marked_left: int,
) -> None:
    """Stop recording, keep each changed row as the import left it, and store the counts."""
    session.flush()
    stop_recording(session)
    connection = session.connection()
    for table in tracked_tables():
        connection.execute(
            text(
                f"UPDATE import_change SET new_values = ("
                f"SELECT {row_json(table, 'r')} FROM {quoted(table.name)} AS r "
                "WHERE r.rowid = import_change.row_id) "
                "WHERE batch_id = :batch AND table_name = :table"
            ),
            {"batch": batch.id, "table": table.name},
        )
    batch.rows, batch.added, batch.updated = rows, added, updated
    batch.unchanged, batch.marked_left = unchanged, marked_left
    session.add(batch)
    session.flush()
