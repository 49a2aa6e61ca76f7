"""Logging a conversation from the dashboard, in few keys, with checks as you type."""

from __future__ import annotations

from pathlib import Path

import pytest
from freezegun import freeze_time
from textual.widgets import Input, Static

from outreach.store.store import Store
from outreach.tui.app import create_app
from outreach.tui.dialogs.conversation_form import ConversationForm
from outreach.tui.screens.dashboard import DashboardScreen
from tests.support.tui_helpers import FROZEN, SIZE, type_text, wait_for, wait_for_answer
from tests.support.tui_store import TODAY, copy_built


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory, tui_template: Path) -> Path:
    return copy_built(tui_template, tmp_path_factory.mktemp("tui-conversation") / "store")


class KeyCounter:
    """Counts the keys a test presses."""

    def __init__(self, pilot) -> None:  # type: ignore[no-untyped-def]
        self.pilot = pilot
        self.count = 0

    async def press(self, *keys: str) -> None:
        self.count += len(keys)
        await self.pilot.press(*keys)


@pytest.mark.slow
@pytest.mark.asyncio
async def test_a_one_to_one_conversation_takes_at_most_15_keys(store: Store) -> None:
    from outreach.services.profile import person_profile

    with freeze_time(TODAY, **FROZEN):
        app = create_app(store.folder, store=store)
        app.last_mentor = "Maya Lee"
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
            keys = KeyCounter(pilot)
            await keys.press("c")
            await wait_for(pilot, lambda: isinstance(app.screen, ConversationForm))
            await keys.press("e", "l", "l")  # Ella Fox
            form = app.screen
            await wait_for_answer(pilot, form.query_one("#person"), "ell")
            await keys.press("enter")
            await keys.press("ctrl+s")
            await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
            assert keys.count == 6
            assert keys.count <= 15
        timeline = person_profile(store, "B2002", as_of=TODAY).timeline
        assert [(t.on, t.kind, t.summary) for t in timeline if t.kind == "conversation"] == [
            (
                TODAY,
                "conversation",
                # Minutes left empty are not recorded; setting and outcome by their labels.
                "one-to-one with Maya Lee (on the wing); outcome: undecided, wants more time",
            )
        ]


@pytest.mark.slow
@pytest.mark.asyncio
async def test_a_saved_conversation_shows_its_follow_up(store: Store) -> None:
    with freeze_time(TODAY, **FROZEN):
        app = create_app(store.folder, store=store)
        app.last_mentor = "Nora Quinn"
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
            await pilot.press("c")
            await wait_for(pilot, lambda: isinstance(app.screen, ConversationForm))
            form = app.screen
            await type_text(pilot, "A1001")
            await wait_for_answer(pilot, form.query_one("#person"), "A1001")
            await pilot.press("enter")
            next_step = form.query_one("#next_step_on", Input)
            next_step.value = "2024-06-21"
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
            messages = [n.message for n in app._notifications]
            # Her next step due on 10 June (fixture store) is met by this conversation.
            assert messages == [
                "Conversation logged for A1001. 1 follow-up completed. Follow-up on 21 Jun 2024."
            ]


@pytest.mark.slow
@pytest.mark.asyncio
async def test_a_date_in_the_future_is_marked_as_you_type(store: Store) -> None:
    with freeze_time(TODAY, **FROZEN):
        app = create_app(store.folder, store=store)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("c")
            await wait_for(pilot, lambda: isinstance(app.screen, ConversationForm))
            form = app.screen
            form.query_one("#occurred_on", Input).value = "2024-06-15"
            await pilot.pause()
            assert str(form.query_one("#err-occurred_on", Static).render()) == "is in the future"


@pytest.mark.slow
@pytest.mark.asyncio
async def test_a_refused_save_keeps_everything_typed(store: Store) -> None:
    with freeze_time(TODAY, **FROZEN):
        app = create_app(store.folder, store=store)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("c")
            await wait_for(pilot, lambda: isinstance(app.screen, ConversationForm))
            form = app.screen
            form.query_one("#mentor", Input).value = "Maya Lee"
            form.query_one("#minutes", Input).value = "25"
            form.query_one("#note", Input).value = "asked about the clinic"
            await pilot.press("ctrl+s")  # no person picked
            await pilot.pause()
            assert isinstance(app.screen, ConversationForm)
            assert str(form.query_one("#err-person_ref", Static).render()).startswith("type a few")
            assert form.query_one("#minutes", Input).value == "25"
            assert form.query_one("#note", Input).value == "asked about the clinic"
