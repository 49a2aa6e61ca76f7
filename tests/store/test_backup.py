"""Backups: one authenticated file; restore checks every byte before writing anything."""

from __future__ import annotations

import hashlib
import json
import os
import re
import struct
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from freezegun import freeze_time
from sqlmodel import col, select
from typer.testing import CliRunner

from outreach.cli import app
from outreach.model import AuditEntry, Role
from outreach.store import backup as backup_module
from outreach.store import engine
from outreach.store.backup import (
    MAGIC,
    RestoreResult,
    create_backup,
    last_backup_at,
    read_backup_info,
    restore_backup,
)
from outreach.store.errors import BackupDamaged, StoreExists, WrongPassphrase
from outreach.store.migrations import head_revision
from outreach.store.restore_swap import PROCESS_STARTED
from outreach.store.store import Store
from tests.support.store_helpers import add_people, raw, table_counts
from tests.support.stores import PASSPHRASE

OTHER = "second account passphrase"


@pytest.fixture(scope="module")
def source(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Store, str]]:
    """A store with 300 people and conversations, two accounts and user_version 7."""
    folder = tmp_path_factory.mktemp("source") / "store"
    store, recovery = Store.init(folder, site_name="HMP Test", admin="ana", passphrase=PASSPHRASE)
    add_people(store, 300)
    store.add_account("bea", Role.staff, OTHER)
    conn = raw(folder, store._data_key)
    conn.execute("PRAGMA user_version = 7")
    conn.close()
    try:
        yield store, recovery
    finally:
        store.close()


@pytest.fixture(scope="module")
def backup_file(
    source: tuple[Store, str], tmp_path_factory: pytest.TempPathFactory
) -> tuple[Path, dict[str, int]]:
    """A backup taken in four-kilobyte chunks (so it has many), and the counts at the time."""
    store, _ = source
    counts = table_counts(store)
    target = tmp_path_factory.mktemp("backups") / "outreach.bak"
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(backup_module, "CHUNK_SIZE", 4096)
        create_backup(store, target)
    return target, counts


def _chunk_offsets(path: Path) -> list[tuple[int, int]]:
    """(offset of the length prefix, total length with prefix) of each chunk."""
    data = path.read_bytes()
    (header_length,) = struct.unpack(">I", data[len(MAGIC) : len(MAGIC) + 4])
    at = len(MAGIC) + 4 + header_length + 32
    chunks = []
    while at < len(data):
        (length,) = struct.unpack(">I", data[at : at + 4])
        chunks.append((at, 4 + length))
        at += 4 + length
    return chunks


def _restore(file: Path, folder: Path, **kw: object) -> None:
    kw.setdefault("secret", PASSPHRASE)
    kw.setdefault("user", "ana")
    restore_backup(file, folder, **kw)  # type: ignore[arg-type]


@pytest.mark.slow
def test_restore_brings_back_every_row(
    backup_file: tuple[Path, dict[str, int]], tmp_path: Path
) -> None:
    file, counts = backup_file
    _restore(file, tmp_path / "restored")
    restored = Store.unlock(tmp_path / "restored", user="ana", passphrase=PASSPHRASE)
    try:
        after = table_counts(restored)
    finally:
        restored.close()
    assert counts["person"] == 300
    assert counts["conversation"] == 300
    # The restore itself is the one row added.
    assert after == {**counts, "audit": counts["audit"] + 1}


def test_restore_keeps_user_version_revision_and_key_slots(
    source: tuple[Store, str], backup_file: tuple[Path, dict[str, int]], tmp_path: Path
) -> None:
    store, _ = source
    file, _ = backup_file
    _restore(file, tmp_path / "restored")
    conn = raw(tmp_path / "restored", store._data_key)
    try:
        assert conn.execute("PRAGMA user_version").fetchone() == (7,)
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone() == (
            head_revision(),
        )
    finally:
        conn.close()
    restored_keys = json.loads((tmp_path / "restored" / "keys.json").read_text())
    live_keys = json.loads(store.keys_path.read_text())
    assert restored_keys["slots"] == live_keys["slots"]
    assert restored_keys["unlock_failures"] == {}


