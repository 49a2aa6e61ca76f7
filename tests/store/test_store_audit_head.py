"""The newest committed audit row is recorded outside data.db (keys.json, and so every backup):
a damaged WAL, deleted audit rows or a re-hashed chain no longer pass as "verified"."""

from __future__ import annotations

import json
import os
import shutil
from datetime import date
from pathlib import Path

from sqlmodel import Session, col, select
from typer.testing import CliRunner

from outreach.cli import app
from outreach.model import AuditEntry
from outreach.services.people import AddPerson, add_person
from outreach.store import audit
from outreach.store.check import check_store
from outreach.store.engine import make_engine
from outreach.store.keyslots import KeyFile
from outreach.store.store import Store
from tests.support.store_helpers import raw
from tests.support.stores import PASSPHRASE, new_store


def _add(store: Store, n: int) -> None:
    add_person(
        store, AddPerson(ref=f"H{n:04d}", display_name=f"Head {n}", date_of_birth=date(1990, 1, 1))
    )


def _head(folder: Path) -> dict[str, object]:
    return json.loads((folder / "keys.json").read_text())["audit_head"]


def _finding(folder: Path, key: bytes, name: str = "audit head") -> tuple[bool, str]:
    findings = check_store(folder, key, KeyFile.load(folder / "keys.json"))
    found = next(f for f in findings if f.name == name)
    return found.ok, found.detail


def test_every_write_records_the_newest_audit_row_in_keys_json(store: Store) -> None:
    _add(store, 1)
    _add(store, 2)
    with store.read() as session:
        last = session.exec(select(AuditEntry).order_by(col(AuditEntry.id).desc())).first()
    assert last is not None
    recorded = _head(store.folder)
    assert {k: recorded[k] for k in ("id", "hash", "signed_by")} == {
        "id": last.id,
        "hash": last.hash,
        "signed_by": "ana",
    }
    assert _finding(store.folder, store._data_key) == (
        True,
        f"row {last.id} as recorded in keys.json, signed by ana",
    )


def _copy_with_wal_cut(store: Store, target: Path, size: int) -> None:
    """data.db, its WAL cut to ``size`` bytes, and keys.json, as a crash or a bad disk would
    leave them (the store stays open, so the WAL is not folded in)."""
    target.mkdir()
    for name in ("data.db", "keys.json"):
        shutil.copy(store.folder / name, target / name)
    with open(store.folder / "data.db-wal", "rb") as wal:
        (target / "data.db-wal").write_bytes(wal.read(size))


def test_commits_lost_with_a_cut_wal_are_counted_by_check_and_at_unlock(
    store: Store, tmp_path: Path
) -> None:
    """The reproduction: three committed, audited writes; the WAL loses the last two."""
    _add(store, 1)
    wal = store.folder / "data.db-wal"
    after_first = os.path.getsize(wal)
    with store.read() as session:
        first_row = audit.head_row(session)
    _add(store, 2)
    _add(store, 3)
    assert os.path.getsize(wal) > after_first
    recorded = _head(store.folder)
    copy = tmp_path / "copy"
    _copy_with_wal_cut(store, copy, after_first)
    key = store._data_key

    assert first_row is not None
    conn = raw(copy, key)
    try:
        assert conn.execute("SELECT count(*) FROM person").fetchone() == (1,)
    finally:
        conn.close()
    # Before, everything passed: the chain of what is left links up.
    assert _finding(copy, key, "audit chain")[0]
    assert _finding(copy, key) == (
        False,
        f"keys.json records audit row {recorded['id']} as committed but data.db ends at row "
        f"{first_row[0]}: 2 committed changes are missing (a damaged or cut WAL, or rows "
        "deleted); restore the latest backup",
    )

    with Store.unlock(copy, user="ana", passphrase=PASSPHRASE) as opened:
        assert opened.head_warning is not None
        assert "2 committed changes are missing" in opened.head_warning
        with opened.read() as session:
            last = session.exec(select(AuditEntry).order_by(col(AuditEntry.id).desc())).first()
        assert last is not None
        assert (last.action, last.fields) == (
            "store.changes_missing",
            f"missing=2,recorded={recorded['id']}",
        )
    # Said once, in the audit for good; the record now follows the store as it is.
    assert _finding(copy, key)[0]


