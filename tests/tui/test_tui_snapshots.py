"""Snapshots of the main screens at 80x24 and 120x40 on the demo data, on a frozen date.

The demo is built once per test session with 120 residents (the full 500 takes 20-30 s; the
screens are the same shape). Update the pictures (on one pinned Python version) with
``pytest --snapshot-update``, and look at every one before committing.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from freezegun import freeze_time
from textual.widgets import DataTable

from outreach.demo import build_demo, open_demo
from outreach.rules.cascade import load_cascade
from outreach.store.store import Store
from outreach.tui.app import create_app
from outreach.tui.dialogs.conversation_form import ConversationForm
from outreach.tui.screens.dashboard import DashboardScreen
from outreach.tui.screens.people import PeopleScreen
from outreach.tui.screens.person import PersonScreen
from tests.support.tui_helpers import FROZEN, wait_for

# Slow: every picture here is taken on a demo store built first (about 20 s on a quiet machine).
pytestmark = pytest.mark.slow

SIZES = [(80, 24), (120, 40)]
TODAY = date(2024, 6, 14)
RESIDENTS = 120
PERSON = "A2498UE"
"""A demo resident with a long timeline (26 entries on TODAY)."""
MENTOR = "Dawn Allen"
"""A demo mentor active on TODAY."""


@pytest.fixture(scope="session")
def demo_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # Snapshots only read, so one demo store serves the session.
    folder = tmp_path_factory.mktemp("tui-snapshots") / "demo"
    with freeze_time(TODAY):
        build_demo(folder, today=TODAY, residents=RESIDENTS)
    return folder


@pytest.fixture
def store(demo_folder: Path) -> Iterator[Store]:
    with freeze_time(TODAY, **FROZEN):
        opened = open_demo(demo_folder)
    yield opened
    opened.close()


def _shot(snap_compare: Any, store: Store, size: tuple[int, int], run_before: Any) -> bool:
    with freeze_time(TODAY, **FROZEN):
        app = create_app(store.folder, store=store, demo=True, idle_minutes=60)
        return bool(snap_compare(app, terminal_size=size, run_before=run_before))


async def _dashboard_drawn(pilot: Any) -> None:
    app = pilot.app
    await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
    await wait_for(pilot, lambda: app.screen._shown_once)
    await pilot.pause()


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_dashboard(snap_compare: Any, store: Store, size: tuple[int, int]) -> None:
    assert _shot(snap_compare, store, size, _dashboard_drawn)


async def _laid_out(pilot: Any, table: DataTable[Any]) -> None:
    """Wait until ``table`` has measured its columns for the rows it holds (it does so when
    idle, which under load can come well after the rows arrive), then a moment more."""
    await wait_for(pilot, lambda: not table._require_update_dimensions)
    # Under load a frame drawn between the rows arriving and their measuring (every column
    # as wide as its heading) could be the one pictured: wait for the measured widths and
    # draw again.
    await wait_for(
        pilot, lambda: all(column.content_width > 0 for column in table.columns.values())
    )
    table.refresh()
    await pilot.pause(0.2)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_people(snap_compare: Any, store: Store, size: tuple[int, int]) -> None:
    async def people_listed(pilot: Any) -> None:
        await _dashboard_drawn(pilot)
        await pilot.press("p")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, PeopleScreen))
        table = pilot.app.screen.query_one("#people", DataTable)
        await wait_for(pilot, lambda: table.row_count == 50)
        # Let the table lay out its columns before the picture is taken.
        await _laid_out(pilot, table)
        await pilot.wait_for_scheduled_animations()

    assert _shot(snap_compare, store, size, people_listed)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_person(snap_compare: Any, store: Store, size: tuple[int, int]) -> None:
    async def person_shown(pilot: Any) -> None:
        await _dashboard_drawn(pilot)
        pilot.app.push_screen(PersonScreen(PERSON))
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, PersonScreen))
        await wait_for(pilot, lambda: pilot.app.screen.query("#timeline"))
        timeline = pilot.app.screen.query_one("#timeline", DataTable)
        await wait_for(pilot, lambda: timeline.row_count > 0)
        await _laid_out(pilot, timeline)
        await pilot.wait_for_scheduled_animations()

    assert _shot(snap_compare, store, size, person_shown)


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_conversation_form(snap_compare: Any, store: Store, size: tuple[int, int]) -> None:
    async def form_open(pilot: Any) -> None:
        await _dashboard_drawn(pilot)
        pilot.app.last_mentor = MENTOR
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, ConversationForm))
        await wait_for(pilot, lambda: bool(pilot.app.screen._mentors))
        await pilot.pause()

    assert _shot(snap_compare, store, size, form_open)


def test_worklist_80x24(snap_compare: Any, store: Store) -> None:
    async def worklist_listed(pilot: Any) -> None:
        from outreach.tui.screens.followups import FollowUpsScreen

        await _dashboard_drawn(pilot)
        await pilot.press("w")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, FollowUpsScreen))
        await wait_for(pilot, lambda: pilot.app.screen._shown_once)
        await pilot.pause(0.2)
        await pilot.wait_for_scheduled_animations()

    assert _shot(snap_compare, store, (80, 24), worklist_listed)


@pytest.mark.parametrize(
    "presses", [1, 2, 3, 4], ids=["bbv-hepatitis-b", "bbv-hepatitis-c", "bbv-hiv", "bowel"]
)
def test_dashboard_on_each_programme_80x24(snap_compare: Any, store: Store, presses: int) -> None:
    """``n`` moves the dashboard to the next programme: each testing programme's cascade."""
    from outreach.tui.screens.dashboard import programme_choices

    async def programme_drawn(pilot: Any) -> None:
        await _dashboard_drawn(pilot)
        for _ in range(presses):
            await pilot.press("n")
        screen = pilot.app.screen
        title = load_cascade(programme_choices()[presses]).title
        await wait_for(pilot, lambda: screen.query_one("#programme-panel").border_title == title)
        await pilot.pause()

    assert _shot(snap_compare, store, (80, 24), programme_drawn)


def test_who_is_being_missed_on_hepatitis_c_80x24(snap_compare: Any, store: Store) -> None:
    """Every column fits 80 columns; the groups too small to publish come last, under their
    own heading; what tests found (antibody and RNA positive) is not listed as a gap."""
    from textual.widgets import Static

    from outreach.tui.screens.missed import MissedScreen

    async def missed_listed(pilot: Any) -> None:
        await _dashboard_drawn(pilot)
        await pilot.press("n", "n")  # hepatitis B, then hepatitis C
        await pilot.press("h")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, MissedScreen))
        status = pilot.app.screen.query_one("#missed-status", Static)
        await wait_for(pilot, lambda: "loading" not in str(status.render()).casefold())
        await _laid_out(pilot, pilot.app.screen.query_one(DataTable))
        await pilot.wait_for_scheduled_animations()

    assert _shot(snap_compare, store, (80, 24), missed_listed)
