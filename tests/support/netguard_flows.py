"""Flows run under ``tests/support/netguard.py``: the application driven headless, screen by
screen."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

from outreach.store.store import Store
from outreach.tui.app import create_app
from tests.support.tui_helpers import SIZE, type_text, wait_for, wait_for_answer


async def tui_tour() -> None:
    """Unlock, visit every screen, log a conversation, export, lock: the day's work."""
    from outreach.services.mentors import AddMentor, add_mentor
    from outreach.services.people import AddPerson, add_person
    from outreach.tui.dialogs.conversation_form import ConversationForm
    from outreach.tui.screens.dashboard import DashboardScreen

    folder = Path(os.environ["OUTREACH_STORE"])
    secret = os.environ["OUTREACH_PASSPHRASE"]
    store, _ = Store.init(folder, site_name="HMP Net", admin="ana", passphrase=secret)
    add_person(
        store,
        AddPerson(
            ref="A1001AA",
            display_name="Mary Quinn",
            date_of_birth=date(1990, 5, 1),
            has_cervix="yes",
            unit="A wing",
            arrived_on=date(2024, 1, 8),
        ),
    )
    add_mentor(
        store, AddMentor(name="Jo", trained_on=date(2023, 1, 1), active_from=date(2023, 1, 1))
    )
    store.close()
    app = create_app(folder, user="ana")
    async with app.run_test(size=SIZE) as pilot:
        await type_text(pilot, secret)
        await pilot.press("enter")
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
        # Function keys: letters would be typed into a screen's search or form fields.
        for key in ("f3", "f4", "f7", "f8", "f11", "f9"):
            await pilot.press(key)
            await pilot.pause(0.3)
            await pilot.press("escape")
            await pilot.pause(0.1)
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
        await pilot.press("c")
        await wait_for(pilot, lambda: isinstance(app.screen, ConversationForm))
        form = app.screen
        await type_text(pilot, "A10")
        await wait_for_answer(pilot, form.query_one("#person"), "A10")
        await pilot.press("enter", "ctrl+s")
        await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
        await pilot.press("ctrl+l")
        await pilot.pause(0.3)
    # The tour really worked: the conversation typed above is in the store.
    from outreach.services.people import person_profile

    with Store.unlock(folder, user="ana", passphrase=secret) as reopened:
        kinds = [item.kind for item in person_profile(reopened, "A1001AA").timeline]
    assert "conversation" in kinds, kinds
