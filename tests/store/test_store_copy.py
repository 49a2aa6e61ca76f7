"""A keyed copy of a store taken in steps (``engine.copy_database`` with progress) while
another connection writes: it finishes, never starts over, and holds the store as it was
when the copy began."""

from __future__ import annotations

from pathlib import Path

import pytest

from outreach.store import engine
from outreach.store.engine import connect, copy_database
from outreach.store.store import Store
from tests.support.store_helpers import add_people


def test_a_copy_in_steps_finishes_while_another_connection_writes_between_them(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_people(store, 300)
    store.checkpoint()
    key = store._data_key
    pages = (store.folder / "data.db").stat().st_size // 4096
    monkeypatch.setattr(engine, "COPY_STEP_PAGES", 10)
    steps = -(-pages // 10)
    writer = connect(store.db_path, key)
    told: list[int] = []

    def progress(done: int, total: int) -> None:
        told.append(done)
        # Another program saves a change between two steps of the copy. SQLite starts a
        # copy over when its source changes under it: without a fixed snapshot this would
        # never end, so stop it well past the steps it needs.
        if len(told) > 2 * steps:
            raise RuntimeError("the copy started over")
        writer.execute("UPDATE person SET display_name = 'Changed' WHERE ref = 'A00000'")

    try:
        copy_database(store.db_path, tmp_path / "copy.db", key, progress=progress)
    finally:
        writer.close()
    assert told == sorted(told)
    assert len(told) == steps
    assert told[-1] == pages
    copied = connect(tmp_path / "copy.db", key)
    try:
        name = copied.execute("SELECT display_name FROM person WHERE ref = 'A00000'").fetchone()
    finally:
        copied.close()
    # The store as it was when the copy began: the writes came after.
    assert name == ("Resident 00000",)
