"""Start-up: Alembic is imported only when a store's schema needs a migration."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from alembic.config import Config
from alembic.script import ScriptDirectory

from outreach.paths import schema_dir
from outreach.store.migrations import head_revision
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


def test_unlocking_an_up_to_date_store_does_not_import_alembic(tmp_path: Path) -> None:
    new_store(tmp_path / "s").close()
    assert _unlock_in_a_new_process(tmp_path / "s") == "alembic not imported"


def test_unlocking_a_store_that_needs_a_migration_imports_alembic(tmp_path: Path) -> None:
    store = new_store(tmp_path / "s", revision="0011")
    store.close()
    assert _unlock_in_a_new_process(tmp_path / "s") == "alembic imported"
