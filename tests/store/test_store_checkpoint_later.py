"""A bulk write (an import) commits without folding the WAL into data.db; every other write
keeps SQLite's 1,000-page threshold, on whichever pooled connection it runs."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

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
