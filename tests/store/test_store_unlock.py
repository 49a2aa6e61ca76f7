"""Unlocking: wrong passphrases leave data.db alone, any passphrase characters work, and
repeated failures are throttled and then audited."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest
from freezegun import freeze_time
from sqlmodel import col, select

from outreach.model import AuditEntry, Role
from outreach.store.errors import Throttled, WrongPassphrase
from outreach.store.store import Store
from tests.support.stores import PASSPHRASE, new_store

ODD = "a \"quoted\" 'pass' @home 100% café ñandú 漢字"


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _cli(*args: str, passphrase: str, new: str = "") -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("OUTREACH_")}
    env["OUTREACH_PASSPHRASE"] = passphrase
    env["OUTREACH_NEW_PASSPHRASE"] = new
    return subprocess.run(
        [sys.executable, "-m", "outreach", *args],
        capture_output=True,
        text=True,
        env=env,
        check=False,
    )


def test_a_wrong_passphrase_on_the_cli_is_one_line_and_leaves_data_db_alone(
    store: Store,
) -> None:
    store.close()
    assert not (store.folder / "data.db-wal").exists()
    before = _sha(store.db_path)
    result = _cli("keys", "list", "--store", str(store.folder), passphrase="not it at all")
    assert result.returncode == 1
    assert result.stdout == ""
    assert result.stderr == "error: wrong passphrase for 'ana'\n"
    assert _sha(store.db_path) == before
    assert not (store.folder / "data.db-wal").exists()


def test_a_wrong_passphrase_through_the_api_leaves_data_db_alone(
    store: Store, capfd: pytest.CaptureFixture[str]
) -> None:
    store.close()
    before = _sha(store.db_path)
    with pytest.raises(WrongPassphrase) as raised:
        Store.unlock(store.folder, user="ana", passphrase="not it at all")
    assert str(raised.value) == "wrong passphrase for 'ana'"
    assert _sha(store.db_path) == before
    assert not (store.folder / "data.db-wal").exists()
    assert capfd.readouterr() == ("", "")


@pytest.mark.slow
def test_odd_characters_work_for_init_unlock_add_and_passwd(tmp_path: Path) -> None:
    folder = tmp_path / "store"
    store = new_store(folder, passphrase=ODD)
    store.add_account("bea", Role.staff, ODD + " bea")
    store.close()
    ana = Store.unlock(folder, user="ana", passphrase=ODD)
    ana.change_passphrase(ODD[::-1])
    ana.close()
    Store.unlock(folder, user="bea", passphrase=ODD + " bea").close()
    Store.unlock(folder, user="ana", passphrase=ODD[::-1]).close()


@pytest.mark.slow
def test_odd_characters_work_through_the_cli(tmp_path: Path) -> None:
    folder = str(tmp_path / "store")
    init = _cli(
        "init", "--site", "HMP Test", "--user", "ana", "--store", folder, passphrase="", new=ODD
    )
    assert init.returncode == 0, init.stderr
    listed = _cli("keys", "list", "--store", folder, passphrase=ODD)
    assert listed.returncode == 0, listed.stderr
    assert "ana (admin)" in listed.stdout


@pytest.mark.parametrize(("created", "typed"), [("NFC", "NFD"), ("NFD", "NFC")])
def test_both_unicode_forms_of_an_accent_open(tmp_path: Path, created: str, typed: str) -> None:
    secret = "résumé passphrase"
    store, _ = Store.init(
        tmp_path / "store",
        site_name="HMP Test",
        admin="ana",
        passphrase=unicodedata.normalize(created, secret),  # type: ignore[arg-type]
    )
    store.close()
    typed_secret = unicodedata.normalize(typed, secret)  # type: ignore[arg-type]
    assert typed_secret != unicodedata.normalize(created, secret)  # type: ignore[arg-type]
    Store.unlock(tmp_path / "store", user="ana", passphrase=typed_secret).close()


def _failures(folder: Path) -> dict[str, float]:
    return json.loads((folder / "keys.json").read_text())["unlock_failures"]


def test_repeated_failures_are_throttled_with_growing_waits_then_audited(store: Store) -> None:
    store.close()
    folder = store.folder
    with freeze_time("2025-01-01 12:00:00") as clock:
        for _ in range(3):
            with pytest.raises(WrongPassphrase):
                Store.unlock(folder, user="ana", passphrase="wrong one!")
        clock.tick(0.5)
        with pytest.raises(Throttled) as first:
            Store.unlock(folder, user="ana", passphrase=PASSPHRASE)
        assert first.value.wait_seconds == pytest.approx(1.5)  # 2 s after the 3rd failure
        clock.tick(2)
        with pytest.raises(WrongPassphrase, match="4 failed tries in a row"):
            Store.unlock(folder, user="ana", passphrase="wrong one!")
        clock.tick(1)
        with pytest.raises(Throttled) as second:
            Store.unlock(folder, user="ana", passphrase=PASSPHRASE)
        assert second.value.wait_seconds == pytest.approx(3.0)  # 4 s after the 4th failure
        assert _failures(folder)["count"] == 4
        clock.tick(3.5)
        opened = Store.unlock(folder, user="ana", passphrase=PASSPHRASE)
    try:
        with opened.read() as session:
            last = session.exec(
                select(AuditEntry).order_by(col(AuditEntry.id).desc()).limit(1)
            ).one()
        assert (last.action, last.fields) == ("unlock.after_failures", "failures=4,waited_s=2")
    finally:
        opened.close()
    assert _failures(folder) == {}


def test_after_a_success_the_count_starts_again(store: Store) -> None:
    store.close()
    for _ in range(2):
        with pytest.raises(WrongPassphrase):
            Store.unlock(store.folder, user="ana", passphrase="wrong one!")
    Store.unlock(store.folder, user="ana", passphrase=PASSPHRASE).close()
    with pytest.raises(WrongPassphrase) as raised:
        Store.unlock(store.folder, user="ana", passphrase="wrong one!")
    assert str(raised.value) == "wrong passphrase for 'ana'"
    assert _failures(store.folder)["count"] == 1
