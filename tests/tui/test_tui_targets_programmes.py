"""Targets per programme from the application: the targets screen follows the dashboard's
programme (``n`` moves on, here and there: one choice), and a target set there is that
programme's own, as ``outreach targets set --programme KEY`` sets it."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from freezegun import freeze_time
from textual.widgets import DataTable, Select, Static

from outreach.services.targets import SetTarget, list_targets, set_target
from outreach.store.store import Store
from outreach.tui.app import create_app
from outreach.tui.dialogs.target_form import TargetForm
from outreach.tui.screens.dashboard import DashboardScreen
from outreach.tui.screens.targets import TargetsScreen
from tests.support.tui_helpers import FROZEN, SIZE, type_text, wait_for
from tests.support.tui_store import TODAY

HEP_C = "bbv-hepatitis-c"


async def _targets_of(pilot: Any, title: str) -> list[tuple[str, ...]]:
    """The targets screen's rows once it shows the programme ``title``."""
    status = pilot.app.screen.query_one("#targets-status", Static)

    def drawn() -> bool:
        text = str(status.render())
        return text.startswith(title) and "loading" not in text

    await wait_for(pilot, drawn)
    table = pilot.app.screen.query_one(DataTable)
    return [tuple(str(c) for c in table.get_row_at(i)) for i in range(table.row_count)]


@pytest.mark.slow
@pytest.mark.asyncio
async def test_a_hepatitis_c_target_is_set_by_keyboard_from_the_targets_screen(
    store: Store,
) -> None:
    with freeze_time(TODAY, **FROZEN):
        app = create_app(store.folder, store=store, idle_minutes=60)
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
            await pilot.press("t")
            await wait_for(pilot, lambda: isinstance(app.screen, TargetsScreen))
            screen = app.screen
            # The fixture store's one target is cervical screening's coverage.
            assert await _targets_of(pilot, "Cervical screening") == [
                ("Site", "Coverage", "90%", "2025-03-31", "64%", "2023-04-01")
            ]
            await pilot.press("n", "n")  # hepatitis B, then hepatitis C
            assert await _targets_of(pilot, "Hepatitis C testing: no targets") == []
            await pilot.press("insert")
            await wait_for(pilot, lambda: isinstance(app.screen, TargetForm))
            form = app.screen
            assert str(form.query_one(".form-title", Static).render()) == (
                "Set a target: Hepatitis C testing"
            )
            measure = form.query_one("#measure", Select)
            assert [str(v) for _, v in measure._options if v is not Select.NULL] == [
                "offered",
                "tested",
                "treated",
            ]
            await pilot.press("enter", "down", "enter")  # tested of receptions
            await pilot.press("tab")
            await type_text(pilot, "97")
            await pilot.press("tab")
            await type_text(pilot, "2026-03-31")
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: app.screen is screen)
            rows = await _targets_of(pilot, "Hepatitis C testing: 1 target")
            await pilot.press("escape")
            await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
            panel = app.screen.query_one("#programme-panel")
            await wait_for(pilot, lambda: panel.border_title == "Hepatitis C testing")
    assert rows == [("Site", "Tested of receptions", "97%", "2026-03-31", "", "")]
    hep_c = list_targets(store, programme=HEP_C)
    assert [(t.measure, t.value, t.target_on, t.unit) for t in hep_c] == [
        ("tested", 97.0, date(2026, 3, 31), None)
    ]
    # Cervical screening's target is untouched.
    assert [(t.measure, t.value) for t in list_targets(store)] == [("coverage", 90.0)]


def test_the_targets_screen_on_hepatitis_c_80x24(snap_compare: Any, store: Store) -> None:
    with freeze_time(TODAY, **FROZEN):
        set_target(
            store,
            SetTarget(
                measure="tested",
                value=97,
                target_on=date(2026, 3, 31),
                baseline=64,
                baseline_on=date(2024, 1, 1),
                programme=HEP_C,
            ),
        )

        async def shown(pilot: Any) -> None:
            await wait_for(pilot, lambda: isinstance(pilot.app.screen, DashboardScreen))
            await pilot.press("t")
            await wait_for(pilot, lambda: isinstance(pilot.app.screen, TargetsScreen))
            await pilot.press("n", "n")
            await _targets_of(pilot, "Hepatitis C testing: 1 target")
            await pilot.pause(0.2)

        app = create_app(store.folder, store=store, idle_minutes=60)
        assert snap_compare(app, terminal_size=(80, 24), run_before=shown)
