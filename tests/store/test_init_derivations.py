"""A new store derives each slot's key once (Store.init, keyslots.derivations_kept): two
Argon2id derivations, the recovery code's and the admin's, and no key kept after."""

from __future__ import annotations

import threading
from pathlib import Path
from typing import Any

import pytest

from outreach.store import keyslots
from outreach.store.store import Store
from tests.support.stores import ADMIN, PASSPHRASE


@pytest.fixture
def derivations(monkeypatch: pytest.MonkeyPatch) -> list[tuple[bytes, str]]:
    """Each Argon2id derivation run from here on: its secret and the thread it ran in."""
    ran: list[tuple[bytes, str]] = []
    derive = keyslots.KdfParams._derive

    def counted(self: keyslots.KdfParams, material: bytes) -> bytes:
        ran.append((material, threading.current_thread().name))
        return derive(self, material)

    monkeypatch.setattr(keyslots.KdfParams, "_derive", counted)
    return ran


def test_a_new_store_derives_the_recovery_key_and_the_admins_key_once_each(
    tmp_path: Path, derivations: list[tuple[bytes, str]]
) -> None:
    store, code = Store.init(
        tmp_path / "s", site_name="HMP Test", admin=ADMIN, passphrase=PASSPHRASE
    )
    store.close()
    # The admin's beside the recovery code's, in a thread of its own.
    assert sorted(derivations) == sorted(
        [(PASSPHRASE.encode(), "derive-ahead"), (code.encode(), "MainThread")]
    )
    assert keyslots._AHEAD == {}
    assert keyslots._KEPT.get() is None


def test_both_slots_of_a_new_store_open(tmp_path: Path) -> None:
    store, code = Store.init(
        tmp_path / "s", site_name="HMP Test", admin=ADMIN, passphrase=PASSPHRASE
    )
    store.close()
    Store.unlock(tmp_path / "s", user=ADMIN, passphrase=PASSPHRASE).close()
    recovered = Store.recover(
        tmp_path / "s", code=code, user=ADMIN, new_passphrase="a new passphrase for ana 7"
    )
    assert recovered.actor.name == ADMIN
    recovered.close()


def test_a_key_is_kept_inside_the_block_only(derivations: list[tuple[bytes, str]]) -> None:
    kdf = keyslots.KdfParams.fresh()
    with keyslots.derivations_kept():
        first = kdf.derive("one passphrase")
        again = kdf.derive("one passphrase")
        other = kdf.derive("another passphrase")
    after = kdf.derive("one passphrase")
    assert first == again == after
    assert other != first
    assert [secret for secret, _ in derivations] == [
        b"one passphrase",
        b"another passphrase",
        b"one passphrase",
    ]
    assert keyslots._KEPT.get() is None


def test_a_key_kept_in_one_thread_is_not_taken_by_another(
    derivations: list[tuple[bytes, str]],
) -> None:
    kdf = keyslots.KdfParams.fresh()
    with keyslots.derivations_kept():
        kdf.derive("one passphrase")
        elsewhere = threading.Thread(target=kdf.derive, args=("one passphrase",), name="other")
        elsewhere.start()
        elsewhere.join()
    assert derivations == [(b"one passphrase", "MainThread"), (b"one passphrase", "other")]


def test_an_init_that_fails_once_the_keys_are_derived_keeps_none(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("the disk went away")

    monkeypatch.setattr(keyslots.KeyFile, "open_slot", broken)
    with pytest.raises(RuntimeError, match="the disk went away"):
        Store.init(tmp_path / "s", site_name="HMP Test", admin=ADMIN, passphrase=PASSPHRASE)
    assert keyslots._KEPT.get() is None
    assert keyslots._AHEAD == {}


def test_an_init_that_fails_before_the_admins_slot_drops_its_derivation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    add_slot = keyslots.KeyFile.add_slot

    def recovery_only(self: keyslots.KeyFile, **kwargs: Any) -> keyslots.Slot:
        if kwargs["kind"] == keyslots.ACCOUNT:
            raise RuntimeError("the disk went away")
        return add_slot(self, **kwargs)

    monkeypatch.setattr(keyslots.KeyFile, "add_slot", recovery_only)
    with pytest.raises(RuntimeError, match="the disk went away"):
        Store.init(tmp_path / "s", site_name="HMP Test", admin=ADMIN, passphrase=PASSPHRASE)
    assert keyslots._AHEAD == {}
