"""Tests of the terminal application, driven headless by Pilot, and its snapshots
(tests/tui/__snapshots__/, keyed by test module; update with --snapshot-update and look at every
changed SVG).

Every test here has a still cursor. ``store`` is the small deterministic store of
tests/support/tui_store.py, unlocked on its frozen TODAY, in ``folder``: a folder of the test's
own, since most tests here change the store, holding a copy of the store built once for the
session (``tui_template``). A module whose tests only read it overrides ``folder`` with one
copy for the module.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from freezegun import freeze_time

from outreach.store.store import Store
from tests.support.snapshot_text import mismatch
from tests.support.stores import PASSPHRASE
from tests.support.tui_helpers import FROZEN, still_cursor
from tests.support.tui_store import TODAY, copy_built


@pytest.fixture(autouse=True)
def _still_cursor(monkeypatch: pytest.MonkeyPatch) -> None:
    still_cursor(monkeypatch)


@pytest.fixture
def folder(tmp_path: Path, tui_template: Path) -> Path:
    """The small store, a copy for this test alone (of the one built for the session)."""
    return copy_built(tui_template, tmp_path / "store")


@pytest.fixture
def store(folder: Path) -> Iterator[Store]:
    """``ana`` on the store in ``folder``, unlocked on TODAY."""
    with freeze_time(TODAY, **FROZEN):
        opened = Store.unlock(folder, user="ana", passphrase=PASSPHRASE)
    yield opened
    opened.close()


@pytest.fixture
def snap_compare(
    snap_compare: Callable[..., bool], request: pytest.FixtureRequest
) -> Callable[..., bool]:
    """The snapshot plugin's comparison; one that does not match fails with the lines of
    text that differ, so a run elsewhere shows what changed without its HTML report."""
    from pytest_textual_snapshot import node_to_report_path

    def compare(*args: Any, **kwargs: Any) -> bool:
        if snap_compare(*args, **kwargs):
            return True
        told = mismatch(node_to_report_path(request.node))
        raise AssertionError(f"the screen does not match its snapshot:\n{told}")

    return compare