@pytest.mark.slow
def test_the_second_account_and_the_recovery_code_open_the_backup(
    source: tuple[Store, str], backup_file: tuple[Path, dict[str, int]], tmp_path: Path
) -> None:
    _, recovery = source
    file, _ = backup_file
    _restore(file, tmp_path / "by-bea", user="bea", secret=OTHER)
    _restore(file, tmp_path / "by-code", user=None, secret=recovery.lower(), recovery=True)
    Store.unlock(tmp_path / "by-code", user="bea", passphrase=OTHER).close()


@pytest.mark.slow
def test_restore_passes_check_through_the_cli(
    backup_file: tuple[Path, dict[str, int]], tmp_path: Path
) -> None:
    file, _ = backup_file
    env = {"OUTREACH_PASSPHRASE": PASSPHRASE, "OUTREACH_USER": "ana"}
    runner = CliRunner()
    folder = str(tmp_path / "restored")
    restored = runner.invoke(app, ["restore", str(file), "--store", folder], env=env)
    assert restored.exit_code == 0, restored.output
    checked = runner.invoke(app, ["check", "--store", folder], env=env)
    assert checked.exit_code == 0, checked.output
    assert "FAIL" not in checked.output


@pytest.mark.slow
def test_backup_and_restore_are_in_the_audit(
    source: tuple[Store, str], backup_file: tuple[Path, dict[str, int]], tmp_path: Path
) -> None:
    store, _ = source
    file, _ = backup_file
    with store.read() as session:
        actions = session.exec(select(AuditEntry.action).order_by(col(AuditEntry.id))).all()
    assert "store.backup" in actions
    _restore(file, tmp_path / "restored")
    restored = Store.unlock(tmp_path / "restored", user="ana", passphrase=PASSPHRASE)
    try:
        with restored.read() as session:
            last = session.exec(
                select(AuditEntry).order_by(col(AuditEntry.id).desc()).limit(1)
            ).one()
        assert (last.action, last.account_id) == ("store.restore", restored.actor.id)
    finally:
        restored.close()


@pytest.mark.slow
def test_last_backup_at_is_none_then_the_time_of_the_backup(store: Store, tmp_path: Path) -> None:
    assert last_backup_at(store) is None
    with freeze_time("2025-03-04 05:06:07"):
        create_backup(store, tmp_path / "b.bak")
    assert last_backup_at(store) == datetime(2025, 3, 4, 5, 6, 7, tzinfo=UTC)


def test_a_backup_replaces_an_older_file_of_the_same_name(store: Store, tmp_path: Path) -> None:
    target = tmp_path / "b.bak"
    target.write_bytes(b"older")
    info = create_backup(store, target)
    assert target.read_bytes().startswith(MAGIC)
    assert info.accounts == ["ana"]
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.bak", "store"]


@pytest.mark.slow
def test_every_changed_header_byte_is_reported_as_damage(
    backup_file: tuple[Path, dict[str, int]], tmp_path: Path
) -> None:
    file, _ = backup_file
    data = file.read_bytes()
    header_end = _chunk_offsets(file)[0][0]
    damaged = tmp_path / "damaged.bak"
    for at in range(header_end):
        changed = bytearray(data)
        changed[at] ^= 0x01
        damaged.write_bytes(changed)
        with pytest.raises(BackupDamaged, match=r"the backup damaged\.bak is damaged"):
            _restore(damaged, tmp_path / "never")
    assert not (tmp_path / "never").exists()


