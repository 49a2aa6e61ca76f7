"""Change capture: every write to a travelling row, whatever path made it, lands in the
change log in the same transaction (migration 0022).

Triggers on each table of ``outreach.model.identity.TRAVELLING`` append one ``change_log`` row
per inserted, updated or deleted row: the table, the row's ``uid``, the operation, the fields
(all of them for an insert, only those that changed for an update, none for a deletion: a
tombstone), a hybrid logical clock and the store that made the change. References to other
travelling rows are written as those rows' uids (integer keys mean nothing elsewhere), and
references to accounts as the account's name.

The clock (``sync_clock.last``) is the larger of the wall clock in milliseconds and one past
the last value given out or received, so a change's clock is after every change this store
knew of when it was made; ``(hlc, origin)`` names a change uniquely in every store.

The triggers are built from the table's columns as the store has them (``PRAGMA``), so a
migration that adds a column to a travelling table calls :func:`install_triggers` again.
While ``sync_clock.applying`` is 1 (changes from another store being applied, which are
logged with their own clock and origin) the triggers write nothing.
"""

from __future__ import annotations

from sqlalchemy import Connection

from outreach.model.identity import TRAVELLING

LOG_COLUMNS = ("uid", "origin")
"""Kept in the change log's own columns, not among a row's fields."""

EVENTS = ("insert", "update", "delete")


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def fields_sql(connection: Connection, table: str, alias: str) -> str:
    """SQL for the JSON object of a row's fields as they travel: every column but the
    integer key, uid and origin; references by uid (travelling rows) or name (accounts)."""
    references = {
        row[3]: (row[2], row[4])
        for row in connection.exec_driver_sql(f"PRAGMA foreign_key_list({_q(table)})")
    }
    pairs = []
    for row in connection.exec_driver_sql(f"PRAGMA table_info({_q(table)})"):
        name, is_key = row[1], row[5]
        if name in LOG_COLUMNS or (name == "id" and is_key):
            continue
        value = f"{alias}.{_q(name)}"
        if name in references:
            parent, parent_column = references[name]
            shown = "uid" if parent in TRAVELLING else "name"
            value = (
                f"(SELECT p.{shown} FROM {_q(parent)} AS p WHERE p.{_q(parent_column)} = {value})"
            )
        pairs.append(f"'{name}', {value}")
    return f"json_object({', '.join(pairs)})"


_TICK = "UPDATE sync_clock SET last = max(last + 1, CAST(unixepoch('subsec') * 1000 AS INTEGER));"
_LOG = (
    "INSERT INTO change_log (tbl, uid, op, data, hlc, origin) VALUES "
    "('{table}', {uid}, '{op}', {data}, (SELECT last FROM sync_clock), "
    "(SELECT store_id FROM site LIMIT 1));"
)
_QUIET = "(SELECT applying FROM sync_clock) = 0"


def trigger_name(table: str, event: str) -> str:
    return f"change_log_{table}_{event}"


def trigger_sql(connection: Connection, table: str, event: str) -> str:
    """The CREATE TRIGGER statement that logs ``event`` on ``table``."""
    name = trigger_name(table, event)
    if event == "insert":
        log = _LOG.format(
            table=table, uid="new.uid", op="insert", data=fields_sql(connection, table, "new")
        )
        return (
            f"CREATE TRIGGER {name} AFTER INSERT ON {_q(table)} "
            f"WHEN new.uid IS NOT NULL AND {_QUIET} BEGIN {_TICK} {log} END"
        )
    if event == "delete":
        log = _LOG.format(table=table, uid="old.uid", op="delete", data="NULL")
        return (
            f"CREATE TRIGGER {name} AFTER DELETE ON {_q(table)} "
            f"WHEN old.uid IS NOT NULL AND {_QUIET} BEGIN {_TICK} {log} END"
        )
    new, old = fields_sql(connection, table, "new"), fields_sql(connection, table, "old")
    # Only the fields that changed; a row given its uid only now (written by plain SQL) is
    # logged whole, as the insert it is to every other store.
    changed = (
        f"(SELECT json_group_object(n.key, n.value) FROM json_each({new}) AS n "
        f"JOIN json_each({old}) AS o ON o.key = n.key "
        "WHERE old.uid IS NULL OR n.value IS NOT o.value OR n.type IS NOT o.type)"
    )
    log = _LOG.format(
        table=table,
        uid="new.uid",
        op="' || CASE WHEN old.uid IS NULL THEN 'insert' ELSE 'update' END || '",
        data=changed,
    )
    return (
        f"CREATE TRIGGER {name} AFTER UPDATE ON {_q(table)} "
        f"WHEN new.uid IS NOT NULL AND {_QUIET} AND {changed} != '{{}}' BEGIN {_TICK} {log} END"
    )


def install_triggers(connection: Connection, tables: tuple[str, ...] = TRAVELLING) -> None:
    """(Re)create the change-log triggers of ``tables`` from their columns as they are now."""
    for table in tables:
        for event in EVENTS:
            connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {trigger_name(table, event)}")
            connection.exec_driver_sql(trigger_sql(connection, table, event))


def drop_triggers(connection: Connection, tables: tuple[str, ...] = TRAVELLING) -> None:
    for table in tables:
        for event in EVENTS:
            connection.exec_driver_sql(f"DROP TRIGGER IF EXISTS {trigger_name(table, event)}")


def log_existing(connection: Connection, tables: tuple[str, ...] = TRAVELLING) -> int:
    """Log every row the store already holds as an insert made now (a store's first bundle to
    a peer carries them all); returns how many were logged."""
    logged = 0
    for table in tables:
        rows = connection.exec_driver_sql(
            f"SELECT t.uid, {fields_sql(connection, table, 't')} FROM {_q(table)} AS t "
            "WHERE t.uid IS NOT NULL ORDER BY t.rowid"
        ).all()
        for uid, data in rows:
            connection.exec_driver_sql(_TICK)
            connection.exec_driver_sql(
                "INSERT INTO change_log (tbl, uid, op, data, hlc, origin) VALUES "
                "(?, ?, 'insert', ?, (SELECT last FROM sync_clock), "
                "(SELECT store_id FROM site LIMIT 1))",
                (table, uid, data),
            )
        logged += len(rows)
    return logged


def log_change(
    connection: Connection, table: str, uid: str, op: str, data: str | None
) -> tuple[int, str]:
    """Log one change made here by code that writes while the triggers are quiet (a conflict
    found or resolved during sync), with a new clock; returns its ``(hlc, origin)``.
    ``data`` is the JSON of the fields written as they travel (None for a deletion)."""
    connection.exec_driver_sql(_TICK)
    connection.exec_driver_sql(
        "INSERT INTO change_log (tbl, uid, op, data, hlc, origin) VALUES "
        "(?, ?, ?, ?, (SELECT last FROM sync_clock), (SELECT store_id FROM site LIMIT 1))",
        (table, uid, op, data),
    )
    hlc, origin = connection.exec_driver_sql(
        "SELECT hlc, origin FROM change_log WHERE seq = last_insert_rowid()"
    ).one()
    return int(hlc), str(origin)
