"""Searching people, recording a result that creates a follow-up, completing a follow-up."""

from __future__ import annotations

import pytest
from freezegun import freeze_time
from textual.widgets import DataTable, Select

from outreach.store.store import Store
from outreach.tui.app import create_app
from outreach.tui.dialogs.screening_form import ScreeningForm
from outreach.tui.screens.dashboard import DashboardScreen
from outreach.tui.screens.followups import FollowUpsScreen
from outreach.tui.screens.people import PeopleScreen
from outreach.tui.screens.person import PersonScreen
from tests.support.tui_helpers import FROZEN, SIZE, type_text, wait_for, wait_for_answer
from tests.support.tui_store import TODAY


def _column(table: DataTable, index: int) -> list[str]:
    return [str(table.get_row_at(row)[index]) for row in range(table.row_count)]


@pytest.mark.asyncio
async def test_typing_in_people_narrows_the_list_and_enter_opens_the_person(store: Store) -> None:
    with freeze_time(TODAY, **FROZEN):
        app = create_app(store.folder, store=store)
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
            await pilot.press("p")
            await wait_for(pilot, lambda: isinstance(app.screen, PeopleScreen))
            table = app.screen.query_one("#people", DataTable)
            await wait_for(pilot, lambda: table.row_count == 6)
            await type_text(pilot, "B20")
            await wait_for(pilot, lambda: table.row_count == 3)
            assert _column(table, 0) == ["B2001", "B2002", "B2003"]
            await pilot.press("enter", "down", "enter")
            await wait_for(pilot, lambda: isinstance(app.screen, PersonScreen))
            assert app.screen.ref == "B2002"


@pytest.mark.asyncio
async def test_the_never_screened_filter_lists_only_them(store: Store) -> None:
    with freeze_time(TODAY, **FROZEN):
        app = create_app(store.folder, store=store)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("p")
            await wait_for(pilot, lambda: isinstance(app.screen, PeopleScreen))
            table = app.screen.query_one("#people", DataTable)
            await wait_for(pilot, lambda: table.row_count == 6)
            app.screen.query_one("#people-filter", Select).value = "never_screened"
            # Fay Green (B2003) is 24, not yet eligible, so not "never screened".
            await wait_for(pilot, lambda: table.row_count == 2)
            assert _column(table, 0) == ["A1001", "B2001"]


@pytest.mark.asyncio
async def test_a_result_needing_a_repeat_creates_a_follow_up_and_says_so(store: Store) -> None:
    with freeze_time(TODAY, **FROZEN):
        app = create_app(store.folder, store=store)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("s")
            await wait_for(pilot, lambda: isinstance(app.screen, ScreeningForm))
            form = app.screen
            await type_text(pilot, "A1001")
            await wait_for_answer(pilot, form.query_one("#person"), "A1001")
            await pilot.press("enter")
            form.query_one("#hpv", Select).value = "positive"
            form.query_one("#cytology", Select).value = "normal"
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
            messages = [n.message for n in app._notifications]
            assert messages == [
                "Test recorded for A1001. Next: repeat 12 months. "
                "Follow-up created: repeat test by 14 Jun 2025."
            ]


@pytest.mark.slow
@pytest.mark.asyncio
async def test_a_test_meeting_a_repeat_test_follow_up_says_one_completed(store: Store) -> None:
    # A1003's repeat test has been open since the fixture's earlier result.
    with freeze_time(TODAY, **FROZEN):
        app = create_app(store.folder, store=store)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("s")
            await wait_for(pilot, lambda: isinstance(app.screen, ScreeningForm))
            form = app.screen
            await type_text(pilot, "A1003")
            await wait_for_answer(pilot, form.query_one("#person"), "A1003")
            await pilot.press("enter")
            form.query_one("#hpv", Select).value = "negative"
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
            messages = [n.message for n in app._notifications]
            assert messages == [
                "Test recorded for A1003. Next: routine recall. 1 follow-up completed."
            ]


@pytest.mark.asyncio
async def test_space_completes_the_most_overdue_follow_up_and_says_so(store: Store) -> None:
    from outreach.services.followups import due_followups

    with freeze_time(TODAY, **FROZEN):
        app = create_app(store.folder, store=store)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("w")
            await wait_for(pilot, lambda: isinstance(app.screen, FollowUpsScreen))
            table = app.screen.query_one("#followups", DataTable)
            await wait_for(pilot, lambda: table.row_count == 2)
            # A1001's next step was due 10 June (4 days late), B2001's is due today.
            assert _column(table, 2) == ["A1001", "B2001"]
            assert _column(table, 1) == ["4", ""]
            await pilot.press("space")
            await wait_for(pilot, lambda: table.row_count == 1)
            assert _column(table, 2) == ["B2001"]
            assert [n.message for n in app._notifications] == [
                "Follow-up for A1001 marked done. z undoes it."
            ]
        assert [row.person_ref for row in due_followups(store, as_of=TODAY)] == ["B2001"]


@pytest.mark.asyncio
async def test_plus_moves_a_follow_up_a_week_on_and_says_so(store: Store) -> None:
    from outreach.services.followups import due_followups

    with freeze_time(TODAY, **FROZEN):
        app = create_app(store.folder, store=store)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("w")
            await wait_for(pilot, lambda: isinstance(app.screen, FollowUpsScreen))
            table = app.screen.query_one("#followups", DataTable)
            await wait_for(pilot, lambda: table.row_count == 2)
            await pilot.press("plus")
            await wait_for(pilot, lambda: table.row_count == 1)
            assert [n.message for n in app._notifications] == [
                "Follow-up for A1001 moved to 21 Jun 2024. z undoes it."
            ]
        later = due_followups(store, as_of=TODAY, include_upcoming_days=7)
        assert [(row.person_ref, row.due_on.isoformat()) for row in later] == [
            ("B2001", "2024-06-14"),
            ("A1001", "2024-06-21"),
        ]
