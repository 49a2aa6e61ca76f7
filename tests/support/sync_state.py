"""What paired stores are compared by: the travelling records by uid, and what the change log
says they must be.

:func:`records` reads every row of every travelling table as it would look on any laptop:
keyed by uid, without the integer keys, a reference to another travelling row as that row's
uid and a reference to an account as the account's name. :func:`folded` works the same shape
out from the change log alone (a deletion removes the row; each field takes the value of the
latest change, by clock then origin, that set it; an insert later than a deletion, a revival,
brings the record back whole), written here independently of the sync code, so a store whose
rows and log disagree is caught.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection

from outreach.model.identity import TRAVELLING
from outreach.store.store import Store

Records = dict[str, dict[str, dict[str, Any]]]
"""table -> uid -> field -> value (JSON-shaped)."""

SKIPPED = ("id", "uid")


def _plain(value: Any) -> Any:
    """A value as JSON would carry it (SQLite's integers, reals and text as they are)."""
    return json.loads(json.dumps(value))


def records_of(conn: Connection) -> Records:
    out: Records = {}
    for table in TRAVELLING:
        references = {
            row[3]: (row[2], row[4])
            for row in conn.exec_driver_sql(f'PRAGMA foreign_key_list("{table}")')
        }
        lookups: dict[str, dict[Any, Any]] = {}
        for column, (parent, parent_column) in references.items():
            shown = "uid" if parent in TRAVELLING else "name"
            lookups[column] = dict(
                conn.exec_driver_sql(f'SELECT "{parent_column}", "{shown}" FROM "{parent}"').all()
            )
        result = conn.exec_driver_sql(f'SELECT * FROM "{table}"')
        names = list(result.keys())
        rows: dict[str, dict[str, Any]] = {}
        for row in result.all():
            values = dict(zip(names, row, strict=True))
            uid = values["uid"]
            fields = {}
            for name, value in values.items():
                if name in SKIPPED:
                    continue
                if name in lookups and value is not None:
                    value = lookups[name].get(value)
                fields[name] = _plain(value)
            rows[uid] = fields
        out[table] = rows
    return out


def records(store: Store) -> Records:
    """Every travelling row of ``store``, by table and uid (see the module's docstring)."""
    with store.read() as session:
        return records_of(session.connection())


def change_log(store: Store) -> set[tuple[str, str, str, str | None, int, str]]:
    """Every change the store holds: (table, uid, op, fields as JSON, clock, origin)."""
    with store.read() as session:
        rows = session.connection().exec_driver_sql(
            "SELECT tbl, uid, op, data, hlc, origin FROM change_log"
        )
        return {
            (t, u, o, json.dumps(json.loads(d), sort_keys=True) if d else None, h, g)
            for t, u, o, d, h, g in rows
        }


def folded(store: Store) -> Records:
    """The rows the store's change log says it holds (see the module's docstring), each with
    its origin (kept in a column of its own in the log, or named by a revival)."""
    with store.read() as session:
        rows = (
            session.connection()
            .exec_driver_sql(
                "SELECT tbl, uid, op, data, origin FROM change_log ORDER BY hlc, origin"
            )
            .all()
        )
    out: Records = {table: {} for table in TRAVELLING}
    for table, uid, op, data, origin in rows:
        if op == "delete":
            out[table].pop(uid, None)
        elif op == "insert":  # the whole record: a new one, or one revived
            out[table][uid] = {"origin": origin, **json.loads(data)}
        elif uid in out[table]:  # an update of a record deleted here changes nothing
            out[table][uid].update(json.loads(data) if data else {})
    return out


Conflict = tuple[str, str, str, str, bool, Any, Any, str]
"""(table, record uid, field, op, clinical, kept value, held value, status)."""


def conflict_rows(store: Store) -> dict[str, Conflict]:
    """Every conflict the store holds, by uid."""
    with store.read() as session:
        rows = session.connection().exec_driver_sql(
            "SELECT uid, tbl, row_uid, field, op, clinical, kept_value, held_value, status "
            "FROM sync_conflict"
        )
        return {
            u: (t, r, f, o, bool(c), json.loads(k or "null"), json.loads(h or "null"), s)
            for u, t, r, f, o, c, k, h, s in rows
        }


def conflict_sides(store: Store) -> set[tuple[int, str]]:
    """The changes (clock, store) the store's conflicts name, on either side."""
    with store.read() as session:
        rows = session.connection().exec_driver_sql(
            "SELECT kept_clock, kept_store FROM sync_conflict UNION "
            "SELECT held_clock, held_store FROM sync_conflict"
        )
        return {(int(h), str(s)) for h, s in rows}


def waiting_apart(store: Store, rows: Records) -> Records:
    """``rows`` (the store's :func:`records`) with what an open clinical conflict lets differ
    between stores taken out, each checked to be a side of one of the conflicts open on it:
    the field of a held update (three laptops that each changed it can leave two conflicts
    open on one field), the record of a held arrival or deletion. Raises AssertionError when
    a held field holds no side."""
    out = {table: {uid: dict(fields) for uid, fields in by.items()} for table, by in rows.items()}
    sides: dict[tuple[str, str, str], list[Any]] = {}
    for table, uid, name, op, clinical, kept, held, status in conflict_rows(store).values():
        if status != "open" or not clinical:
            continue
        if op == "update":
            sides.setdefault((table, uid, name), []).extend([kept, held])
        else:
            out[table].pop(uid, None)
    for (table, uid, name), values in sides.items():
        fields = out[table].get(uid)
        if fields is None:
            continue
        assert fields[name] in values, (table, uid, name, fields[name], values)
        fields.pop(name)
    return out
