"""The import benchmark's linked runs (``outreach.bench.imports.run_linked``): an import timed
on a kept store's own data.db, in a child process, leaves that store exactly as it was."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import timedelta
from functools import partial
from pathlib import Path
from typing import Any

import pytest

from outreach.bench.data import AS_OF
from outreach.bench.imports import build, conversations_file, main, resident_days, run_linked
from outreach.bench.operations import PASSPHRASE
from outreach.imports.pipeline import import_conversations
from outreach.imports.run import ImportReport
from outreach.store.store import Store


@pytest.fixture(scope="module")
def kept(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    folder = tmp_path_factory.mktemp("bench") / "store"
    build(folder, 100)
    yield folder


def _conversations(folder: Path) -> int:
    store = Store.unlock(folder, user="bench", passphrase=PASSPHRASE)
    try:
        with store.engine.connect() as conn:
            raw: Any = conn.connection.driver_connection
            return int(raw.execute("SELECT count(*) FROM conversation").fetchone()[0])
    finally:
        store.close()


def _file(folder: Path, rows: int) -> bytes:
    store = Store.unlock(folder, user="bench", passphrase=PASSPHRASE)
    try:
        pairs, _ = resident_days(store, rows, AS_OF - timedelta(30))
    finally:
        store.close()
    return conversations_file(pairs)


def test_a_linked_run_times_the_import_and_leaves_the_kept_store_as_it_was(
    kept: Path, tmp_path: Path
) -> None:
    before = _conversations(kept)
    stat = (kept / "data.db").stat()
    work = partial(import_conversations, source=_file(kept, 20))
    run = run_linked(kept, work, tmp_path / "run")
    assert (run.added, run.refused, run.folding) == (20, None, None)
    assert run.seconds > 0 and run.cpu > 0
    assert not (tmp_path / "run").exists()
    assert (kept / "data.db").stat().st_mtime_ns == stat.st_mtime_ns
    assert _conversations(kept) == before
    # The same file again is not a duplicate: the first run's rows were never kept.
    assert run_linked(kept, work, tmp_path / "again").added == 20


def test_a_linked_run_that_writes_into_data_db_is_refused_after_the_run(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "store"
    build(folder, 100)

    def folded(store: Store) -> ImportReport:
        report = import_conversations(store, source=_file(folder, 5))
        store.checkpoint()  # what a linked run must never do: copy the WAL into data.db
        return report

    with pytest.raises(RuntimeError, match="was written to by a linked run"):
        run_linked(folder, folded, tmp_path / "run")
    assert _conversations(folder) > 0
    assert not (tmp_path / "run").exists()


def test_a_kept_store_with_changes_still_in_its_wal_is_not_linked(
    kept: Path, tmp_path: Path
) -> None:
    (kept / "data.db-wal").write_bytes(b"x")
    try:
        with pytest.raises(RuntimeError, match=r"holds changes not yet in data\.db"):
            run_linked(kept, partial(import_conversations, source=b""), tmp_path / "run")
    finally:
        (kept / "data.db-wal").unlink()
    assert not (tmp_path / "run").exists()


def test_a_failure_in_the_child_is_raised_in_the_parent(kept: Path, tmp_path: Path) -> None:
    def broken(store: Store) -> ImportReport:
        raise ValueError("no such file")

    with pytest.raises(RuntimeError, match="benchmark import failed: ValueError: no such file"):
        run_linked(kept, broken, tmp_path / "run")


def test_linked_runs_are_refused_where_processes_cannot_fork(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.delattr(os, "fork")
    with pytest.raises(SystemExit) as raised:
        main(["--sizes", "100", "--linked"])
    assert raised.value.code == 2
    assert capsys.readouterr().err.endswith(
        "error: --linked runs each import in a forked process, which this system lacks\n"
    )
