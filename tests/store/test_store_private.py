"""Tidy and private on disk: store files owner-only, killed runs' temporary files cleared at
the next open, and a nearly full disk named as such."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from outreach.cli import app
from outreach.exports.export import export_summary
from outreach.store.errors import DiskFull
from outreach.store.private import clear_leftovers
from outreach.store.store import Store
from tests.support.stores import PASSPHRASE, new_store

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX file modes")


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def _modes(folder: Path) -> dict[str, int]:
    return {str(p.relative_to(folder)): _mode(p) for p in sorted(folder.rglob("*"))}


def test_a_new_store_is_owner_only_while_open(tmp_path: Path) -> None:
    folder = tmp_path / "store"
    store = new_store(folder)
    try:
        store.add_account("bo", store.actor.role, "another long passphrase")  # keys.json again
        assert _mode(folder) == 0o700
        modes = _modes(folder)
        assert {"data.db", "data.db-shm", "data.db-wal", "keys.json"} <= set(modes)
        files = {name: mode for name, mode in modes.items() if not (folder / name).is_dir()}
        assert set(files.values()) == {0o600}
        # (the one folder: where the store lock's holders leave their notes)
        assert {n: m for n, m in modes.items() if n not in files} == {".store.lock.holders": 0o700}
    finally:
        store.close()


def test_an_older_stores_files_are_made_owner_only_at_the_next_open(tmp_path: Path) -> None:
    folder = tmp_path / "store"
    new_store(folder).close()
    (folder / "backups").mkdir()
    (folder / "backups" / "data-before-migration-from-0006-20260101T000000Z.db").write_bytes(b"x")
    for path in [folder, *folder.rglob("*")]:
        path.chmod(0o755 if path.is_dir() else 0o644)
    Store.unlock(folder, user="ana", passphrase=PASSPHRASE).close()
    assert _mode(folder) == 0o700
    modes = _modes(folder)
    assert (modes["data.db"], modes["keys.json"], modes["backups"]) == (0o600, 0o600, 0o700)
    assert modes["backups/data-before-migration-from-0006-20260101T000000Z.db"] == 0o600


def test_an_export_written_once_a_store_is_open_is_owner_only(tmp_path: Path) -> None:
    store = new_store(tmp_path / "s")
    try:
        out = export_summary(store, period="2024", out=tmp_path / "out", formats=["csv"]).folder
    finally:
        store.close()
    assert _mode(out) == 0o700
    assert set(_modes(out).values()) == {0o600}


def test_killed_runs_temporary_files_are_cleared_by_exact_name(tmp_path: Path) -> None:
    folder = tmp_path / "store"
    new_store(folder).close()
    backups = folder / "backups"
    backups.mkdir()
    leftovers = [
        folder / ".keys.json.k2j_9xq0.tmp",
        backups / "data-before-migration-from-0007-20261206T101500Z.db.partial",
    ]
    kept = [
        folder / ".keys.json.tmp",
        folder / "keys.json.k2j_9xq0.tmp",
        folder / ".keys.json.k2j_9xq0.tmp.mine",
        folder / "notes.tmp",
        backups / "thesis.partial",
        backups / "data-before-migration-from-0007-20261206T101500Z.db",
    ]
    for path in leftovers + kept:
        path.write_bytes(b"left")
    Store.unlock(folder, user="ana", passphrase=PASSPHRASE).close()
    assert [p.exists() for p in leftovers] == [False, False]
    assert [p.read_bytes() for p in kept] == [b"left"] * len(kept)
    assert clear_leftovers(folder, backups="backups") == []


def _fill_leaving(disk: Path, free: int) -> Path:
    """Take every free byte of ``disk`` but ``free``."""
    filler = disk / "filler"
    with open(filler, "wb", buffering=0) as handle:
        try:
            while True:
                handle.write(b"\0" * 4096)
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
    os.truncate(filler, max(0, filler.stat().st_size - free))
    return filler


@pytest.mark.slow
@pytest.mark.parametrize("free", [0, 16 * 1024])
def test_opening_on_a_nearly_full_disk_says_the_disk_is_full(small_disk: Path, free: int) -> None:
    folder = small_disk / "store"
    new_store(folder).close()
    filler = _fill_leaving(small_disk, free)
    try:
        with pytest.raises(DiskFull) as raised:
            Store.unlock(folder, user="ana", passphrase=PASSPHRASE)
        assert str(raised.value) == (
            "the disk is full: the store cannot be opened until some space is freed "
            "(nothing was changed)"
        )
        # (beside the store's lock file and its holders' folder, made when it was created)
        assert sorted(p.name for p in folder.iterdir()) == [
            ".store.lock",
            ".store.lock.holders",
            "data.db",
            "keys.json",
        ]
        result = CliRunner().invoke(
            app,
            ["people", "search", "--store", str(folder)],
            env={"OUTREACH_PASSPHRASE": PASSPHRASE},
        )
        assert (result.exit_code, result.output) == (
            1,
            "error: the disk is full: the store cannot be opened until some space is freed "
            "(nothing was changed)\n",
        )
    finally:
        filler.unlink()
    Store.unlock(folder, user="ana", passphrase=PASSPHRASE).close()
