"""Names and units are shown as typed, never read as markup or passed raw to the terminal:
a unit named ``Wing [/] X`` used to crash the application right after unlock, and a name
holding an escape sequence reached the terminal."""

from __future__ import annotations

import html
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from textual.content import Content
from textual.widgets import DataTable, Static

from outreach.clock import now, today
from outreach.model import Person, Stay, Unit
from outreach.store.store import Store
from outreach.tui.app import create_app
from outreach.tui.screens.dashboard import DashboardScreen
from outreach.tui.screens.people import PeopleScreen
from outreach.tui.screens.person import PersonScreen
from outreach.tui.text import markup, row, shown
from outreach.tui.widgets.unit_coverage import UnitCoverage
from tests.support.stores import new_store
from tests.support.tui_helpers import SIZE, type_text, wait_for

UNIT = "Wing [/] X"
NAME = "[b]Ann[/b] \x1b]0;PWNED\x07\x1b[2JLee"
SHOWN = "[b]Ann[/b] \\u001b]0;PWNED\\u0007\\u001b[2JLee"


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    """Written as a store from before the boundary refused such text would hold it."""
    opened = new_store(tmp_path / "s", site="HMP [/]")
    with opened.write() as session:
        unit = Unit(name=UNIT)
        session.add(unit)
        session.flush()
        person = Person(
            ref="H1",
            display_name=NAME,
            date_of_birth=date(1990, 1, 1),
            has_cervix="yes",
            created_at=now(),
        )
        session.add(person)
        session.flush()
        assert person.id is not None
        session.add(Stay(person_id=person.id, unit_id=unit.id, arrived_on=date(2024, 1, 2)))
    yield opened
    opened.close()


def test_the_helpers_keep_brackets_and_write_out_controls() -> None:
    assert shown(NAME).plain == SHOWN
    assert [str(cell) for cell in row(UNIT, 3)] == [UNIT, "3"]
    assert markup("[b]$name[/b] in $unit", name=NAME, unit=UNIT).plain == f"{SHOWN} in {UNIT}"


def _plain(widget: Static) -> str:
    content = widget.visual
    assert isinstance(content, Content)
    return content.plain


@pytest.mark.asyncio
async def test_dashboard_people_and_person_show_the_text_as_stored(store: Store) -> None:
    app = create_app(store.folder, store=store)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
        units = app.screen.query_one(UnitCoverage)
        await wait_for(pilot, lambda: len(units.shown_units) == 1)
        assert units.shown_units[0].name == UNIT
        await wait_for(pilot, lambda: app.screen._shown_once)
        assert UNIT in html.unescape(app.export_screenshot()).replace("\xa0", " ")
        await pilot.press("p")
        await wait_for(pilot, lambda: isinstance(app.screen, PeopleScreen))
        people = app.screen.query_one("#people", DataTable)
        await wait_for(pilot, lambda: people.row_count == 1)
        assert [str(c) for c in people.get_row_at(0)[:3]] == ["H1", SHOWN, UNIT]
        await type_text(pilot, "H1")
        await pilot.press("enter", "enter")
        await wait_for(pilot, lambda: isinstance(app.screen, PersonScreen))
        status = app.screen.query_one("#person-status", Static)
        await wait_for(pilot, lambda: "Status" in _plain(status))
        age = today().year - 1990  # born on 1 January
        assert _plain(status).splitlines()[0] == f"{SHOWN}  H1  ·  age {age}  ·  {UNIT}"
        screen = app.export_screenshot()
        assert "\x1b" not in screen and "\x07" not in screen
