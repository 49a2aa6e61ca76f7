"""Helpers for store tests: rows in bulk, stores at an older schema, raw keyed access, scans."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import text

from outreach.clock import now
from outreach.model import Conversation, Person
from outreach.store.engine import connect
from outreach.store.store import Store


def add_people(store: Store, count: int, *, name: str = "Resident", start: int = 0) -> None:
    """``count`` people, each with a one-to-one conversation whose note repeats ``name``."""
    with store.write() as session:
        for i in range(start, start + count):
            person = Person(
                ref=f"A{i:05d}",
                display_name=f"{name} {i:05d}",
                date_of_birth=date(1980 + i % 30, 1 + i % 12, 1 + i % 28),
                created_at=now(),
            )
            session.add(person)
            session.flush()
            session.add(
                Conversation(
                    occurred_on=date(2024, 1 + i % 12, 1 + i % 28),
                    kind="one_to_one",
                    person_id=person.id,
                    setting="wing",
                    minutes=10 + i % 30,
                    outcome="considering",
                    note=f"{name} said: {name} {i}",
                    created_at=now(),
                )
            )


def raw(folder: Path, data_key: bytes) -> Any:
    """A keyed DB-API connection to the store's data.db (autocommit)."""
    return connect(folder / "data.db", data_key)


def revision_of(folder: Path, data_key: bytes) -> str | None:
    conn = raw(folder, data_key)
    try:
        row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
    finally:
        conn.close()
    return row[0] if row else None


def table_counts(store: Store) -> dict[str, int]:
    """Rows per table, every table of the schema."""
    with store.read() as session:
        names = [
            r[0]
            for r in session.execute(
                text(
                    "SELECT name FROM sqlite_master WHERE type = 'table' "
                    # FTS5's own storage of the search indexes (their rows are counted
                    # through person_search and person_pieces themselves): it keeps
                    # merged-away pages until it next merges.
                    "AND name NOT LIKE 'person\\_search\\_%' ESCAPE '\\' "
                    "AND name NOT LIKE 'person\\_pieces\\_%' ESCAPE '\\' ORDER BY name"
                )
            )
        ]
        return {
            n: int(session.execute(text(f'SELECT count(*) FROM "{n}"')).scalar_one()) for n in names
        }


def pieces_held(connection: Any) -> dict[int, set[str]]:
    """By person id, the pieces ``person_pieces`` holds for them, read back from its words
    (six hex digits a character) through an ``fts5vocab`` table, as the index keeps no copy
    of its text. ``connection``: a SQLAlchemy connection to the store."""
    connection.exec_driver_sql(
        "CREATE VIRTUAL TABLE IF NOT EXISTS temp.pieces_vocab "
        "USING fts5vocab(main, person_pieces, 'instance')"
    )
    try:
        held: dict[int, set[str]] = {}
        for word, person in connection.exec_driver_sql("SELECT term, doc FROM pieces_vocab"):
            piece = "".join(chr(int(word[i : i + 6], 16)) for i in range(0, len(word), 6))
            held.setdefault(int(person), set()).add(piece)
        return held
    finally:
        connection.exec_driver_sql("DROP TABLE temp.pieces_vocab")


def encodings_of(marker: str) -> list[bytes]:
    return [marker.encode(e) for e in ("utf-8", "utf-16-le", "utf-16-be")]


def files_under(folder: Path) -> Iterator[Path]:
    for root, _, names in os.walk(folder):
        for name in names:
            yield Path(root) / name


def files_containing(paths: Iterable[Path], needles: list[bytes]) -> list[str]:
    """Files (and which needle) that contain any of ``needles``; unreadable files are skipped."""
    found = []
    for path in paths:
        try:
            data = path.read_bytes()
        except OSError:
            continue
        found += [f"{path} has {n!r}" for n in needles if n in data]
    return found


def copy_store(source: Path, target: Path) -> Path:
    shutil.copytree(source, target)
    return target


def _as_stored(value: Any) -> Any:
    """A value as SQLAlchemy stores it in SQLite: times in UTC with microseconds, ISO dates."""
    if isinstance(value, datetime):
        if value.tzinfo is not None:
            value = value.astimezone(UTC).replace(tzinfo=None)
        return value.strftime("%Y-%m-%d %H:%M:%S.%f")
    if isinstance(value, date):
        return value.isoformat()
    return value


def put_old(session: Any, row: Any) -> int:
    """Insert model instance ``row`` into a store left at an older revision, writing only the
    columns its table has there (today's models carry columns later revisions add); returns
    the new row's id."""
    table = type(row).__table__
    have = {
        r[1] for r in session.connection().exec_driver_sql(f'PRAGMA table_info("{table.name}")')
    }
    values = {
        c.name: _as_stored(getattr(row, c.key))
        for c in table.columns
        if c.name in have and getattr(row, c.key) is not None
    }
    # Plain SQL: a Core insert would add the columns today's models fill by default.
    names = ", ".join(f'"{n}"' for n in values)
    marks = ", ".join("?" for _ in values)
    connection = session.connection()
    connection.exec_driver_sql(
        f'INSERT INTO "{table.name}" ({names}) VALUES ({marks})',
        tuple(values.values()),
    )
    return int(connection.exec_driver_sql("SELECT last_insert_rowid()").scalar_one())
