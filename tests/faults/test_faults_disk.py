"""A full disk during a save or a backup, and a missing keys.json: clear errors, nothing lost."""

from __future__ import annotations

import errno
from pathlib import Path

import pytest
from typer.testing import CliRunner

from outreach.cli import app
from outreach.store.check import check_store
from outreach.store.errors import DiskFull
from outreach.store.keyslots import KeyFile
from outreach.store.store import Store
from tests.support.store_helpers import add_people, table_counts
from tests.support.stores import PASSPHRASE, new_store


def _fill(folder: Path) -> Path:
    """Take every free byte of the file system holding ``folder``."""
    filler = folder / "filler"
    with open(filler, "wb", buffering=0) as handle:
        try:
            while True:
                handle.write(b"\0" * 4096)
        except OSError as exc:
            assert exc.errno == errno.ENOSPC
    return filler


def _ok(folder: Path, key: bytes) -> list[str]:
    findings = check_store(folder, key, KeyFile.load(folder / "keys.json"))
    return [f"{f.name}: {f.detail}" for f in findings if not f.ok]


@pytest.mark.slow
def test_a_save_on_a_full_disk_fails_clearly_and_changes_nothing(small_disk: Path) -> None:
    folder = small_disk / "store"
    store = new_store(folder)
    add_people(store, 100)
    key = store._data_key
    store.close()
    store = Store.unlock(folder, user="ana", passphrase=PASSPHRASE)
    before = table_counts(store)
    filler = _fill(small_disk)
    try:
        with pytest.raises(DiskFull) as raised:
            add_people(store, 2000, name="x" * 500, start=100)
        assert str(raised.value) == (
            "the disk is full: nothing was saved. Free some space and try again"
        )
        assert table_counts(store) == before
    finally:
        filler.unlink()
        store.close()
    assert _ok(folder, key) == []
    with Store.unlock(folder, user="ana", passphrase=PASSPHRASE) as reopened:
        assert table_counts(reopened) == before
        add_people(reopened, 10, start=100)  # with space again, saving works
        assert table_counts(reopened)["person"] == 110


@pytest.mark.slow
def test_a_backup_to_a_full_disk_fails_clearly_and_keeps_the_older_backup(
    store: Store, small_disk: Path
) -> None:
    key = store._data_key
    add_people(store, 2000, name="y" * 300)
    store.close()
    target = small_disk / "b.bak"
    target.write_bytes(b"an older backup")
    filler = _fill(small_disk)
    try:
        result = CliRunner().invoke(
            app,
            ["backup", str(target), "--store", str(store.folder)],
            env={"OUTREACH_PASSPHRASE": PASSPHRASE},
        )
        assert result.exit_code == 1
        assert (
            result.output == f"error: no space left in {small_disk}: the backup was not written\n"
        )
        assert sorted(p.name for p in small_disk.iterdir()) == ["b.bak", "filler"]
        assert target.read_bytes() == b"an older backup"
    finally:
        filler.unlink()
    assert _ok(store.folder, key) == []
    with Store.unlock(store.folder, user="ana", passphrase=PASSPHRASE) as reopened:
        assert table_counts(reopened)["person"] == 2000


def test_a_missing_keys_json_is_named_with_the_way_back(store: Store) -> None:
    store.close()
    store.keys_path.unlink()
    result = CliRunner().invoke(
        app, ["keys", "list", "--store", str(store.folder)], env={"OUTREACH_PASSPHRASE": PASSPHRASE}
    )
    assert result.exit_code == 1
    assert result.output == (
        f"error: keys.json is missing from {store.folder}: without it the store cannot be "
        "unlocked. Restore it from a backup (outreach restore), or put back the keys.json "
        "that was copied with this data.db.\n"
    )
