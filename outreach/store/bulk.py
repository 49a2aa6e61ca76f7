"""Many new rows of one table at once, logged for sync by one statement instead of a trigger
per row.

:func:`insert_logged` writes already validated rows with one ``executemany`` and then appends
their change-log entries (:mod:`outreach.store.changes`) with one ``INSERT … SELECT``, in the
caller's transaction. The entries are exactly those the per-row insert trigger would have
written: the same table, uid, operation and fields (built by the same
:func:`~outreach.store.changes.fields_sql`), this store as origin, and clock values that rise
one by one from the larger of the wall clock in milliseconds and one past the last value
given out, in the order the rows were inserted. The triggers are held back only while the
``executemany`` runs, by the same ``sync_clock.applying`` flag a sync uses; no other
connection can see it, as it is set and cleared inside one write transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection, Table, insert
from sqlmodel import SQLModel

from outreach.model.identity import TRAVELLING, new_uids
from outreach.store.changes import fields_sql

_NEXT_CLOCK = (
    "SELECT max(last + 1, CAST(unixepoch('subsec') * 1000 AS INTEGER)), applying, "
    "(SELECT store_id FROM site LIMIT 1) FROM sync_clock"
)


def insert_logged(
    connection: Connection, model: type[SQLModel], rows: Sequence[dict[str, Any]]
) -> None:
    """Insert ``rows`` into ``model``'s table with one ``executemany`` and log each new row of
    a travelling table to the change log, as the insert trigger would, in one statement."""
    if not rows:
        return
    table: Table = model.__table__  # type: ignore[attr-defined]
    clock = connection.exec_driver_sql(_NEXT_CLOCK).one_or_none()
    if table.name not in TRAVELLING or clock is None or clock[1] != 0:
        # Not a travelling table, or changes from another store being applied (which are
        # not logged again).
        connection.execute(insert(table), rows)
        return
    first_clock, store_id = int(clock[0]), clock[2]
    if store_id is not None and "uid" in table.c and "origin" in table.c:
        # The ids the columns' defaults would give, made together rather than row by row.
        rows = [
            {"uid": uid, "origin": store_id, **row}
            for row, uid in zip(rows, new_uids(len(rows)), strict=True)
        ]
    quoted = '"' + table.name.replace('"', '""') + '"'
    before = connection.exec_driver_sql(f"SELECT coalesce(max(rowid), 0) FROM {quoted}").scalar()
    connection.exec_driver_sql("UPDATE sync_clock SET applying = 1")
    try:
        connection.execute(insert(table), rows)
    finally:
        connection.exec_driver_sql("UPDATE sync_clock SET applying = 0")
    # A new row is numbered above every row before it (no AUTOINCREMENT gaps to reuse), and
    # nothing else writes inside this transaction: rowid > before is exactly the new rows.
    logged = connection.exec_driver_sql(
        "INSERT INTO change_log (tbl, uid, op, data, hlc, origin) "
        f"SELECT ?, t.uid, 'insert', {fields_sql(connection, table.name, 't')}, "
        "? + row_number() OVER (ORDER BY t.rowid) - 1, (SELECT store_id FROM site LIMIT 1) "
        f"FROM {quoted} AS t WHERE t.rowid > ? AND t.uid IS NOT NULL ORDER BY t.rowid",
        (table.name, first_clock, before),
    ).rowcount
    if logged > 0:
        connection.exec_driver_sql("UPDATE sync_clock SET last = ?", (first_clock + logged - 1,))
