"""Removing an account, and ``outreach keys rotate``, move the store under a new data key that
only the remaining slots hold: a copy of the removed account's slot opens nothing any more."""

from __future__ import annotations

import json
import re
import shutil
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import col, select
from typer.testing import CliRunner

from outreach.cli import app
from outreach.clock import now
from outreach.model import AuditEntry, Person, Role
from outreach.store.engine import opens_with
from outreach.store.errors import NotAllowed, StoreDamaged, StoreLocked
from outreach.store.keyslots import KeyFile
from outreach.store.store import REKEY_COPY, Store
from tests.support.store_helpers import raw
from tests.support.stores import PASSPHRASE

BOB = "bob's own long passphrase"


def _add_person(store: Store, ref: str) -> None:
    with store.write() as session:
        session.add(
            Person(
                ref=ref,
                display_name=f"Person {ref}",
                date_of_birth=date(1990, 1, 1),
                created_at=now(),
            )
        )


def _refs(folder: Path, key: bytes) -> list[str]:
    conn = raw(folder, key)
    try:
        return [r[0] for r in conn.execute("SELECT ref FROM person ORDER BY ref")]
    finally:
        conn.close()


@pytest.fixture
def with_bob(store: Store) -> tuple[Store, KeyFile]:
    """ana's open store with a staff account bob, and a copy of keys.json as bob could keep it."""
    store.add_account("bob", Role.staff, BOB)
    _add_person(store, "A0001")
    return store, KeyFile.load(store.keys_path)


def test_a_removed_accounts_old_slot_opens_nothing_of_the_live_store(
    with_bob: tuple[Store, KeyFile],
) -> None:
    store, kept = with_bob
    bobs_key = kept.unwrap(kept.slot_for("bob"), BOB)
    assert opens_with(store.db_path, bobs_key)  # before the removal, bob's copy opens it

    store.remove_account("bob")
    _add_person(store, "A0002")

    # bob's kept slot still gives him the old key, which opens neither old nor new records.
    assert kept.unwrap(kept.slot_for("bob"), BOB) == bobs_key
    assert not opens_with(store.db_path, bobs_key)
    with pytest.raises(StoreDamaged):
        raw(store.folder, bobs_key)
    live = KeyFile.load(store.keys_path)
    assert [s.account for s in live.slots] == [None, "ana"]
    assert not live.rekey_pending()
    new_key = live.unwrap(live.slot_for("ana"), PASSPHRASE)
    assert new_key != bobs_key and store._data_key == new_key
    assert _refs(store.folder, new_key) == ["A0001", "A0002"]
    with store.read() as session:
        actions = session.exec(select(AuditEntry.action).order_by(col(AuditEntry.id))).all()
    assert actions[-1] == "account.remove"


def test_putting_the_old_keys_json_back_does_not_open_the_store(
    with_bob: tuple[Store, KeyFile], tmp_path: Path
) -> None:
    store, kept = with_bob
    store.remove_account("bob")
    store.close()
    (tmp_path / "kept.json").write_text(json.dumps(kept.to_json()))
    shutil.copy(tmp_path / "kept.json", store.keys_path)
    with pytest.raises(StoreDamaged, match=r"data\.db cannot be opened with the key"):
        Store.unlock(store.folder, user="bob", passphrase=BOB)


def test_rotate_gives_every_slot_the_new_key_and_keeps_every_record(
    with_bob: tuple[Store, KeyFile],
) -> None:
    store, _ = with_bob
    old_key = store._data_key
    store.rotate_key()
    live = KeyFile.load(store.keys_path)
    keys = {live.unwrap(live.slot_for(n), p) for n, p in (("ana", PASSPHRASE), ("bob", BOB))}
    assert keys == {store._data_key} and store._data_key != old_key
    assert not opens_with(store.db_path, old_key)
    assert _refs(store.folder, store._data_key) == ["A0001"]
    assert not (store.folder / REKEY_COPY).exists()
    _add_person(store, "A0002")  # the store goes on working on its new key
    store.close()
    with Store.unlock(store.folder, user="bob", passphrase=BOB) as bob, bob.read() as session:
        assert len(session.exec(select(Person)).all()) == 2
        last = session.exec(select(AuditEntry).order_by(col(AuditEntry.id).desc())).first()
        assert last is not None and (last.action, last.fields) == ("keys.rotate", "data_key")


@pytest.mark.slow
def test_the_recovery_code_opens_the_store_after_a_rotation(tmp_path: Path) -> None:
    store, code = Store.init(
        tmp_path / "store", site_name="HMP Test", admin="ana", passphrase=PASSPHRASE
    )
    store.rotate_key()
    store.close()
    Store.recover(
        tmp_path / "store", code=code, user="ana", new_passphrase="tulip kettle orbit mild"
    ).close()
    Store.unlock(tmp_path / "store", user="ana", passphrase="tulip kettle orbit mild").close()


