"""Shared fixtures: fresh stores in temporary folders, and an environment kept clean."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from outreach.store.store import Store

PASSPHRASE = "correct horse battery"


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
    home = tmp_path / "home"
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("USERPROFILE", str(home))  # Path.home() on Windows
    for name, place in USER_FOLDER_VARIABLES.items():
        monkeypatch.setenv(name, str(home / place))


@pytest.fixture
def store_dir(tmp_path: Path) -> Path:
    return tmp_path / "store"


@pytest.fixture
def store(store_dir: Path) -> Iterator[Store]:
    """A new store for "HMP Test" with one admin account, ``ana``."""
    opened, _ = Store.init(store_dir, site_name="HMP Test", admin="ana", passphrase=PASSPHRASE)
    try:
        yield opened
    finally:
        opened.close()
