"""The data key is derived and kept as the design says, and never leaves memory."""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import pytest

from outreach.model import Role
from outreach.store.backup import create_backup, restore_backup
from outreach.store.check import check_store
from outreach.store.errors import BackupDamaged, StoreDamaged, WrongPassphrase
from outreach.store.keyslots import KeyFile
from outreach.store.store import Store
from tests.support.store_helpers import add_people, files_containing, files_under
from tests.support.stores import PASSPHRASE, new_store


def test_every_slot_uses_argon2id_at_least_t3_m64mib_p4(store: Store) -> None:
    store.add_account("bea", Role.staff, "another passphrase")
    slots = json.loads(store.keys_path.read_text())["slots"]
    assert len(slots) == 3
    for slot in slots:
        kdf = slot["kdf"]
        assert kdf["name"] == "argon2id"
        assert kdf["iterations"] >= 3
        assert kdf["memory_kib"] >= 65536
        assert kdf["lanes"] >= 4
    assert len({s["kdf"]["salt"] for s in slots}) == 3


def test_the_data_key_appears_in_no_file_log_output_or_error(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, capfd: pytest.CaptureFixture[str]
) -> None:
    caplog.set_level(logging.DEBUG)  # SQLAlchemy logs every statement at this level
    folder = tmp_path / "store"
    store = new_store(folder)
    key = store._data_key
    needles = [key, key.hex().encode(), key.hex().upper().encode()]
    add_people(store, 50)
    create_backup(store, folder / "backups" / "b.bak")
    store.close()
    reopened = Store.unlock(folder, user="ana", passphrase=PASSPHRASE)
    reopened.change_passphrase("a different passphrase")
    reopened.close()
    texts: list[str] = []
    with pytest.raises(WrongPassphrase) as wrong:
        Store.unlock(folder, user="ana", passphrase="not the passphrase")
    texts.append(str(wrong.value))
    # A data.db from another store: the key does not open it.
    other = new_store(tmp_path / "other", site="X")
    other.close()
    mixed = Path(shutil.copytree(folder, tmp_path / "mixed"))
    shutil.copy(tmp_path / "other" / "data.db", mixed / "data.db")
    with pytest.raises(StoreDamaged) as damaged:
        Store.unlock(mixed, user="ana", passphrase="a different passphrase")
    texts.append(str(damaged.value))
    # A damaged page and a damaged backup.
    with open(folder / "data.db", "r+b") as handle:
        handle.seek(4096 + 100)
        handle.write(b"\0" * 64)
    findings = check_store(folder, key, KeyFile.load(folder / "keys.json"))
    texts += [f.detail for f in findings]
    assert not all(f.ok for f in findings)
    bak = folder / "backups" / "b.bak"
    bak.write_bytes(bak.read_bytes()[:-5])
    with pytest.raises(BackupDamaged) as bad_backup:
        restore_backup(bak, tmp_path / "never", secret=PASSPHRASE, user="ana")
    texts.append(str(bad_backup.value))

    out, err = capfd.readouterr()
    texts += [out, err, caplog.text, *(repr(r.args) for r in caplog.records)]
    assert len(caplog.records) > 10  # the statements really were logged
    for text in texts:
        for needle in needles[1:]:
            assert needle.decode() not in text
    assert files_containing(files_under(tmp_path), needles) == []
