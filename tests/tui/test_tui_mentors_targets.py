"""Mentors and targets from the application: add a mentor, set one inactive, set a target."""

from __future__ import annotations

from datetime import date

import pytest
from freezegun import freeze_time
from textual.widgets import DataTable, Input, Select, Static

from outreach.services.mentors import list_mentors
from outreach.services.targets import list_targets
from outreach.store.store import Store
from outreach.tui.app import create_app
from outreach.tui.dialogs.account_dialogs import ConfirmDialog
from outreach.tui.dialogs.mentor_form import MentorForm
from outreach.tui.dialogs.target_form import TargetForm, parse_percent
from outreach.tui.screens.dashboard import DashboardScreen
from outreach.tui.screens.mentors import MentorsScreen
from outreach.tui.screens.targets import TargetsScreen
from tests.support.tui_helpers import FROZEN, SIZE, type_text, wait_for
from tests.support.tui_store import TODAY


def _error(screen: object, field: str) -> str:
    return str(screen.query_one(f"#err-{field}", Static).render())  # type: ignore[attr-defined]


def test_a_percentage_may_end_in_a_percent_sign() -> None:
    assert parse_percent(" 92.5% ") == (92.5, "")
    assert parse_percent("") == (None, "")
    assert parse_percent("abc") == (None, "a percentage, such as 90 or 92.5")
    assert parse_percent("101") == (None, "a percentage from 0 to 100")


@pytest.mark.slow
@pytest.mark.asyncio
async def test_adding_a_mentor_from_the_mentors_screen(store: Store) -> None:
    with freeze_time(TODAY, **FROZEN):
        app = create_app(store.folder, store=store, idle_minutes=60)
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
            await pilot.press("m")
            await wait_for(pilot, lambda: isinstance(app.screen, MentorsScreen))
            screen = app.screen
            table = screen.query_one(DataTable)
            await wait_for(pilot, lambda: table.row_count == 2)
            await pilot.press("insert")
            await wait_for(pilot, lambda: isinstance(app.screen, MentorForm))
            await type_text(pilot, "Rosa Diaz")
            app.screen.query_one("#trained_on", Input).value = "2024-05-20"
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: app.screen is screen and table.row_count == 3)
    rows = {m.name: m for m in list_mentors(store, as_of=TODAY)}
    assert rows["Rosa Diaz"].trained_on == date(2024, 5, 20)
    assert rows["Rosa Diaz"].active_from == TODAY
    assert rows["Rosa Diaz"].active


@pytest.mark.asyncio
async def test_a_mentor_form_with_a_taken_name_keeps_what_was_typed(store: Store) -> None:
    with freeze_time(TODAY, **FROZEN):
        app = create_app(store.folder, store=store, idle_minutes=60)
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
            await pilot.press("m")
            await wait_for(pilot, lambda: isinstance(app.screen, MentorsScreen))
            await pilot.press("insert")
            await wait_for(pilot, lambda: isinstance(app.screen, MentorForm))
            form = app.screen
            form.query_one("#name", Input).value = "maya lee"
            form.query_one("#trained_on", Input).value = "2024-01-02"
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: _error(form, "name") != "")
            assert app.screen is form
            assert _error(form, "name") == "a mentor named 'maya lee' already exists"
            assert form.query_one("#trained_on", Input).value == "2024-01-02"
    assert len(list_mentors(store, as_of=TODAY)) == 2


@pytest.mark.asyncio
async def test_a_future_training_date_is_shown_beside_the_field(store: Store) -> None:
    with freeze_time(TODAY, **FROZEN):
        app = create_app(store.folder, store=store, idle_minutes=60)
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
            await pilot.press("m")
            await wait_for(pilot, lambda: isinstance(app.screen, MentorsScreen))
            await pilot.press("insert")
            await wait_for(pilot, lambda: isinstance(app.screen, MentorForm))
            form = app.screen
            form.query_one("#name", Input).value = "Rosa Diaz"
            form.query_one("#trained_on", Input).value = "2024-07-01"
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert _error(form, "trained_on") == "is in the future"
            assert app.screen is form
    assert len(list_mentors(store, as_of=TODAY)) == 2


