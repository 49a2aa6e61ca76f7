"""Shared records as they travel and as this store holds them: uids to local keys and back."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from sqlalchemy import Connection

from outreach.clock import now
from outreach.model.enums import Role
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
    conn: Connection,
    table: str,
    fields: dict[str, Any],
    origin: str | None = None,
    *,
    revive: Revive | None = None,
) -> dict[str, Any]:
    """A change's fields as this store's columns: uids and account names to local keys. A
    record referred to that this store does not hold is None, or with ``revive`` brought
    back; with the change's ``origin``, an author with no account here is kept
    (:func:`author_id`)."""
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
                value = author_id(conn, str(value), origin)
        out[name] = value
    return out


def author_id(conn: Connection, name: str, origin: str | None) -> int | None:
    """This store's account id for the author ``name`` of a change from store ``origin``.

    Accounts do not travel, only their names: when no account here has the name, one is made
    to keep it (noted in ``author_elsewhere`` with the change's store; removed, with no key
    slot, so it never logs in, and listed by nobody as staff here), so each change still
    names who made it. Without ``origin`` (a look-up, not a write) a missing author is None."""
    found = conn.exec_driver_sql("SELECT id FROM account WHERE name = ?", (name,)).scalar()
    if found is not None or origin is None:
        return found
    stamp = now().isoformat(sep=" ")
    conn.exec_driver_sql(
        "INSERT INTO account (name, role, created_at, removed_at) VALUES (?, ?, ?, ?)",
        (name, Role.viewer.value, stamp, stamp),
    )
    made = conn.exec_driver_sql("SELECT id FROM account WHERE name = ?", (name,)).scalar()
    conn.exec_driver_sql(
        "INSERT INTO author_elsewhere (account_id, from_store) VALUES (?, ?)", (made, origin)
    )
    return made


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
    as :func:`local_values` takes them; an author with no account here is kept)."""
    values = local_values(conn, table, fields, origin, revive=revive)
    values.update(uid=uid, origin=origin)
    names = ", ".join(f'"{n}"' for n in values)
    marks = ", ".join("?" for _ in values)
    conn.exec_driver_sql(
        f'INSERT INTO "{table}" ({names}) VALUES ({marks})', tuple(values.values())
    )
