"""Snapshots of the main screens at 80x24 and 120x40, on the small fixture store, frozen date.

Update them (on one pinned Python version) with ``pytest --snapshot-update``.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from freezegun import freeze_time
from textual.widgets import DataTable

from outreach.store.store import Store
from outreach.tui.app import create_app
from outreach.tui.dialogs.conversation_form import ConversationForm
from outreach.tui.screens.dashboard import DashboardScreen
from outreach.tui.screens.people import PeopleScreen
from outreach.tui.screens.person import PersonScreen
from tests.conftest import PASSPHRASE
from tests.test_tui_fixture_store import TODAY, build_store
from tests.test_tui_helpers import still_cursor, wait_for

FROZEN = {"ignore": ["textual", "asyncio"]}
SIZES = [(80, 24), (120, 40)]


@pytest.fixture(autouse=True)
def _still_cursor(monkeypatch: pytest.MonkeyPatch) -> None:
    still_cursor(monkeypatch)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # Snapshots only read, so one store serves the module.
    path = tmp_path_factory.mktemp("tui-snapshots") / "store"
    build_store(path)
    return path


@pytest.fixture
def store(folder: Path) -> Iterator[Store]:
    with freeze_time(TODAY, **FROZEN):
        opened = Store.unlock(folder, user="ana", passphrase=PASSPHRASE)
    yield opened
    opened.close()


def _shot(snap_compare: Any, store: Store, size: tuple[int, int], run_before: Any) -> bool:
    with freeze_time(TODAY, **FROZEN):
        app = create_app(store.folder, store=store, idle_minutes=60)
        return bool(snap_compare(app, terminal_size=size, run_before=run_before))


async def _dashboard_drawn(pilot: Any) -> None:
    app = pilot.app
    await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
    units = app.screen.query_one("#units", DataTable)
    await wait_for(pilot, lambda: units.row_count == 2)
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_dashboard(snap_compare: Any, store: Store, size: tuple[int, int]) -> None:
    assert _shot(snap_compare, store, size, _dashboard_drawn)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_people(snap_compare: Any, store: Store, size: tuple[int, int]) -> None:
    async def people_listed(pilot: Any) -> None:
        await _dashboard_drawn(pilot)
        await pilot.press("p")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, PeopleScreen))
        table = pilot.app.screen.query_one("#people", DataTable)
        await wait_for(pilot, lambda: table.row_count == 6)
        # Let the table lay out its columns before the picture is taken.
        await pilot.pause(0.2)
        await pilot.wait_for_scheduled_animations()

    assert _shot(snap_compare, store, size, people_listed)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_person(snap_compare: Any, store: Store, size: tuple[int, int]) -> None:
    async def person_shown(pilot: Any) -> None:
        await _dashboard_drawn(pilot)
        pilot.app.push_screen(PersonScreen("A1001"))
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, PersonScreen))
        await wait_for(pilot, lambda: pilot.app.screen.query("#timeline"))
        timeline = pilot.app.screen.query_one("#timeline", DataTable)
        await wait_for(pilot, lambda: timeline.row_count > 0)
        await pilot.pause()

    assert _shot(snap_compare, store, size, person_shown)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_conversation_form(snap_compare: Any, store: Store, size: tuple[int, int]) -> None:
    async def form_open(pilot: Any) -> None:
        await _dashboard_drawn(pilot)
        pilot.app.last_mentor = "Maya Lee"
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ConversationForm))
        await wait_for(pilot, lambda: bool(pilot.app.screen._mentors))
        await pilot.pause()

    assert _shot(snap_compare, store, size, form_open)
