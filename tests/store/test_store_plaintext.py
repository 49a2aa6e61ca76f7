"""Nothing written through the store reaches disk in plaintext: not data.db, not the WAL, not
temp files (also while a large sort holds them open, deleted, on Linux)."""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from outreach.store.store import Store
from tests.support.store_helpers import (
    add_people,
    encodings_of,
    files_containing,
    files_under,
    raw,
)
from tests.support.stores import new_store

MARKER = "Zébulon Ñandú 漢字 QX7"
NEEDLES = encodings_of(MARKER)
ROWS = 6000  # with about 300 bytes of note each, a sort that would spill well past memory
PAD = " lorem" * 40


@pytest.fixture(scope="module")
def filled(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, bytes, float]]:
    started = time.time()
    folder = tmp_path_factory.mktemp("plaintext") / "store"
    store = new_store(folder)
    for batch in range(0, ROWS, 1000):
        add_people(store, 1000, name=MARKER + PAD, start=batch)
    key = store._data_key
    try:
        yield store, key, started
    finally:
        store.close()


def _open_fds() -> dict[str, str]:
    fds = {}
    for fd in os.listdir("/proc/self/fd"):
        try:
            fds[fd] = os.readlink(f"/proc/self/fd/{fd}")
        except OSError:
            continue
    return fds


def _new_fd_contents(before: dict[str, str]) -> list[str]:
    """Files opened since ``before`` (deleted temp files included) that hold the marker."""
    found = []
    for fd, target in _open_fds().items():
        if before.get(fd) == target:
            continue
        try:
            with open(f"/proc/self/fd/{fd}", "rb") as handle:
                data = handle.read()
        except OSError:
            continue
        found += [f"fd {fd} -> {target} has {n!r}" for n in NEEDLES if n in data]
    return found


def _recent_temp_files(since: float) -> list[Path]:
    recent = []
    for path in files_under(Path(tempfile.gettempdir())):
        try:
            if path.stat().st_mtime >= since and path.stat().st_size < 200 * 1024 * 1024:
                recent.append(path)
        except OSError:
            continue
    return recent


def _sort_holding_temp_files(conn: Any) -> list[str]:
    """Run big sorts on unindexed text and look at every file they have open mid-way."""
    leaks = []
    for sql in (
        "SELECT display_name FROM person ORDER BY display_name DESC, date_of_birth",
        "SELECT note FROM conversation ORDER BY substr(note, 20) DESC",
        "SELECT DISTINCT note || minutes FROM conversation",
    ):
        before = _open_fds()
        cursor = conn.execute(sql)
        cursor.fetchone()  # the sorter has done its work and still holds its files
        leaks += _new_fd_contents(before)
        cursor.fetchall()
    return leaks


@pytest.mark.slow
def test_rows_hold_the_marker_when_read_back(filled: tuple[Store, bytes, float]) -> None:
    store, key, _ = filled
    conn = raw(store.folder, key)
    try:
        n = conn.execute(
            "SELECT count(*) FROM person WHERE display_name LIKE ?", (MARKER + "%",)
        ).fetchone()
    finally:
        conn.close()
    assert n == (ROWS,)


def test_the_wal_holds_no_plaintext_before_checkpoint(filled: tuple[Store, bytes, float]) -> None:
    store, _, _ = filled
    wal = store.folder / "data.db-wal"
    add_people(store, 200, name=MARKER, start=ROWS)
    assert wal.exists() and wal.stat().st_size > 0
    assert files_containing([wal], NEEDLES) == []


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/fd")
def test_large_sorts_open_no_file_holding_plaintext(filled: tuple[Store, bytes, float]) -> None:
    store, key, _ = filled
    conn = raw(store.folder, key)
    try:
        assert _sort_holding_temp_files(conn) == []
    finally:
        conn.close()


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/fd")
def test_the_sort_probe_finds_plaintext_when_temp_store_is_file(
    filled: tuple[Store, bytes, float],
) -> None:
    """The probe above can fail: with SQLite's file temp store the marker shows up."""
    store, key, _ = filled
    conn = raw(store.folder, key)
    try:
        conn.execute("PRAGMA temp_store = FILE")
        conn.execute("PRAGMA cache_size = 10")
        assert _sort_holding_temp_files(conn) != []
    finally:
        conn.close()


@pytest.mark.slow
def test_no_file_holds_plaintext_after_sorts_index_and_vacuum(
    filled: tuple[Store, bytes, float],
) -> None:
    store, key, started = filled
    conn = raw(store.folder, key)
    try:
        _sort_holding_temp_files(conn)
        conn.execute("CREATE INDEX ix_test_person_display_name ON person (display_name)")
        conn.execute("DROP INDEX ix_test_person_display_name")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("VACUUM")
    finally:
        conn.close()
    store_files = list(files_under(store.folder))
    assert {p.name for p in store_files} >= {"data.db", "keys.json"}
    assert files_containing(store_files, NEEDLES) == []
    assert files_containing(_recent_temp_files(started), NEEDLES) == []
