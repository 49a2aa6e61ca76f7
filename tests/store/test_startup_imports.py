"""Start-up: Alembic is imported only when a migration is due, and a key derived ahead (beside
the imports) is what the unlock that follows uses."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from alembic.config import Config
from alembic.script import ScriptDirectory

from outreach.paths import schema_dir
from outreach.store import keyslots
from outreach.store.errors import WrongPassphrase
from outreach.store.migrations import head_revision
from outreach.store.store import Store
from tests.support.stores import PASSPHRASE, new_store

ROOT = Path(__file__).resolve().parents[2]

UNLOCK_AND_REPORT = """
import sys
from pathlib import Path
from outreach.store.store import Store

store = Store.unlock(Path(sys.argv[1]), user="ana", passphrase=sys.argv[2])
store.close()
print("alembic imported" if "alembic" in sys.modules else "alembic not imported")
"""


def _unlock_in_a_new_process(folder: Path) -> str:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    done = subprocess.run(
        [sys.executable, "-c", UNLOCK_AND_REPORT, str(folder), PASSPHRASE],
        capture_output=True,
        text=True,
        env=env,
        check=True,
        timeout=120,
    )
    return done.stdout.strip()


def test_the_head_read_from_the_files_is_alembics_head() -> None:
    config = Config()
    config.set_main_option("script_location", str(schema_dir() / "migrations"))
    assert head_revision() == ScriptDirectory.from_config(config).get_current_head()


@pytest.mark.slow
def test_unlocking_an_up_to_date_store_does_not_import_alembic(tmp_path: Path) -> None:
    new_store(tmp_path / "s").close()
    assert _unlock_in_a_new_process(tmp_path / "s") == "alembic not imported"


@pytest.mark.slow
def test_unlocking_a_store_that_needs_a_migration_imports_alembic(tmp_path: Path) -> None:
    store = new_store(tmp_path / "s", revision="0011")
    store.close()
    assert _unlock_in_a_new_process(tmp_path / "s") == "alembic imported"


def test_an_unlock_takes_the_key_derived_ahead_instead_of_deriving_again(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    new_store(tmp_path / "s").close()
    derived_in: list[str] = []
    derive = keyslots.KdfParams._derive

    def counted(self: keyslots.KdfParams, material: bytes) -> bytes:
        derived_in.append(threading.current_thread().name)
        return derive(self, material)

    monkeypatch.setattr(keyslots.KdfParams, "_derive", counted)
    keyslots.derive_ahead(tmp_path / "s", user="ana", secret=PASSPHRASE)
    Store.unlock(tmp_path / "s", user="ana", passphrase=PASSPHRASE).close()
    assert derived_in == ["derive-ahead"]
    assert keyslots._AHEAD == {}


def test_a_key_derived_ahead_from_another_passphrase_opens_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    new_store(tmp_path / "s").close()
    keyslots.derive_ahead(tmp_path / "s", user="ana", secret=PASSPHRASE)
    with pytest.raises(WrongPassphrase):
        Store.unlock(tmp_path / "s", user="ana", passphrase=PASSPHRASE + "!")
    # The right one still opens, with the derivation kept for it.
    Store.unlock(tmp_path / "s", user="ana", passphrase=PASSPHRASE).close()
    assert keyslots._AHEAD == {}


def test_deriving_ahead_for_a_missing_store_or_account_does_nothing(tmp_path: Path) -> None:
    keyslots.derive_ahead(tmp_path / "none", user="ana", secret=PASSPHRASE)
    assert keyslots._AHEAD == {}
