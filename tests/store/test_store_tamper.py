"""A changed byte in keys.json is named as damage, never mistaken for a wrong passphrase;
an outdated SQLCipher or SQLite is refused before anything is opened."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from outreach.store import engine
from outreach.store.errors import StoreDamaged, UnsupportedLibrary
from outreach.store.store import Store
from tests.support.stores import PASSPHRASE, new_store


@pytest.fixture(scope="module")
def keys_bytes(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, bytes]:
    folder = tmp_path_factory.mktemp("tamper") / "store"
    new_store(folder).close()
    return folder, (folder / "keys.json").read_bytes()


def test_every_sampled_flipped_byte_in_keys_json_is_reported_as_damage(
    keys_bytes: tuple[Path, bytes],
) -> None:
    folder, original = keys_bytes
    positions = random.Random(7).sample(range(len(original)), 40)
    try:
        for position in positions:
            damaged = bytearray(original)
            damaged[position] ^= 0x01
            (folder / "keys.json").write_bytes(bytes(damaged))
            with pytest.raises(StoreDamaged) as caught:
                Store.unlock(folder, user="ana", passphrase=PASSPHRASE)
            assert "keys.json" in str(caught.value), position
    finally:
        (folder / "keys.json").write_bytes(original)
    Store.unlock(folder, user="ana", passphrase=PASSPHRASE).close()


def test_a_changed_role_is_reported_as_damage(keys_bytes: tuple[Path, bytes]) -> None:
    folder, original = keys_bytes
    edited = original.replace(b'"role": "admin"', b'"role": "staff"')
    assert edited != original
    try:
        (folder / "keys.json").write_bytes(edited)
        with pytest.raises(StoreDamaged, match="checksum"):
            Store.unlock(folder, user="ana", passphrase=PASSPHRASE)
    finally:
        (folder / "keys.json").write_bytes(original)


@pytest.mark.parametrize(
    ("sqlite", "cipher", "message"),
    [
        ("3.51.2", "4.19.0 community", "SQLite 3.51.2 is too old"),
        ("3.53.4", "3.4.2 community", "SQLCipher 3.4.2 community is too old"),
    ],
)
def test_old_libraries_are_refused_with_a_clear_message(
    monkeypatch: pytest.MonkeyPatch, sqlite: str, cipher: str, message: str
) -> None:
    class FakeConnection:
        def execute(self, sql: str) -> FakeConnection:
            assert sql == "PRAGMA cipher_version"
            return self

        def fetchone(self) -> tuple[str]:
            return (cipher,)

        def close(self) -> None:
            pass

    monkeypatch.setattr(engine.sqlcipher3, "sqlite_version", sqlite)
    monkeypatch.setattr(engine.sqlcipher3, "connect", lambda *_a, **_k: FakeConnection())
    with pytest.raises(UnsupportedLibrary, match=message):
        engine.check_library()


def test_the_installed_libraries_pass_the_check() -> None:
    engine.check_library()
