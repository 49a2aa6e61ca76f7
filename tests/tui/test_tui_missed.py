"""Who is being missed, from the application: one key from anywhere, the groups below the
site's rate biggest gap first, and the person screen naming the fields recorded."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from freezegun import freeze_time
from textual.widgets import DataTable, Select, Static

from outreach.services.people import UpdatePerson, update_person
from outreach.services.profile import person_profile
from outreach.store.store import Store
from outreach.tui.app import create_app
from outreach.tui.dialogs.equity_form import EquityForm
from outreach.tui.screens.dashboard import DashboardScreen
from outreach.tui.screens.missed import EMPTY, MissedScreen
from outreach.tui.screens.person import PersonScreen, status_text
from tests.support.equity_cohort import build
from tests.support.stores import fresh_store
from tests.support.tui_helpers import FROZEN, SIZE, wait_for

TODAY = date(2026, 1, 15)


@pytest.fixture
def cohort(tmp_path: Path) -> Iterator[Store]:
    with freeze_time(TODAY, **FROZEN), fresh_store(tmp_path / "store") as opened:
        build(opened)
        yield opened


@pytest.mark.asyncio
async def test_h_lists_the_groups_below_the_site_biggest_gap_first(cohort: Store) -> None:
    with freeze_time(TODAY, **FROZEN):
        update_person(cohort, UpdatePerson(person_ref="P3", interpreter="yes"))
        app = create_app(cohort.folder, store=cohort, idle_minutes=60)
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
            await pilot.press("h")
            await wait_for(pilot, lambda: isinstance(app.screen, MissedScreen))
            table = app.screen.query_one(DataTable)
            await wait_for(pilot, lambda: table.row_count > 0)
            rows = [tuple(str(c) for c in table.get_row_at(i)) for i in range(table.row_count)]
            await pilot.press("escape")
            await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
    # Coverage on 15 January 2026 is 5 of 10 (50%). P3 (White British, untested) is the one
    # person who needs an interpreter: 0 of 1, 50 points below; not stated ethnic group 1/3.
    assert rows == [
        ("-50.0", "Coverage", "Interpreter needed", "Yes", "0/1", "0% vs 50%"),
        ("-16.7", "Coverage", "Ethnic group", "Not stated", "1/3", "33% vs 50%"),
    ]


@pytest.mark.asyncio
async def test_with_nothing_recorded_the_screen_says_what_to_record(tmp_path: Path) -> None:
    with freeze_time(TODAY, **FROZEN), fresh_store(tmp_path / "empty") as store:
        app = create_app(store.folder, store=store, idle_minutes=60)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("h")
            await wait_for(pilot, lambda: isinstance(app.screen, MissedScreen))
            status = app.screen.query_one("#missed-status", Static)
            await wait_for(pilot, lambda: str(status.render()) != "Loading…")
            assert str(status.render()).replace("\n", " ").startswith(EMPTY[:40])


def test_the_person_screen_names_the_fields_recorded(cohort: Store) -> None:
    with freeze_time(TODAY, **FROZEN):
        update_person(cohort, UpdatePerson(person_ref="P1", first_language="BSL"))
        shown = status_text(person_profile(cohort, "P1")).plain
        assert shown.splitlines()[-1] == (
            "Equity: ethnic group: English, Welsh, Scottish, Northern Irish or British · "
            "first language: British Sign Language"
        )
        # P6: every field not stated, so no line at all.
        assert "Equity" not in status_text(person_profile(cohort, "P6")).plain


@pytest.mark.asyncio
async def test_e_on_the_person_screen_records_the_fields_from_choices(cohort: Store) -> None:
    with freeze_time(TODAY, **FROZEN):
        app = create_app(cohort.folder, store=cohort, idle_minutes=60)
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
            person = PersonScreen("P3")
            app.push_screen(person)
            await wait_for(pilot, lambda: person.profile is not None)
            await pilot.press("e")
            await wait_for(pilot, lambda: isinstance(app.screen, EquityForm))
            form = app.screen
            # What is recorded is chosen to begin with: White British, the rest not stated.
            assert form.query_one("#ethnicity", Select).value == "white_british"
            assert form.query_one("#interpreter", Select).value == "not_stated"
            form.query_one("#ethnicity", Select).value = "declined"
            form.query_one("#first_language", Select).value = "pl"
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: app.screen is person)
            status = person.query_one("#person-status", Static)
            await wait_for(pilot, lambda: "Polish" in str(status.render()))
        assert person_profile(cohort, "P3").equity == {
            "ethnicity": "declined",
            "disability": "not_stated",
            "learning_disability": "not_stated",
            "first_language": "pl",
            "interpreter": "not_stated",
        }