@pytest.mark.slow
def test_changed_body_bytes_are_reported_as_damage(
    backup_file: tuple[Path, dict[str, int]], tmp_path: Path
) -> None:
    file, _ = backup_file
    data = file.read_bytes()
    chunks = _chunk_offsets(file)
    body_start = chunks[0][0]
    positions = [
        *range(body_start, len(data), (len(data) - body_start) // 12),  # spread over the body
        chunks[1][0] + 3,  # a length prefix
        chunks[-1][0] + 10,  # the final chunk's nonce-free ciphertext
        len(data) - 1,  # the last tag byte
    ]
    damaged = tmp_path / "damaged.bak"
    for at in positions:
        changed = bytearray(data)
        changed[at] ^= 0x80
        damaged.write_bytes(changed)
        with pytest.raises(BackupDamaged, match="damaged"):
            _restore(damaged, tmp_path / "never")
    assert not (tmp_path / "never").exists()


@pytest.mark.parametrize("cut", ["in_header", "mid_chunk", "between_chunks", "last_byte"])
def test_a_truncated_backup_is_reported_as_damage(
    backup_file: tuple[Path, dict[str, int]], tmp_path: Path, cut: str
) -> None:
    file, _ = backup_file
    data = file.read_bytes()
    chunks = _chunk_offsets(file)
    length = {
        "in_header": 40,
        "mid_chunk": chunks[2][0] + 100,
        "between_chunks": chunks[-1][0],  # drops exactly the final chunk
        "last_byte": len(data) - 1,
    }[cut]
    truncated = tmp_path / "cut.bak"
    truncated.write_bytes(data[:length])
    with pytest.raises(BackupDamaged, match=r"cut\.bak is damaged"):
        _restore(truncated, tmp_path / "never")
    assert not (tmp_path / "never").exists()


def test_reordered_chunks_and_appended_bytes_are_reported_as_damage(
    backup_file: tuple[Path, dict[str, int]], tmp_path: Path
) -> None:
    file, _ = backup_file
    data = file.read_bytes()
    (a_at, a_len), (b_at, b_len) = _chunk_offsets(file)[1:3]
    assert a_len == b_len  # full chunks, so the swap keeps every length valid
    swapped = data[:a_at] + data[b_at : b_at + b_len] + data[a_at : a_at + a_len]
    swapped += data[b_at + b_len :]
    (tmp_path / "swapped.bak").write_bytes(swapped)
    (tmp_path / "longer.bak").write_bytes(data + b"\0")
    for name in ("swapped.bak", "longer.bak"):
        with pytest.raises(BackupDamaged, match="damaged"):
            _restore(tmp_path / name, tmp_path / "never")
    assert not (tmp_path / "never").exists()


def test_a_wrong_passphrase_writes_nothing(
    backup_file: tuple[Path, dict[str, int]], tmp_path: Path
) -> None:
    file, _ = backup_file
    with pytest.raises(WrongPassphrase, match="wrong passphrase for 'ana'"):
        _restore(file, tmp_path / "never", secret="not the passphrase")
    assert not (tmp_path / "never").exists()


def test_an_existing_store_is_refused_without_force(
    store: Store, backup_file: tuple[Path, dict[str, int]]
) -> None:
    file, _ = backup_file
    before = hashlib.sha256(store.db_path.read_bytes()).hexdigest()
    with pytest.raises(StoreExists, match="--force"):
        _restore(file, store.folder)
    assert hashlib.sha256(store.db_path.read_bytes()).hexdigest() == before


@pytest.mark.slow
def test_force_moves_the_old_store_aside(
    backup_file: tuple[Path, dict[str, int]], tmp_path: Path
) -> None:
    file, _ = backup_file
    folder = tmp_path / "store"
    old, _ = Store.init(folder, site_name="Old", admin="zoe", passphrase=PASSPHRASE)
    old.close()
    old_db = (folder / "data.db").read_bytes()
    old_keys = (folder / "keys.json").read_bytes()
    result = CliRunner().invoke(
        app,
        ["restore", str(file), "--store", str(folder), "--force", "--user", "ana"],
        env={"OUTREACH_PASSPHRASE": PASSPHRASE},
    )
    assert result.exit_code == 0, result.output
    (aside,) = folder.glob("replaced-*")
    assert (aside / "data.db").read_bytes() == old_db
    assert (aside / "keys.json").read_bytes() == old_keys
    Store.unlock(folder, user="ana", passphrase=PASSPHRASE).close()
    Store.unlock(aside, user="zoe", passphrase=PASSPHRASE).close()


def test_the_cli_names_a_damaged_backup_in_one_line(
    backup_file: tuple[Path, dict[str, int]], tmp_path: Path
) -> None:
    file, _ = backup_file
    damaged = tmp_path / "damaged.bak"
    data = bytearray(file.read_bytes())
    data[len(data) // 2] ^= 0x01
    damaged.write_bytes(data)
    result = CliRunner().invoke(
        app,
        ["restore", str(damaged), "--store", str(tmp_path / "never"), "--user", "ana"],
        env={"OUTREACH_PASSPHRASE": PASSPHRASE},
    )
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert len(lines) == 1
    assert re.fullmatch(
        r"error: the backup damaged\.bak is damaged \(.+\): nothing was restored", lines[0]
    )
    assert not (tmp_path / "never").exists()


def test_backup_through_the_cli_writes_a_readable_file(store: Store, tmp_path: Path) -> None:
    store.close()
    target = tmp_path / "out" / "b.bak"
    result = CliRunner().invoke(
        app,
        ["backup", str(target), "--store", str(store.folder)],
        env={"OUTREACH_PASSPHRASE": PASSPHRASE},
    )
    assert result.exit_code == 0, result.output
    assert read_backup_info(target).revision == head_revision()


def _leave(folder: Path, names: list[str], *, stale: bool = True) -> None:
    """Files (or, for names ending in "/", folders with a file inside) as a killed run leaves
    them; ``stale`` ones last changed an hour before this test process started."""
    folder.mkdir(parents=True, exist_ok=True)
    for name in names:
        path = folder / name.rstrip("/")
        if name.endswith("/"):
            path.mkdir()
            (path / "data.db").write_bytes(b"\0" * 16)
        else:
            path.write_bytes(b"\0" * 16)
        if stale:
            then = PROCESS_STARTED - 3600
            os.utime(path, (then, then))


def test_a_backup_removes_only_stale_temporary_files_of_killed_backups(
    store: Store, tmp_path: Path
) -> None:
    out = tmp_path / "out"
    removable = [
        ".b.bak.0123abcd.snapshot",
        ".b.bak.0123abcd.snapshot-journal",
        ".b.bak.4567cdef.partial",
        ".weekly.bak.89abcdef.partial",  # another backup's, in the same folder
    ]
    kept = [
        ".b.bak.0123ABCD.partial",  # not lower-case hex
        ".b.bak.0123abc.partial",  # seven digits
        "b.bak.0123abcd.partial",  # not hidden
        ".b.bak.0123abcd.partial.old",
        ".b.bak.0123abcd.tmp",
        ".c.bak.0123abcd.partial/",  # a folder
    ]
    _leave(out, removable + kept)
    _leave(out, [".b.bak.fedcba98.partial"], stale=False)  # perhaps another backup's, running
    (out / ".d.bak.0123abcd.partial").symlink_to(out / "b.bak.0123abcd.partial")
    info = create_backup(store, out / "b.bak")
    assert info.leftovers_removed == 4
    assert sorted(p.name for p in out.iterdir()) == [
        ".b.bak.0123ABCD.partial",
        ".b.bak.0123abc.partial",
        ".b.bak.0123abcd.partial.old",
        ".b.bak.0123abcd.tmp",
        ".b.bak.fedcba98.partial",
        ".c.bak.0123abcd.partial",
        ".d.bak.0123abcd.partial",
        "b.bak",
        "b.bak.0123abcd.partial",
    ]


@pytest.mark.slow
def test_the_backup_command_says_how_many_leftovers_it_removed(
    store: Store, tmp_path: Path
) -> None:
    store.close()
    out = tmp_path / "out"
    _leave(out, [".b.bak.0123abcd.snapshot", ".b.bak.0123abcd.partial"])
    env = {"OUTREACH_PASSPHRASE": PASSPHRASE}
    args = ["backup", str(out / "b.bak"), "--store", str(store.folder)]
    first = CliRunner().invoke(app, args, env=env)
    second = CliRunner().invoke(app, args, env=env)
    assert first.exit_code == 0, first.output
    assert first.output.splitlines()[0] == (
        f"Removed 2 leftovers of interrupted backups from {out} (hidden temporary files)."
    )
    assert second.output.startswith("Backup written to ")
    assert sorted(p.name for p in out.iterdir()) == ["b.bak"]


def test_a_restore_removes_only_stale_leftovers_of_killed_restores(
    backup_file: tuple[Path, dict[str, int]], tmp_path: Path
) -> None:
    file, _ = backup_file
    folder = tmp_path / "store"
    _leave(folder, [".restore-0123abcd.staging/", ".data.db.89abcdef.restoring"])
    _leave(
        folder,
        [
            ".restore-4567cdef.staging",  # a file, not a staging folder
            ".restore-0123ABCD.staging/",
            ".data.db.89abcdef.restoring.keep",
            ".b.bak.0123abcd.partial",  # a backup's, not a restore's
        ],
    )
    _leave(folder, [".restore-fedcba98.staging/"], stale=False)
    result = CliRunner().invoke(
        app,
        ["restore", str(file), "--store", str(folder), "--user", "ana"],
        env={"OUTREACH_PASSPHRASE": PASSPHRASE},
    )
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == (
        f"Removed 2 leftovers of interrupted restores from {folder} "
        "(hidden staging folders and temporary files)."
    )
    assert sorted(p.name for p in folder.iterdir()) == [
        ".b.bak.0123abcd.partial",
        ".data.db.89abcdef.restoring.keep",
        ".restore-0123ABCD.staging",
        ".restore-4567cdef.staging",
        ".restore-fedcba98.staging",
        ".store.lock",
        ".store.lock.holders",
        "data.db",
        "keys.json",
    ]


@pytest.mark.slow
def test_restore_creates_a_missing_store_folder_and_its_parents(
    backup_file: tuple[Path, dict[str, int]], tmp_path: Path
) -> None:
    file, counts = backup_file
    folder = tmp_path / "home" / ".local" / "share" / "outreach" / "store"
    result = restore_backup(file, folder, secret=PASSPHRASE, user="ana")
    assert result == RestoreResult(moved_aside=None, leftovers_removed=0)
    # (and the store's lock file, with the folder where its holders leave a note)
    assert sorted(p.name for p in folder.iterdir()) == [
        ".store.lock",
        ".store.lock.holders",
        "data.db",
        "keys.json",
    ]
    with Store.unlock(folder, user="ana", passphrase=PASSPHRASE) as restored:
        assert table_counts(restored)["person"] == counts["person"] == 300


def test_a_backup_says_how_far_each_of_its_steps_has_got(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The copy in two steps (just over half its pages, then the rest) and the encryption in
    quarters of the copy: each share said once, as it is reached."""
    add_people(store, 50)
    store.checkpoint()
    size = (store.folder / "data.db").stat().st_size
    pages = size // 4096
    step = pages // 2 + 1
    monkeypatch.setattr(engine, "COPY_STEP_PAGES", step)
    monkeypatch.setattr(backup_module, "CHUNK_SIZE", size // 4)
    said: list[str] = []
    create_backup(store, tmp_path / "outreach.bak", said=said.append)
    shown = f"{size / 1e6:.1f} MB"
    copying, sealing = "Backing up: copying the store", "Backing up: encrypting the copy"
    assert said == [
        f"{copying} (0% of {shown})",
        f"{copying} ({100 * step // pages}% of {shown})",
        f"{copying} (100% of {shown})",
        # A chunk is told once the one after it is read: half the copy, then three quarters.
        f"{sealing} (0% of {shown})",
        f"{sealing} (50% of {shown})",
        f"{sealing} (75% of {shown})",
        f"{sealing} (100% of {shown})",
    ]
    _restore(tmp_path / "outreach.bak", tmp_path / "restored")