def test_staff_cannot_rotate(with_bob: tuple[Store, KeyFile]) -> None:
    store, _ = with_bob
    store.close()
    with Store.unlock(store.folder, user="bob", passphrase=BOB) as bob, pytest.raises(NotAllowed):
        bob.rotate_key()


@pytest.mark.slow
def test_a_rotation_while_another_process_has_the_store_open_is_refused_untouched(
    with_bob: tuple[Store, KeyFile],
) -> None:
    store, _ = with_bob
    store.close()
    before = store.keys_path.read_bytes()
    other = Store.unlock(store.folder, user="bob", passphrase=BOB)
    try:
        with other.read() as session:
            session.exec(select(Person)).all()  # holds a connection open, as a window would
            ana = Store.unlock(store.folder, user="ana", passphrase=PASSPHRASE)
            try:
                # (Both are in this process here; from another, the message says "open
                # elsewhere". tests/store/test_store_lock.py runs that with real processes.)
                refusal = (
                    f"a re-key needs the store in {re.escape(str(store.folder))} to itself, "
                    "but this program "
                    f"has it open too \\(bob on .* since .*\\): close it first. Nothing was changed"
                )
                with pytest.raises(StoreLocked, match=refusal):
                    ana.rotate_key()
                with pytest.raises(StoreLocked, match=refusal):
                    ana.remove_account("bob")
            finally:
                ana.close()
    finally:
        other.close()
    assert json.loads(store.keys_path.read_text())["slots"] == json.loads(before)["slots"]
    with Store.unlock(store.folder, user="bob", passphrase=BOB) as bob:
        assert bob.actor.name == "bob"


def test_the_cli_rotates_and_says_what_backups_keep(with_bob: tuple[Store, KeyFile]) -> None:
    store, _ = with_bob
    store.close()
    env = {"OUTREACH_PASSPHRASE": PASSPHRASE, "OUTREACH_USER": "ana"}
    result = CliRunner().invoke(app, ["keys", "rotate", "--store", str(store.folder)], env=env)
    assert result.exit_code == 0, result.output
    assert "new data key" in result.output
    result = CliRunner().invoke(
        app, ["keys", "remove", "bob", "--store", str(store.folder)], env=env
    )
    assert result.exit_code == 0, result.output
    assert result.output == (
        "Removed bob. The store is now under a new key that bob's old slot does not open; "
        "backups made before this still open with it.\n"
    )
    result = CliRunner().invoke(app, ["check", "--store", str(store.folder)], env=env)
    assert result.exit_code == 0, result.output


@pytest.mark.slow
def test_slots_of_the_first_format_still_open_and_are_rewritten_at_unlock(
    store: Store,
) -> None:
    """keys.json written before slots held key pairs: the data key wrapped under the passphrase."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    from outreach.store.keyslots import KdfParams, Slot, _b64

    data_key = store._data_key
    store.close()
    keyfile = KeyFile.load(store.keys_path)
    ana = keyfile.slot_for("ana")
    legacy = Slot(ana.id, ana.kind, "ana", "admin", KdfParams.fresh(), _b64(b"\0" * 12), "")
    wrapped = AESGCM(legacy.kdf.derive(PASSPHRASE)).encrypt(
        b"\0" * 12, data_key, legacy.associated_data(keyfile.store_id)
    )
    keyfile.slots = [s for s in keyfile.slots if s.id != ana.id] + [
        Slot(ana.id, ana.kind, "ana", "admin", legacy.kdf, legacy.nonce, _b64(wrapped))
    ]
    raw_json = keyfile.to_json()
    raw_json["format"] = "outreach-keys/1"
    del raw_json["authority"]  # format 1 had no signed roles either
    raw_json["slots"] = [s for s in raw_json["slots"] if s["account"] == "ana"]
    for slot in raw_json["slots"]:
        for name in ("public_key", "sealed", "next_key", "certificate"):
            del slot[name]
    body = {k: v for k, v in raw_json.items() if k != "checksum"}
    from outreach.store.keyslots import _checksum

    raw_json["checksum"] = _checksum(body)
    store.keys_path.write_text(json.dumps(raw_json))
    assert KeyFile.load(store.keys_path).slot_for("ana").legacy

    with Store.unlock(store.folder, user="ana", passphrase=PASSPHRASE) as opened:
        assert opened._data_key == data_key
        assert not KeyFile.load(store.keys_path).slot_for("ana").legacy
        opened.rotate_key()  # every slot can now be given a new key
    Store.unlock(store.folder, user="ana", passphrase=PASSPHRASE).close()
