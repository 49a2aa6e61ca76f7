"""Stable identity of the records that travel between stores.

Inside one store rows are joined by integer keys; those keys mean nothing on another laptop.
Every row of a *travelling* table therefore also carries:

- ``uid``: a UUIDv7 (RFC 9562), made when the row is first written, never changed, the same
  in every store the row reaches;
- ``origin``: the ``store_id`` (``site`` row) of the store that first wrote it.

Both are filled by column defaults on every insert made through SQLAlchemy (the ORM and Core
``insert()``); rows written by plain SQL are given theirs by :func:`fill_missing_ids`
(migration 0019 for the rows a store already held). Every table of the store is either in
:data:`TRAVELLING` or named in :data:`LOCAL` (tests/store/test_identity.py), so a new table
cannot be forgotten.
"""

from __future__ import annotations

import os
import threading
import time
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import Connection
from sqlmodel import Field, SQLModel

TRAVELLING = (
    "unit",
    "person",
    "stay",
    "mentor",
    "screening_event",
    "decision",
    "follow_up",
    "target",
    "conversation",
    "conversation_mentor",
    "conversation_barrier",
    "conversation_attendee",
    "conversation_programme",
    "conversation_programme_barrier",
    "sync_conflict",
)
"""The tables whose rows are shared with paired stores, parents before children."""

LOCAL = frozenset(
    {
        # The store's own identity, settings, staff, keys and audit chain: each keeps its own.
        "site",
        "site_setting",
        "account",
        "audit",
        # Records of what this laptop did (exports written, transfer packets sent and taken
        # in, imports run and how to undo them, column mappings kept, forms half filled in).
        "export_record",
        "transfer",
        "transfer_follow_up",
        "import_batch",
        "import_change",
        "import_mapping",
        "form_draft",
        # A region's store: the site cards it trusts and the submissions they sent, kept there.
        "region_site",
        "region_submission",
        # Derived from the kept submissions, in the transaction that adds each.
        "region_sum",
        "region_site_total",
        # Derived from travelling rows by triggers in each store.
        "first_contact",
        "month_coverage",
        "month_activity",
        "alembic_version",
        # Each store's own record of changes, its clock and its paired stores.
        "change_log",
        "sync_clock",
        "sync_peer",
        "sync_bundle_in",
        "author_elsewhere",
    }
)
"""Tables that never travel: every other table of the store must be in :data:`TRAVELLING`."""

_lock = threading.Lock()
_last_ms = 0
_counter = 0


def uuid7() -> uuid.UUID:
    """A new UUIDv7 (RFC 9562 §5.7): 48 bits of Unix time in milliseconds, version 7, a
    12-bit sub-millisecond counter (§6.2 method 1, started at a random value each
    millisecond, so ids made in one process sort in the order they were made), the variant,
    and 62 random bits."""
    global _last_ms, _counter
    with _lock:
        ms = time.time_ns() // 1_000_000
        if ms > _last_ms:
            _last_ms, _counter = ms, int.from_bytes(os.urandom(2)) & 0x7FF
        else:
            _counter += 1
            if _counter > 0xFFF:  # counter spent: borrow the next millisecond
                _last_ms, _counter = _last_ms + 1, 0
            ms = _last_ms
    tail = int.from_bytes(os.urandom(8)) & ((1 << 62) - 1)
    value = (ms & ((1 << 48) - 1)) << 80 | 0x7 << 76 | _counter << 64 | 0b10 << 62 | tail
    return uuid.UUID(int=value)


def new_uid() -> str:
    """A new row id, as stored: the UUIDv7's canonical lower-case text."""
    return str(uuid7())


def new_uids(count: int) -> list[str]:
    """``count`` new row ids, as :func:`new_uid` makes them one by one (the same clock and
    counter, so every id sorts after those made before it), made together for a bulk insert:
    the clock is read once and the counter advanced for each id."""
    global _last_ms, _counter
    tails = os.urandom(8 * count)
    made: list[str] = []
    with _lock:
        ms = time.time_ns() // 1_000_000
        if ms > _last_ms:
            _last_ms, _counter = ms, (int.from_bytes(os.urandom(2)) & 0x7FF) - 1
        for n in range(count):
            _counter += 1
            if _counter > 0xFFF:  # counter spent: borrow the next millisecond
                _last_ms, _counter = _last_ms + 1, 0
            tail = int.from_bytes(tails[8 * n : 8 * n + 8]) & ((1 << 62) - 1)
            value = (_last_ms & ((1 << 48) - 1)) << 80 | 0x7 << 76 | _counter << 64
            text = f"{value | 0b10 << 62 | tail:032x}"
            made.append(f"{text[:8]}-{text[8:12]}-{text[12:16]}-{text[16:20]}-{text[20:]}")
    return made


_ORIGIN = "outreach_origin"


def this_store(context: Any) -> str | None:
    """Column default for ``origin``: the store's id from its ``site`` row, read once per
    connection (None before the site row exists, which only the store's creation sees)."""
    info = context.connection.info
    found = info.get(_ORIGIN)
    if found is None:
        found = context.connection.exec_driver_sql("SELECT store_id FROM site LIMIT 1").scalar()
        if found is not None:
            info[_ORIGIN] = found
    return found


def forget_origin(info: dict[Any, Any]) -> None:
    """Drop a connection's remembered store id (after the ``site`` row changes)."""
    info.pop(_ORIGIN, None)


class Travelling(SQLModel):
    """The columns every travelling table has (see the module's docstring). Nullable in the
    schema only because SQLite cannot add a NOT NULL column without a constant default;
    every row has both once written."""

    uid: str | None = Field(
        default=None, sa_column_kwargs={"default": new_uid}, index=True, unique=True
    )
    origin: str | None = Field(default=None, sa_column_kwargs={"default": this_store})


def fill_missing_ids(
    connection: Connection, store_id: str, tables: Sequence[str] = TRAVELLING
) -> int:
    """Give every row of ``tables`` without one a new ``uid`` (and ``origin`` ``store_id`` when
    it has none), in rowid order; returns how many rows were given one. Runs in the caller's
    transaction. (A migration passes the tables as it knew them.)"""
    filled = 0
    for table in tables:
        rows = connection.exec_driver_sql(
            f"SELECT rowid FROM {table} WHERE uid IS NULL ORDER BY rowid"
        ).scalars()
        params = [(new_uid(), store_id, rowid) for rowid in rows]
        if params:
            connection.exec_driver_sql(
                f"UPDATE {table} SET uid = ?, origin = coalesce(origin, ?) WHERE rowid = ?",
                params,
            )
        filled += len(params)
    return filled


def missing_ids(connection: Connection) -> dict[str, int]:
    """How many rows of each travelling table lack a ``uid`` or an ``origin`` (none should)."""
    counts = {}
    for table in TRAVELLING:
        n = connection.exec_driver_sql(
            f"SELECT count(*) FROM {table} WHERE uid IS NULL OR origin IS NULL"
        ).scalar_one()
        if n:
            counts[table] = int(n)
    return counts
