"""Shared records as they travel and as this store holds them: uids to local keys and back."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import Connection

from outreach.model.identity import TRAVELLING
from outreach.store.changes import fields_sql


def local_id(conn: Connection, table: str, uid: str | None) -> int | None:
    """This store's rowid of the shared record ``uid`` (None when it holds none)."""
    if uid is None:
        return None
    return conn.exec_driver_sql(f'SELECT rowid FROM "{table}" WHERE uid = ?', (uid,)).scalar()


def local_values(conn: Connection, table: str, fields: dict[str, Any]) -> dict[str, Any]:
    """A change's fields as this store's columns: uids and account names to local keys."""
    references = {
        row[3]: row[2] for row in conn.exec_driver_sql(f'PRAGMA foreign_key_list("{table}")')
    }
    out: dict[str, Any] = {}
    for name, value in fields.items():
        if name in references and value is not None:
            parent = references[name]
            if parent in TRAVELLING:
                value = local_id(conn, parent, value)
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


def insert_row(conn: Connection, table: str, uid: str, origin: str, fields: dict[str, Any]) -> None:
    """Write a record that came from another store, with its own uid and origin."""
    values = local_values(conn, table, fields)
    values.update(uid=uid, origin=origin)
    names = ", ".join(f'"{n}"' for n in values)
    marks = ", ".join("?" for _ in values)
    conn.exec_driver_sql(
        f'INSERT INTO "{table}" ({names}) VALUES ({marks})', tuple(values.values())
    )
