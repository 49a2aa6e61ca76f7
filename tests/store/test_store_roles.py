"""An account's authority comes from its key slot, signed by the store's authority (whose
private key only admins' slots and the recovery slot seal): a staff account holding the data
key cannot make itself or anyone else an admin."""

from __future__ import annotations

import json
import shutil
from dataclasses import replace
from pathlib import Path

import pytest

from outreach.model import Role
from outreach.store.check import check_store
from outreach.store.errors import NotAllowed, StoreDamaged
from outreach.store.keyslots import KeyFile, certificate_payload, new_authority
from outreach.store.store import Store
from tests.support.store_helpers import raw
from tests.support.stores import PASSPHRASE

BOB = "bob's own long passphrase"
MALLORY = "mallory's own long passphrase"


@pytest.fixture
def shop(store: Store) -> tuple[Path, bytes]:
    """ana (admin) and bob (staff); closed. The folder and the data key bob also holds."""
    store.add_account("bob", Role.staff, BOB)
    key = store._data_key
    store.close()
    return store.folder, key


def _findings(folder: Path, key: bytes) -> dict[str, tuple[bool, str]]:
    return {
        f.name: (f.ok, f.detail)
        for f in check_store(folder, key, KeyFile.load(folder / "keys.json"))
    }


def test_a_role_changed_in_data_db_by_hand_gives_no_power(shop: tuple[Path, bytes]) -> None:
    """The reproduction: bob runs UPDATE account SET role='admin', then adds an admin."""
    folder, key = shop
    conn = raw(folder, key)
    try:
        conn.execute("UPDATE account SET role = 'admin' WHERE name = 'bob'")
    finally:
        conn.close()
    with Store.unlock(folder, user="bob", passphrase=BOB) as bob:
        assert bob.actor.role == Role.staff
        with pytest.raises(NotAllowed, match="bob is staff; this needs admin"):
            bob.add_account("mallory", Role.admin, MALLORY)
        with pytest.raises(NotAllowed):
            bob.rotate_key()
    assert _findings(folder, key)["roles"] == (
        False,
        "account 'bob' is admin in data.db but staff in its signed key slot (changed by hand; "
        "the signed role is the one that counts)",
    )


def _save_edited(folder: Path, keyfile: KeyFile) -> None:
    """keys.json rewritten as an editor would leave it, checksum and all."""
    keyfile.save(folder / "keys.json")


def test_a_slot_whose_role_was_edited_is_refused(shop: tuple[Path, bytes]) -> None:
    """bob re-seals his own slot (he knows its passphrase and holds its keys) as an admin's."""
    folder, key = shop
    keyfile = KeyFile.load(folder / "keys.json")
    mine = keyfile.slot_for("bob")
    _, secrets = keyfile.open_slot(mine, BOB)
    assert secrets is not None and secrets.authority is None  # staff hold no signing key
    keyfile.add_slot(
        kind=mine.kind,
        secret=BOB,
        data_key=key,
        account="bob",
        role="admin",
        keep=(replace(mine, role="admin"), secrets),
    )
    _save_edited(folder, keyfile)
    with pytest.raises(StoreDamaged, match=r"the slot of 'bob' \(role admin\) is not signed"):
        Store.unlock(folder, user="bob", passphrase=BOB)
    ok, detail = _findings(folder, key)["key slots"]
    assert not ok and "the slot of 'bob' (role admin) is not signed by an admin" in detail


def test_a_slot_added_with_a_home_made_signature_is_refused(
    shop: tuple[Path, bytes],
) -> None:
    """bob, who holds the data key, writes himself an admin slot signed with a key of his own."""
    folder, key = shop
    keyfile = KeyFile.load(folder / "keys.json")
    fake_private, fake_public = new_authority()
    forged = KeyFile(store_id=keyfile.store_id, authority=fake_public)
    slot = forged.add_slot(
        kind="account",
        secret=MALLORY,
        data_key=key,
        account="mallory",
        role="admin",
        authority=fake_private,
        holds_authority=True,
    )
    keyfile.slots.append(slot)
    _save_edited(folder, keyfile)
    with pytest.raises(StoreDamaged, match="is not the one the slot of 'mallory' was made under"):
        Store.unlock(folder, user="mallory", passphrase=MALLORY)
    ok, detail = _findings(folder, key)["key slots"]
    assert not ok and "the slot of 'mallory' (role admin) is not signed by an admin" in detail

    # Swapping the authority for his own instead breaks every genuine slot, loudly.
    keyfile.authority = fake_public
    _save_edited(folder, keyfile)
    with pytest.raises(StoreDamaged, match="the key that signs roles is not the one"):
        Store.unlock(folder, user="ana", passphrase=PASSPHRASE)


def test_removing_the_authority_from_keys_json_is_refused(shop: tuple[Path, bytes]) -> None:
    folder, _ = shop
    keyfile = KeyFile.load(folder / "keys.json")
    keyfile.authority = ""
    _save_edited(folder, keyfile)
    with pytest.raises(StoreDamaged, match=r"the key that signs roles.*was removed"):
        Store.unlock(folder, user="bob", passphrase=BOB)


@pytest.mark.slow
def test_signed_roles_survive_passphrase_changes_recovery_and_new_admins(
    tmp_path: Path,
) -> None:
    folder = tmp_path / "store"
    store, code = Store.init(folder, site_name="HMP Test", admin="ana", passphrase=PASSPHRASE)
    store.add_account("bob", Role.staff, BOB)
    store.add_account("cal", Role.admin, MALLORY)
    store.close()
    with Store.unlock(folder, user="bob", passphrase=BOB) as bob:
        bob.change_passphrase("tulip kettle orbit mild")
    with Store.unlock(folder, user="bob", passphrase="tulip kettle orbit mild") as bob:
        assert bob.actor.role == Role.staff
    with Store.unlock(folder, user="cal", passphrase=MALLORY) as cal:
        assert cal.actor.role == Role.admin
        cal.add_account("dee", Role.viewer, "dee's own long passphrase")  # cal can sign
    Store.recover(folder, code=code, user="bob", new_passphrase="heron quill basalt").close()
    with Store.unlock(folder, user="bob", passphrase="heron quill basalt") as bob:
        assert bob.actor.role == Role.staff
    keyfile = KeyFile.load(folder / "keys.json")
    assert all(keyfile.certificate_ok(s) for s in keyfile.slots)
    assert {s.account: s.role for s in keyfile.account_slots()} == {
        "ana": "admin",
        "bob": "staff",
        "cal": "admin",
        "dee": "viewer",
    }
    payload = certificate_payload(keyfile.store_id, keyfile.slot_for("dee"))
    assert b"viewer" in payload and keyfile.store_id.encode() in payload
    json.loads((folder / "keys.json").read_text())  # still plain JSON for people to read
    shutil.rmtree(folder)
