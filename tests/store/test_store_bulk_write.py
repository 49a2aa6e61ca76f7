"""A bulk write (an import) commits without folding the WAL into data.db, every other write
keeping SQLite's 1,000-page threshold on whichever pooled connection it runs; it has a larger
page cache, given back once its connection is idle; and an import first has the connections
nobody is using give back their page caches."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, text

from outreach.imports.pipeline import import_people
from outreach.store.store import Store
from tests.support.stores import as_template, copy_of, new_store


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Store:
    return as_template(new_store(tmp_path_factory.mktemp("template") / "store"))


@pytest.fixture
def store(template: Store, tmp_path: Path) -> Iterator[Store]:
    with copy_of(template, tmp_path / "copy") as copy:
        yield copy


def _threshold(store: Store, *, bulk: bool) -> int:
    with store.write(bulk=bulk) as session:
        return int(session.execute(text("PRAGMA wal_autocheckpoint")).scalar_one())


def test_only_a_bulk_write_commits_without_a_checkpoint(store: Store) -> None:
    assert _threshold(store, bulk=False) == 1000
    assert _threshold(store, bulk=True) == 0
    # The same pooled connection (the last one used is handed out next) gets it back.
    assert _threshold(store, bulk=False) == 1000
    assert _threshold(store, bulk=True) == 0
    assert _threshold(store, bulk=True) == 0
    assert _threshold(store, bulk=False) == 1000


def _cache_kib(session_or_connection: Any) -> int:
    # PRAGMA cache_size gives a negative number for a size in KiB.
    return -int(session_or_connection.execute(text("PRAGMA cache_size")).scalar_one())


def test_a_bulk_write_has_a_larger_cache_only_while_it_runs(store: Store) -> None:
    with store.write(bulk=True) as session:
        used = id(session.connection().connection.dbapi_connection)
        assert _cache_kib(session) == 81920
    # Back in the pool, the same connection (the last one used is handed out next) has the
    # ordinary cache again, for a read or a write.
    with store.read() as session:
        assert id(session.connection().connection.dbapi_connection) == used
        assert _cache_kib(session) == 49152
    with store.write() as session:
        assert id(session.connection().connection.dbapi_connection) == used
        assert _cache_kib(session) == 49152
    with store.write(bulk=True) as session:
        assert _cache_kib(session) == 81920
    # Refused and rolled back, it gives it back all the same.
    with pytest.raises(RuntimeError), store.write(bulk=True) as session:
        assert _cache_kib(session) == 81920
        raise RuntimeError("refused")
    with store.engine.connect() as conn:
        assert id(conn.connection.dbapi_connection) == used
        assert _cache_kib(conn) == 49152


def _shrunk(store: Store) -> Iterator[list[int]]:
    """The DB-API connections (by id) told to give back their page cache, in order."""
    told: list[int] = []

    def seen(conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        if statement == "PRAGMA shrink_memory":
            told.append(id(conn.connection.dbapi_connection))

    event.listen(store.engine, "before_cursor_execute", seen)
    try:
        yield told
    finally:
        event.remove(store.engine, "before_cursor_execute", seen)


shrunk = contextmanager(_shrunk)


def test_the_idle_connections_give_back_their_caches_and_no_other(store: Store) -> None:
    first, second, third = (store.engine.connect() for _ in range(3))
    ids = [id(c.connection.dbapi_connection) for c in (first, second, third)]
    first.close()
    second.close()
    # third is in use (another thread's read, say): it is left alone.
    with shrunk(store) as told:
        assert store.release_idle_caches() == 2
    assert sorted(told) == sorted(ids[:2])
    third.close()
    with shrunk(store) as told:
        assert store.release_idle_caches() == 3
    assert sorted(told) == sorted(ids)


def test_an_import_releases_them_first_and_a_dry_run_does_not(store: Store) -> None:
    people = b"ref,name,date_of_birth,arrived\nA1,Ann Example,1990-01-01,2024-01-01\n"
    held = [store.engine.connect() for _ in range(2)]
    for conn in held:
        conn.close()
    with shrunk(store) as told:
        import_people(store, source=people, dry_run=True)
    assert told == []
    with shrunk(store) as told:
        assert import_people(store, source=people).added == 1
    # Both idle connections, once each, before the file is read.
    assert len(told) == 2
    assert len(set(told)) == 2
