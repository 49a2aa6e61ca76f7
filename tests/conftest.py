"""What every test gets: an environment kept clean, frozen time kept away from pytest's clock,
and the store fixtures of tests/support/fixtures.py."""

from __future__ import annotations

import os
from pathlib import Path

import freezegun
import pytest

from tests.support.stores import PASSPHRASE

pytest_plugins = ["tests.support.fixtures"]

# Frozen time must not reach pytest's own clock (or --durations reports nonsense when a fixture
# yields inside freeze_time), nor Textual and asyncio (a Pilot run under frozen time hangs).
freezegun.configure(extend_ignore_list=["_pytest.timing", "textual", "asyncio"])

__all__ = ["PASSPHRASE"]  # for modules written before tests.support.stores held it

USER_FOLDER_VARIABLES = {
    "XDG_DATA_HOME": ".local/share",
    "XDG_CONFIG_HOME": ".config",
    "XDG_STATE_HOME": ".local/state",
    "XDG_CACHE_HOME": ".cache",
    "WIN_PD_OVERRIDE_APPDATA": "AppData/Roaming",
    "WIN_PD_OVERRIDE_LOCAL_APPDATA": "AppData/Local",
}
"""What platformdirs reads, besides the home folder, for the per-user folders (data, config,
state with the last account, cache, and the log folder with crash reports): XDG variables on
Linux and macOS, overrides on Windows; each set to its usual place under the test's home."""


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """Keep the developer's own store, account, passphrase and settings out of every test,
    and every test's out of the developer's home: the home folder and each per-user folder
    platformdirs gives (last account, last import folder, crash reports) are under
    ``tmp_path``."""
    for name in [n for n in os.environ if n.startswith("OUTREACH_")]:
        monkeypatch.delenv(name)
    # The processes tests start (the application killed mid-write, a second process on the
    # store, the CLI) keep their compiled modules, as an installed outreach does, instead of
    # compiling every module again at each start (0.3-0.45 s of CPU a start).
    monkeypatch.delenv("PYTHONDONTWRITEBYTECODE", raising=False)
    home = tmp_path / "home"
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("USERPROFILE", str(home))  # Path.home() on Windows
    for name, place in USER_FOLDER_VARIABLES.items():
        monkeypatch.setenv(name, str(home / place))
