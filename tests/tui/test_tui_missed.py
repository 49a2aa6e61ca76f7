"""Who is being missed, from the application: one key from anywhere, the groups below the
site's rate biggest gap first, and the person screen naming the fields recorded."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from freezegun import freeze_time
from textual.widgets import DataTable, Select, Static

from outreach.model import Person
from outreach.services.people import UpdatePerson, update_person
from outreach.services.profile import person_profile
from outreach.store.store import Store
from outreach.tui.app import create_app
from outreach.tui.dialogs.equity_form import EquityForm
from outreach.tui.screens.dashboard import DashboardScreen
from outreach.tui.screens.missed import EMPTY, SMALL_HEADING, MissedScreen
from outreach.tui.screens.person import PersonScreen, status_text
from tests.support.cohort import Cohort
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
    # Both groups are smaller than 8: listed under the heading of those too small to publish.
    assert rows == [
        SMALL_HEADING,
        ("-50.0", "Coverage", "Interpreter needed: Yes", "0/1", "0%", "50%"),
        ("-16.7", "Coverage", "Ethnic group: Not stated", "1/3", "33%", "50%"),
    ]


@pytest.mark.slow
@pytest.mark.asyncio
async def test_with_nothing_recorded_the_screen_says_what_to_record(tmp_path: Path) -> None:
    with freeze_time(TODAY, **FROZEN), fresh_store(tmp_path / "empty") as store:
        app = create_app(store.folder, store=store, idle_minutes=60)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("h")
            await wait_for(pilot, lambda: isinstance(app.screen, MissedScreen))
            status = app.screen.query_one("#missed-status", Static)
            await wait_for(pilot, lambda: "loading" not in str(status.render()).casefold())
            shown = str(status.render()).replace("\n", " ")
            assert shown.startswith(f"Cervical screening: {EMPTY[:40]}")


def _hepatitis_c_receptions(store: Store) -> None:
    """Four receptions in January 2026: the first two need an interpreter, the others not."""
    hep_c = "bbv-hepatitis-c"
    with store.write() as session:
        c = Cohort(session)
        c.count = 100  # after the equity cohort's P1 to P12: these are P101 to P104

        def received(arrived: date, interpreter: str, *steps: tuple[date, str, str | None]) -> None:
            person_id = c.person(date(1990, 5, 5), stays=[(arrived, None, "B")])
            row = session.get(Person, person_id)
            assert row is not None
            row.interpreter = interpreter
            session.add(row)
            for day, step, result in steps:
                c.event(person_id, day, step, programme=hep_c, result=result)

        received(
            date(2026, 1, 2),
            "yes",
            (date(2026, 1, 3), "offered", None),
            (date(2026, 1, 4), "antibody_test", "negative"),
        )
        received(date(2026, 1, 2), "yes")  # never offered
        received(
            date(2026, 1, 5),
            "no",
            (date(2026, 1, 5), "offered", None),
            (date(2026, 1, 6), "antibody_test", "negative"),
        )
        received(
            date(2026, 1, 5),
            "no",
            (date(2026, 1, 6), "offered", None),
            (date(2026, 1, 7), "antibody_test", "positive"),
        )


async def _missed_rows(pilot: Any, title: str) -> list[tuple[str, ...]]:
    """The rows "Who is being missed" lists once it has drawn the programme ``title``."""
    status = pilot.app.screen.query_one("#missed-status", Static)

    def drawn() -> bool:
        text = str(status.render())
        return text.startswith(title) and "loading" not in text.casefold()

    await wait_for(pilot, drawn)
    table = pilot.app.screen.query_one(DataTable)
    return [tuple(str(c) for c in table.get_row_at(i)) for i in range(table.row_count)]


@pytest.mark.slow
@pytest.mark.asyncio
async def test_h_follows_the_dashboards_programme_and_n_moves_both_on(cohort: Store) -> None:
    with freeze_time(TODAY, **FROZEN):
        _hepatitis_c_receptions(cohort)
        app = create_app(cohort.folder, store=cohort, idle_minutes=60)
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
            await pilot.press("n", "n")  # hepatitis B, then hepatitis C
            await pilot.press("h")
            await wait_for(pilot, lambda: isinstance(app.screen, MissedScreen))
            hep_c = await _missed_rows(pilot, "Hepatitis C testing, below")
            await pilot.press("n")  # HIV, here and on the dashboard
            hiv = await _missed_rows(pilot, "HIV testing")
            await pilot.press("escape")
            await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
            panel = app.screen.query_one("#programme-panel")
            await wait_for(pilot, lambda: panel.border_title == "HIV testing")
            assert panel.display
    # 2026 to 15 January: 4 receptions. Offered 3 of 4 (75%): needing an interpreter 1 of 2
    # (50%, -25). Tested (antibody) 3 of 3 offered (100%): 1/1 and 2/2, no gap. Antibody
    # positive 1 of 3 tested (33.3%): needing an interpreter 0 of 1 (-33.3), but that is
    # what the test found, not a gap: not listed. Offered and tested of receptions 3 of 4:
    # needing one 1 of 2 (-25). Nobody talked to: reach 0 everywhere, no gap. Every other
    # field is not stated for all four: the site's own rate, no gap. Groups of 2: too small.
    yes = "Interpreter needed: Yes"
    assert hep_c == [
        SMALL_HEADING,
        ("-25.0", "Offered", yes, "1/2", "50%", "75%"),
        ("-25.0", "Offered of receptions", yes, "1/2", "50%", "75%"),
        ("-25.0", "Tested of receptions", yes, "1/2", "50%", "75%"),
    ]
    # No HIV step recorded: every group at the site's 0%, nobody below it.
    assert hiv == []


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