@pytest.mark.asyncio
async def test_setting_a_mentor_inactive_ends_their_period_today(store: Store) -> None:
    with freeze_time(TODAY, **FROZEN):
        app = create_app(store.folder, store=store, idle_minutes=60)
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
            await pilot.press("m")
            await wait_for(pilot, lambda: isinstance(app.screen, MentorsScreen))
            screen = app.screen
            table = screen.query_one(DataTable)
            await wait_for(pilot, lambda: table.row_count == 2)
            assert screen.rows[0].name == "Maya Lee"
            await pilot.press("i")
            await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
            await pilot.press("y")
            await wait_for(pilot, lambda: str(table.get_row_at(0)[4]) == "2024-06-14")
    with freeze_time(TODAY):
        maya = next(m for m in list_mentors(store, as_of=TODAY) if m.name == "Maya Lee")
    assert maya.active_to == TODAY
    assert not next(
        m for m in list_mentors(store, as_of=date(2024, 6, 15)) if m.name == "Maya Lee"
    ).active


@pytest.mark.slow
@pytest.mark.asyncio
async def test_setting_a_unit_target_from_the_targets_screen(store: Store) -> None:
    with freeze_time(TODAY, **FROZEN):
        app = create_app(store.folder, store=store, idle_minutes=60)
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
            await pilot.press("t")
            await wait_for(pilot, lambda: isinstance(app.screen, TargetsScreen))
            screen = app.screen
            table = screen.query_one(DataTable)
            await wait_for(pilot, lambda: table.row_count == 1)
            await pilot.press("insert")
            await wait_for(pilot, lambda: isinstance(app.screen, TargetForm))
            form = app.screen
            for field, value in {
                "value": "95",
                "target_on": "2025-12-31",
                "baseline": "50%",
                "baseline_on": "2024-04-01",
                "unit": "Wing A",
            }.items():
                form.query_one(f"#{field}", Input).value = value
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: app.screen is screen and table.row_count == 2)
    wing = next(t for t in list_targets(store) if t.unit == "Wing A")
    assert (wing.measure, wing.value, wing.target_on) == ("coverage", 95.0, date(2025, 12, 31))
    assert (wing.baseline, wing.baseline_on) == (50.0, date(2024, 4, 1))


@pytest.mark.asyncio
async def test_an_unknown_unit_is_shown_beside_the_field_and_nothing_typed_is_lost(
    store: Store,
) -> None:
    with freeze_time(TODAY, **FROZEN):
        app = create_app(store.folder, store=store, idle_minutes=60)
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
            await pilot.press("t")
            await wait_for(pilot, lambda: isinstance(app.screen, TargetsScreen))
            await pilot.press("insert")
            await wait_for(pilot, lambda: isinstance(app.screen, TargetForm))
            form = app.screen
            form.query_one("#value", Input).value = "95"
            form.query_one("#target_on", Input).value = "2025-12-31"
            form.query_one("#unit", Input).value = "Wing Z"
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: _error(form, "unit") != "")
            assert _error(form, "unit") == "there is no unit named 'Wing Z'"
            assert form.query_one("#value", Input).value == "95"
            assert app.screen is form
    assert len(list_targets(store)) == 1


@pytest.mark.asyncio
async def test_a_baseline_without_its_date_is_refused_before_saving(store: Store) -> None:
    with freeze_time(TODAY, **FROZEN):
        app = create_app(store.folder, store=store, idle_minutes=60)
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
            await pilot.press("t")
            await wait_for(pilot, lambda: isinstance(app.screen, TargetsScreen))
            await pilot.press("insert")
            await wait_for(pilot, lambda: isinstance(app.screen, TargetForm))
            form = app.screen
            form.query_one("#measure", Select).value = "uptake"
            form.query_one("#value", Input).value = "80"
            form.query_one("#target_on", Input).value = "2025-12-31"
            form.query_one("#baseline", Input).value = "60"
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert _error(form, "baseline_on") == "give the baseline and its date together"
            assert app.screen is form
    assert [t.measure for t in list_targets(store)] == ["coverage"]
