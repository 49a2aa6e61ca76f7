"""The cycle collector paused while the application starts (outreach.tui.collection): started
again once the first dashboard is drawn, when the passphrase screen has done its imports, and at
the latest after its longest pause."""

from __future__ import annotations

import gc
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from outreach.store.store import Store
from outreach.tui import collection
from outreach.tui.app import create_app
from outreach.tui.screens.dashboard import DashboardScreen
from outreach.tui.screens.unlock import UnlockScreen
from tests.support.stores import new_store
from tests.support.tui_helpers import SIZE, wait_for


@pytest.fixture(autouse=True)
def _collector_on_after() -> Iterator[None]:
    yield
    collection.resume_collection()
    gc.enable()


def test_a_pause_lasts_until_resumed() -> None:
    collection.pause_collection()
    assert not gc.isenabled()
    collection.resume_collection()
    assert gc.isenabled()


def test_a_collector_stopped_by_something_else_stays_stopped() -> None:
    gc.disable()
    collection.pause_collection()
    collection.resume_collection()
    assert not gc.isenabled()


def test_a_pause_ends_by_itself_after_its_longest() -> None:
    collection.pause_collection(longest=0.05)
    assert not gc.isenabled()
    deadline = time.monotonic() + 10
    while not gc.isenabled() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert gc.isenabled()


def test_the_timer_of_an_ended_pause_leaves_a_later_pause_alone() -> None:
    collection.pause_collection(longest=0.05)
    collection.resume_collection()
    collection.pause_collection()
    time.sleep(0.3)
    assert not gc.isenabled()


@pytest.mark.slow
@pytest.mark.asyncio
async def test_drawing_the_first_dashboard_ends_the_pause(store: Store) -> None:
    collection.pause_collection()
    app = create_app(store.folder, store=store)
    async with app.run_test(size=(80, 24)) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
        screen = app.screen
        await wait_for(pilot, lambda: screen._shown_once, tries=1500)
        await wait_for(pilot, gc.isenabled)
        assert gc.isenabled()


@pytest.mark.asyncio
async def test_the_passphrase_screen_ends_the_pause_once_its_imports_are_done(
    tmp_path: Path,
) -> None:
    new_store(tmp_path / "store").close()
    collection.pause_collection()
    app = create_app(tmp_path / "store", user="ana")
    async with app.run_test(size=SIZE) as pilot:
        assert isinstance(app.screen, UnlockScreen)
        await wait_for(pilot, gc.isenabled)
        assert gc.isenabled()
