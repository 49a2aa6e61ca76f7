"""Every action has a key, a command-palette entry and a line in help."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from freezegun import freeze_time
from textual.widgets import DataTable

from outreach.settings import READY_ENV
from outreach.store.store import Store
from outreach.tui.actions import APP_ACTIONS, keys_text
from outreach.tui.app import create_app
from outreach.tui.screens.dashboard import DashboardScreen
from outreach.tui.screens.help import HelpScreen
from outreach.tui.screens.mentors import MentorsScreen
from tests.support.tui_helpers import FROZEN, SIZE, wait_for
from tests.support.tui_store import TODAY, copy_built


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory, tui_template: Path) -> Path:
    # These tests only read, so one store serves the module.
    return copy_built(tui_template, tmp_path_factory.mktemp("tui-keys") / "store")


def test_keys_read_as_a_person_types_them() -> None:
    assert keys_text("question_mark,f1") == "? / f1"
    assert keys_text("n,greater_than_sign") == "n / >"


@pytest.mark.asyncio
async def test_the_palette_offers_every_action_and_the_screens_own_keys(store: Store) -> None:
    with freeze_time(TODAY, **FROZEN):
        app = create_app(store.folder, store=store, idle_minutes=60)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("m")
            await wait_for(pilot, lambda: isinstance(app.screen, MentorsScreen))
            commands = {c.title: c.help for c in app.get_system_commands(app.screen)}
    for action in APP_ACTIONS:
        assert commands[action.title].endswith(f"({keys_text(action.keys)})")
    assert commands["Add mentor"] == "On this screen  (ins / ctrl+a)"
    assert commands["Active/inactive"] == "On this screen  (i / ctrl+e)"
    assert "Quit" in commands


@pytest.mark.asyncio
async def test_question_mark_lists_the_screens_keys_then_the_rest(store: Store) -> None:
    with freeze_time(TODAY, **FROZEN):
        app = create_app(store.folder, store=store, idle_minutes=60)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("m")
            await wait_for(pilot, lambda: isinstance(app.screen, MentorsScreen))
            await pilot.press("question_mark")
            await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
            table = app.screen.query_one(DataTable)
            rows = [tuple(str(c) for c in table.get_row_at(i)) for i in range(table.row_count)]
    assert rows[:3] == [
        ("ins / ctrl+a", "Add mentor", "here"),
        ("i / ctrl+e", "Active/inactive", "here"),
        ("esc", "Back", "here"),
    ]
    # Adding a mentor has keys of its own, so a still goes to the accounts, as everywhere.
    assert ("a / f11", "Staff accounts and passphrases", "all") in rows
    assert ("? / f1", "Keys on this screen", "all") in rows


@pytest.mark.asyncio
async def test_the_ready_hook_marks_the_time_and_exits_once_the_dashboard_is_drawn(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    marker = tmp_path / "ready"
    monkeypatch.setenv(READY_ENV, str(marker))
    with freeze_time(TODAY, **FROZEN):
        app = create_app(store.folder, store=store, idle_minutes=60)
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: app.return_code is not None)
            assert isinstance(app.screen, DashboardScreen)
    assert float(marker.read_text(encoding="utf-8")) > 0


def _rendered_width(table: DataTable[Any]) -> int:
    """The columns' width on screen: each column's content and its padding either side."""
    return sum(column.get_render_width(table) for column in table.columns.values())


@pytest.mark.asyncio
async def test_help_at_80_columns_wraps_what_each_key_does_inside_the_box(store: Store) -> None:
    with freeze_time(TODAY, **FROZEN):
        app = create_app(store.folder, store=store, idle_minutes=60)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("question_mark")
            await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
            await pilot.pause()
            table = app.screen.query_one(DataTable)
            box = app.screen.query_one("#help-box")
            fits = _rendered_width(table) + table.styles.scrollbar_size_vertical
            inner = box.content_region.width
            heights = [table.rows[key].height for key in table.rows]
    # 90% of 80 is 72, less the border: 70 columns for the keys, what they do and where.
    assert (inner, fits <= inner) == (70, True)
    # The dashboard's line is longer than its column, so it takes two lines or more.
    assert max(heights) >= 2


def test_help_at_80x24(snap_compare: Any, store: Store) -> None:
    async def opened(pilot: Any) -> None:
        await pilot.press("question_mark")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, HelpScreen))
        await pilot.pause()

    with freeze_time(TODAY, **FROZEN):
        app = create_app(store.folder, store=store, idle_minutes=60)
        assert snap_compare(app, terminal_size=(80, 24), run_before=opened)
