"""Schema revisions at unlock: a newer store is refused untouched; an older one is backed up,
then migrated."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest
from sqlmodel import col, select

from outreach.model import Account, AuditEntry, Role
from outreach.store import audit
from outreach.store.engine import connect
from outreach.store.errors import StoreTooNew
from outreach.store.migrations import head_revision
from outreach.store.store import Store
from tests.store_helpers import PASSPHRASE, init_store_at, raw, revision_of


def test_a_store_from_a_newer_outreach_is_refused_untouched(store: Store) -> None:
    key = store._data_key
    store.close()
    conn = raw(store.folder, key)
    conn.execute("UPDATE alembic_version SET version_num = '9999'")
    conn.close()
    assert not (store.folder / "data.db-wal").exists()
    before = {
        name: hashlib.sha256((store.folder / name).read_bytes()).hexdigest()
        for name in ("data.db", "keys.json")
    }
    with pytest.raises(StoreTooNew) as raised:
        Store.unlock(store.folder, user="ana", passphrase=PASSPHRASE)
    assert str(raised.value) == (
        "this store has schema revision 9999, which this version of outreach does not know: "
        "it was written by a newer outreach. Upgrade outreach to open it; the store has not "
        "been changed."
    )
    after = {
        name: hashlib.sha256((store.folder / name).read_bytes()).hexdigest()
        for name in ("data.db", "keys.json")
    }
    assert after == before
    assert not (store.folder / "backups").exists()


def test_a_store_at_0001_is_backed_up_then_migrated_at_unlock(tmp_path: Path) -> None:
    folder = tmp_path / "store"
    old, _ = init_store_at(folder, "0001")
    key = old._data_key
    old.add_account("bea", Role.staff, "bea's passphrase")
    with old.write() as session:
        for i in range(20):
            audit.record(session, actor_id=old.actor.id, action=f"test.{i}")
    old.close()
    assert revision_of(folder, key) == "0001"

    store = Store.unlock(folder, user="ana", passphrase=PASSPHRASE)
    try:
        with store.read() as session:
            names = session.exec(select(Account.name).order_by(col(Account.id))).all()
            actions = session.exec(select(AuditEntry.action)).all()
            assert audit.verify_chain(session) is None
    finally:
        store.close()
    assert revision_of(folder, key) == head_revision()
    assert names == ["ana", "bea"]
    assert len(actions) == 22  # store.init, account.add and the 20 test rows

    (copy,) = (folder / "backups").iterdir()
    assert copy.name.startswith("data-before-migration-from-0001-")
    conn = connect(copy, key)
    try:
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone() == ("0001",)
        assert conn.execute("SELECT count(*) FROM audit").fetchone() == (22,)
    finally:
        conn.close()