def test_deleting_the_last_audit_rows_is_named(store: Store) -> None:
    for n in range(4):
        _add(store, n)
    key = store._data_key
    store.close()
    recorded = int(str(_head(store.folder)["id"]))
    conn = raw(store.folder, key)
    try:
        conn.execute("DELETE FROM audit WHERE id > ?", (recorded - 3,))
    finally:
        conn.close()
    assert _finding(store.folder, key, "audit chain")[0]  # what is left still links up
    ok, detail = _finding(store.folder, key)
    assert not ok
    assert f"data.db ends at row {recorded - 3}: 3 committed changes are missing" in detail


def test_a_changed_row_with_the_chain_hashed_again_is_named(store: Store) -> None:
    """Someone with the data key changes a row and hashes every row after it again."""
    for n in range(3):
        _add(store, n)
    key = store._data_key
    store.close()
    engine = make_engine(store.db_path, key)
    try:
        with Session(engine) as session, session.begin():
            entries = session.exec(select(AuditEntry).order_by(col(AuditEntry.id))).all()
            entries[1].fields = "nothing"
            prev = audit.GENESIS
            for entry in entries:
                entry.prev_hash = prev
                entry.hash = audit._digest(entry)
                prev = entry.hash
    finally:
        engine.dispose()
    assert _finding(store.folder, key, "audit chain")[0]  # the chain itself verifies again
    ok, detail = _finding(store.folder, key)
    assert not ok
    assert detail.startswith(f"audit row {_head(store.folder)['id']} is not the one keys.json")


def test_closing_folds_the_wal_into_data_db(store: Store) -> None:
    _add(store, 1)
    assert os.path.getsize(store.folder / "data.db-wal") > 0
    other = Store.unlock(store.folder, user="ana", passphrase=PASSPHRASE)
    try:
        with other.read() as session:
            session.exec(select(AuditEntry)).first()  # another reader keeps the WAL in use
        store.close()
        wal = store.folder / "data.db-wal"
        assert not wal.exists() or os.path.getsize(wal) == 0
    finally:
        other.close()


def test_a_store_with_nothing_recorded_yet_passes(tmp_path: Path) -> None:
    """keys.json written before the head was recorded (an older outreach): nothing to compare."""
    store = new_store(tmp_path / "s")
    key = store._data_key
    store.close()
    keyfile = KeyFile.load(store.keys_path)
    keyfile.audit_head = {}
    keyfile.save(store.keys_path)
    assert _finding(store.folder, key) == (True, "none recorded yet in keys.json")


def test_outreach_audit_names_the_missing_changes_and_exits_1(store: Store) -> None:
    for n in range(3):
        _add(store, n)
    key = store._data_key
    store.close()
    recorded = int(str(_head(store.folder)["id"]))
    conn = raw(store.folder, key)
    try:
        conn.execute("DELETE FROM audit WHERE id > ?", (recorded - 2,))
    finally:
        conn.close()
    result = CliRunner().invoke(
        app, ["audit", "--store", str(store.folder)], env={"OUTREACH_PASSPHRASE": PASSPHRASE}
    )
    assert result.exit_code == 1
    lines = result.stdout.splitlines()
    assert lines[1].split()[4] == "store.changes_missing"  # the newest row says so for good
    assert lines[-1] == (
        f"Audit head: keys.json records audit row {recorded} as committed but data.db ends at "
        f"row {recorded - 2}: 2 committed changes are missing (a damaged or cut WAL, or rows "
        "deleted); restore the latest backup."
    )
