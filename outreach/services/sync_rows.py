"""Shared records as they travel and as this store holds them: uids to local keys and back."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection

from outreach.model.identity import TRAVELLING
from outreach.store.changes import fields_sql


def local_id(conn: Connection, table: str, uid: str | None) -> int | None:
    """This store's rowid of the shared record ``uid`` (None when it holds none)."""
    if uid is None:
        return None
    return conn.exec_driver_sql(f'SELECT rowid FROM "{table}" WHERE uid = ?', (uid,)).scalar()


Revive = Callable[[Connection, str, str], int | None]
"""Brings back the record (table, uid) that this store deleted; its rowid (sync_revive)."""


def local_values(
    conn: Connection, table: str, fields: dict[str, Any], *, revive: Revive | None = None
) -> dict[str, Any]:
    """A change's fields as this store's columns: uids and account names to local keys. A
    record referred to that this store does not hold is None, or with ``revive`` brought
    back."""
    references = {
        row[3]: row[2] for row in conn.exec_driver_sql(f'PRAGMA foreign_key_list("{table}")')
    }
    out: dict[str, Any] = {}
    for name, value in fields.items():
        if name in references and value is not None:
            parent = references[name]
            if parent in TRAVELLING:
                found = local_id(conn, parent, value)
                if found is None and revive is not None:
                    found = revive(conn, parent, value)
                value = found
            else:
                value = conn.exec_driver_sql(
                    f'SELECT id FROM "{parent}" WHERE name = ?', (value,)
                ).scalar()
        out[name] = value
    return out


def travelling_row(conn: Connection, table: str, rowid: int) -> dict[str, Any]:
    """Record ``rowid`` of ``table`` as its fields travel (references as uids or names)."""
    data = conn.exec_driver_sql(
        f'SELECT {fields_sql(conn, table, "t")} FROM "{table}" AS t WHERE t.rowid = ?', (rowid,)
    ).scalar_one()
    found: dict[str, Any] = json.loads(data)
    return found


def insert_row(
    conn: Connection,
    table: str,
    uid: str,
    origin: str,
    fields: dict[str, Any],
    *,
    revive: Revive | None = None,
) -> None:
    """Write a record that came from another store, with its own uid and origin (references
    as :func:`local_values` takes them)."""
    values = local_values(conn, table, fields, revive=revive)
    values.update(uid=uid, origin=origin)
    names = ", ".join(f'"{n}"' for n in values)
    marks = ", ".join("?" for _ in values)
    conn.exec_driver_sql(
        f'INSERT INTO "{table}" ({names}) VALUES ({marks})', tuple(values.values())
    )
