"""A deleted record that work elsewhere still needs comes back, on every store.

One laptop undoes an import (deleting the people it added) while another, which already held
them, records a conversation with one of them. Neither change may be lost, and every store must
end alike. So a deletion gives way to the work that depends on the record:

- a deletion that reaches a store holding rows that refer to the record (rows the bundle does
  not delete too) is not applied there; the store *revives* the record instead;
- a change that reaches a store which deleted a record it refers to revives that record there
  first, from what the store's change log holds of it.

A revival is logged as a new insert of the whole record, made now by the reviving store (its
clock is after the deletion's), carrying the record's own ``origin``, so every store applies
it and the record is back everywhere. An insert later than a store's deletion of the record
re-creates it; an older one, and any update of a record deleted here, does not.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection

from outreach.model.identity import TRAVELLING
from outreach.store.changes import fields_sql

_DELETING = "outreach_sync_deleting"

_TICK = (
    "UPDATE sync_clock SET last = "
    "max(max(last, ?) + 1, CAST(unixepoch('subsec') * 1000 AS INTEGER))"
)


def begin(conn: Connection, changes: list[Any]) -> None:
    """Note the records a bundle deletes: rows that refer to one of them do not keep it."""
    conn.info[_DELETING] = {(c[0], c[1]) for c in changes if c[2] == "delete"}


def _referring(conn: Connection, table: str) -> list[tuple[str, str]]:
    """(table, column) of every row that can refer to a row of ``table``, but those that go
    with it (a cascade to a row that never travels: a first contact, a transfer's link)."""
    found = []
    for (child,) in conn.exec_driver_sql("SELECT name FROM sqlite_master WHERE type = 'table'"):
        for row in conn.exec_driver_sql(f'PRAGMA foreign_key_list("{child}")'):
            parent, column, on_delete = row[2], row[3], row[6]
            if parent == table and (child in TRAVELLING or on_delete != "CASCADE"):
                found.append((child, column))
    return found


def needed_here(conn: Connection, table: str, rowid: int) -> bool:
    """Whether rows this store holds, and the bundle being applied does not delete, refer to
    row ``rowid`` of ``table``."""
    deleting: set[tuple[str, str]] = conn.info.get(_DELETING, set())
    for child, column in _referring(conn, table):
        if child in TRAVELLING:
            uids = conn.exec_driver_sql(
                f'SELECT uid FROM "{child}" WHERE "{column}" = ?', (rowid,)
            ).scalars()
            if any((child, uid) not in deleting for uid in uids):
                return True
        elif conn.exec_driver_sql(
            f'SELECT 1 FROM "{child}" WHERE "{column}" = ? LIMIT 1', (rowid,)
        ).first():
            return True
    return False


def later_insert_here(conn: Connection, table: str, uid: str, hlc: int, origin: str) -> bool:
    """Whether this store logged an insert (a revival) of the record later than (hlc, origin)."""
    return (
        conn.exec_driver_sql(
            "SELECT 1 FROM change_log WHERE tbl = ? AND uid = ? AND op = 'insert' AND "
            "(hlc > ? OR (hlc = ? AND origin > ?)) LIMIT 1",
            (table, uid, hlc, hlc, origin),
        ).first()
        is not None
    )


def gone_here(conn: Connection, table: str, uid: str, op: str, hlc: int, origin: str) -> bool:
    """Whether an incoming ``op`` of a record this store does not hold is to be skipped: it
    was deleted here, and the change is an update, or an insert older than the deletion."""
    if op != "insert":
        sql = "SELECT 1 FROM change_log WHERE tbl = ? AND uid = ? AND op = 'delete' LIMIT 1"
        return conn.exec_driver_sql(sql, (table, uid)).first() is not None
    return (
        conn.exec_driver_sql(
            "SELECT 1 FROM change_log WHERE tbl = ? AND uid = ? AND op = 'delete' AND "
            "(hlc > ? OR (hlc = ? AND origin > ?)) LIMIT 1",
            (table, uid, hlc, hlc, origin),
        ).first()
        is not None
    )


def _log_revival(conn: Connection, table: str, uid: str, data: dict[str, Any], after: int) -> None:
    conn.exec_driver_sql(_TICK, (after,))
    conn.exec_driver_sql(
        "INSERT INTO change_log (tbl, uid, op, data, hlc, origin) VALUES (?, ?, 'insert', ?, "
        "(SELECT last FROM sync_clock), (SELECT store_id FROM site LIMIT 1))",
        (table, uid, json.dumps(data)),
    )


def keep(conn: Connection, table: str, uid: str, rowid: int, hlc: int) -> None:
    """Log the revival of row ``rowid``, kept here instead of deleted (clock after ``hlc``)."""
    data = json.loads(
        conn.exec_driver_sql(
            f'SELECT {fields_sql(conn, table, "t")} FROM "{table}" AS t WHERE t.rowid = ?',
            (rowid,),
        ).scalar_one()
    )
    data["origin"] = conn.exec_driver_sql(
        f'SELECT origin FROM "{table}" WHERE rowid = ?', (rowid,)
    ).scalar_one()
    _log_revival(conn, table, uid, data, hlc)


Insert = Callable[[Connection, str, str, str, dict[str, Any]], None]
"""Writes a record from its travelling fields: (conn, table, uid, origin, fields)."""


def revive(conn: Connection, table: str, uid: str, insert: Insert) -> int | None:
    """Bring back record ``uid`` of ``table``, deleted here, as its change log last held it
    (``insert`` revives its parents first, when they were deleted too); None when this store
    never held it."""
    rows = conn.exec_driver_sql(
        "SELECT op, data, hlc, origin FROM change_log WHERE tbl = ? AND uid = ? "
        "ORDER BY hlc, origin",
        (table, uid),
    ).all()
    fields: dict[str, Any] = {}
    origin = None
    for op, data, _, by in rows:
        if op == "insert":
            fields = json.loads(data)
            origin = fields.pop("origin", None) or by
        elif op == "update" and data:
            fields.update(json.loads(data))
    if origin is None:
        return None
    insert(conn, table, uid, origin, fields)
    _log_revival(conn, table, uid, {**fields, "origin": origin}, max(r[2] for r in rows))
    return conn.exec_driver_sql(f'SELECT rowid FROM "{table}" WHERE uid = ?', (uid,)).scalar()
