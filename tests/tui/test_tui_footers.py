"""Every screen's footer at 80x24 shows ``? Help``: the one key that leads to every other, so
no screen's own keys may push it off the edge."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from freezegun import freeze_time

from outreach.store.store import Store
from outreach.tui.app import create_app
from outreach.tui.screens.dashboard import DashboardScreen
from outreach.tui.screens.person import PersonScreen
from outreach.tui.screens.registry import _SCREENS, screen_for
from tests.support.tui_helpers import FROZEN, screen_lines, wait_for
from tests.support.tui_store import TODAY, build_store


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One small store for the module: these tests only look."""
    return build_store(tmp_path_factory.mktemp("footers") / "store")


def _footer(app: Any) -> str:
    """The bottom line (empty while the screen has not been drawn yet)."""
    lines = screen_lines(app)
    return lines[-1] if lines else ""


@pytest.mark.slow
@pytest.mark.asyncio
@pytest.mark.parametrize("name", ["dashboard", "person", *_SCREENS])
async def test_the_footer_at_80x24_shows_help(store: Store, name: str) -> None:
    with freeze_time(TODAY, **FROZEN):
        app = create_app(store.folder, store=store, idle_minutes=60)
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
            if name == "person":
                app.push_screen(PersonScreen("A1001"))
            elif name != "dashboard":
                app.push_screen(screen_for(name))
            await wait_for(
                pilot, lambda: len(app.screen_stack) == (1 if name == "dashboard" else 2)
            )
            # The footer fills in once the screen's first layout is drawn.
            await wait_for(pilot, lambda: "Quit" in _footer(app))
            await pilot.pause(0.2)
            footer = _footer(app)
    assert "? Help" in footer, footer
    assert "^l Lock" in footer, footer


@pytest.mark.slow
@pytest.mark.asyncio
async def test_the_dashboard_names_n_on_the_panel_it_changes(store: Store) -> None:
    with freeze_time(TODAY, **FROZEN):
        app = create_app(store.folder, store=store, idle_minutes=60)
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
            await pilot.pause(0.2)
            cervical = screen_lines(app)
            await pilot.press("n")
            panel = app.screen.query_one("#programme-panel")
            await wait_for(pilot, lambda: panel.border_title == "Hepatitis B testing")
            await pilot.pause(0.2)
            hepatitis_b = screen_lines(app)
    assert cervical[1].startswith("╭─ Cervical screening: coverage ─")
    assert any("n: next programme" in line for line in cervical[2:12])
    assert hepatitis_b[1].startswith("╭─ Hepatitis B testing ─")
    assert any("n: next programme" in line for line in hepatitis_b[2:])
