"""The conversation form shows the service's refusals beside the field they concern: an
on-site conversation outside every stay, and a next step for someone marked do not approach.
Nothing typed is lost and nothing is written."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from freezegun import freeze_time
from textual.widgets import Input, Static

from outreach.store.store import Store
from outreach.tui.app import create_app
from outreach.tui.dialogs.conversation_form import ConversationForm
from outreach.tui.screens.dashboard import DashboardScreen
from outreach.tui.widgets.person_picker import ChooseAnywayDialog, PersonChoice, PersonPicker
from tests.support.store_helpers import table_counts
from tests.support.stores import PASSPHRASE
from tests.support.tui_helpers import FROZEN, SIZE, wait_for
from tests.support.tui_store import TODAY, copy_built


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory, tui_template: Path) -> Path:
    from outreach.services.decisions import RecordDecision, record_decision

    path = copy_built(tui_template, tmp_path_factory.mktemp("tui-conversation-rules") / "store")
    with freeze_time(TODAY), Store.unlock(path, user="ana", passphrase=PASSPHRASE) as store:
        record_decision(
            store,
            RecordDecision(person_ref="B2003", kind="do_not_approach", decided_on=date(2024, 6, 1)),
        )
    return path


async def _refused(
    store: Store, ref: str, values: dict[str, str], field: str, *, confirm: bool = False
) -> str:
    """Open the form for ``ref``, fill ``values`` in, save, and return the line shown under
    ``field`` once the save is refused (checking the form kept everything typed)."""
    before = _records(store)
    with freeze_time(TODAY, **FROZEN):
        app = create_app(store.folder, store=store)
        app.last_mentor = "Maya Lee"
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
            app.call_later(app.push_screen, ConversationForm(PersonChoice(ref, ref)))
            await wait_for(pilot, lambda: isinstance(app.screen, ConversationForm))
            form = app.screen
            for widget_id, value in values.items():
                form.query_one(f"#{widget_id}", Input).value = value
            picker = form.query_one(PersonPicker)
            # Where the person stands is read in the background; wait for it.
            await wait_for(pilot, lambda: picker.choice is not None and picker.choice.match)
            await pilot.press("ctrl+s")
            if confirm:
                # The picker asks a second time for someone marked do not approach.
                await wait_for(pilot, lambda: isinstance(app.screen, ChooseAnywayDialog))
                await pilot.press("y")
            status = form.query_one("#form-status", Static)
            await wait_for(pilot, lambda: str(status.render()).startswith("Not saved"))
            assert isinstance(app.screen, ConversationForm)
            assert str(status.render()) == "Not saved: correct the field marked below."
            for widget_id, value in values.items():
                assert form.query_one(f"#{widget_id}", Input).value == value
            shown = str(form.query_one(f"#err-{field}", Static).render())
    assert _records(store) == before
    return shown


def _records(store: Store) -> dict[str, int]:
    """Rows per table, leaving out the month figures the dashboard keeps: derived data it
    saves when it first counts them (the application opens on the dashboard)."""
    counts = table_counts(store)
    counts.pop("month_coverage")
    counts.pop("month_activity")
    return counts


@pytest.mark.slow
@pytest.mark.asyncio
async def test_an_on_the_wing_conversation_before_arrival_is_refused_beside_where(
    store: Store,
) -> None:
    # Everyone in the fixture store arrived on 2023-01-10; "Where" starts on the wing.
    shown = await _refused(store, "A1001", {"occurred_on": "2023-01-09"}, "setting")
    assert shown == (
        "A1001 was not resident on 2023-01-09 (no stay covers it): 'On the wing' is on site; "
        "correct the date, the person or the setting"
    )


@pytest.mark.slow
@pytest.mark.asyncio
async def test_a_next_step_for_someone_marked_do_not_approach_is_refused_beside_it(
    store: Store,
) -> None:
    shown = await _refused(
        store, "B2003", {"next_step_on": "2024-06-28"}, "next_step_on", confirm=True
    )
    assert shown == (
        "B2003 is marked do not approach: a next step cannot be set "
        "(record 'approach again' first if the person has changed their mind)"
    )


@pytest.mark.slow
@pytest.mark.asyncio
async def test_a_saved_conversation_says_which_follow_ups_it_completed(store: Store) -> None:
    from outreach.services.followups import due_followups

    # B2001's next step is due today (fixture store): talking with her today meets it.
    assert [r.person_ref for r in due_followups(store, as_of=TODAY)] == ["A1001", "B2001"]
    with freeze_time(TODAY, **FROZEN):
        app = create_app(store.folder, store=store)
        app.last_mentor = "Nora Quinn"
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
            app.call_later(app.push_screen, ConversationForm(PersonChoice("B2001", "B2001")))
            await wait_for(pilot, lambda: isinstance(app.screen, ConversationForm))
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
            messages = [n.message for n in app._notifications]
    assert messages == ["Conversation logged for B2001. 1 follow-up completed."]
    assert [r.person_ref for r in due_followups(store, as_of=TODAY)] == ["A1001"]


@pytest.mark.slow
@pytest.mark.asyncio
async def test_minutes_outside_the_limits_are_marked_as_you_type(store: Store) -> None:
    with freeze_time(TODAY, **FROZEN):
        app = create_app(store.folder, store=store)
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
            await pilot.press("c")
            await wait_for(pilot, lambda: isinstance(app.screen, ConversationForm))
            form = app.screen
            shown = []
            for typed in ("600", "480", "0"):
                form.query_one("#minutes", Input).value = typed
                await pilot.pause()
                shown.append(str(form.query_one("#err-minutes", Static).render()))
    assert shown == ["600 is not between 1 and 480 (0 or empty: not recorded)", "", ""]
