"""Tests keep out of the developer's home: what the application remembers per user (the last
account, the last import folder), its crash reports and its default store all land under the
test's own temporary folder, and no OUTREACH_ setting of the developer reaches a test."""

from __future__ import annotations

import os
from pathlib import Path

from outreach.crash import crash_folder
from outreach.store.last_account import last_account, remember_account, state_folder
from outreach.store.store import default_folder
from outreach.tui.last_folder import last_import_folder, remember_import_folder


def _files(folder: Path) -> list[str]:
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def test_what_the_application_remembers_lands_under_the_tests_own_home(tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert Path.home() == home
    remember_account("ana")
    remember_import_folder(tmp_path)
    assert (last_account(), last_import_folder()) == ("ana", tmp_path)
    assert _files(home) == [
        ".config/outreach/last-import-folder",
        ".local/state/outreach/last-account.json",
    ]
    assert state_folder() == home / ".local" / "state" / "outreach"


def test_crash_reports_and_the_default_store_are_under_it_too(tmp_path: Path) -> None:
    home = tmp_path / "home"
    assert crash_folder() == home / ".local" / "state" / "outreach" / "log"
    assert default_folder() == home / ".local" / "share" / "outreach" / "store"


def test_no_setting_of_the_developer_reaches_a_test() -> None:
    assert [name for name in os.environ if name.startswith("OUTREACH_")] == []
