"""A conversation about several programmes, logged from the form by keyboard alone: each
programme ticked under "About" gets its own barriers and outcome, stored as
``outreach log conversation --programme ... --outcome KEY=CODE --barrier KEY=CODE`` stores
them (the first ticked is the conversation's own; each further one a row of its own)."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from freezegun import freeze_time
from sqlmodel import select
from textual.widgets import Static

from outreach.model import (
    Conversation,
    ConversationBarrier,
    ConversationProgramme,
    ConversationProgrammeBarrier,
    Decision,
    Person,
)
from outreach.store.store import Store
from outreach.tui.app import create_app
from outreach.tui.dialogs.conversation_form import ConversationForm
from outreach.tui.screens.dashboard import DashboardScreen
from tests.support.tui_helpers import FROZEN, SIZE, wait_for, wait_for_answer
from tests.support.tui_store import TODAY

HEP_C = "bbv-hepatitis-c"


async def _tab_to(pilot: Any, widget_id: str) -> None:
    """Press tab until the widget ``widget_id`` has the focus (as a person would)."""
    for _ in range(40):
        focused = pilot.app.focused
        if focused is not None and focused.id == widget_id:
            return
        await pilot.press("tab")
    raise AssertionError(f"tab never reached #{widget_id}")


async def _open_for_ella(pilot: Any) -> ConversationForm:
    app = pilot.app
    await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
    await pilot.press("c")
    await wait_for(pilot, lambda: isinstance(app.screen, ConversationForm))
    form = app.screen
    await pilot.press("e", "l", "l")  # Ella Fox, B2002
    await wait_for_answer(pilot, form.query_one("#person"), "ell")
    await pilot.press("enter")
    return form


def _stored(store: Store) -> dict[str, object]:
    """Ella Fox's conversations today, with every row they wrote."""
    with store.read() as session:
        person_id = session.exec(select(Person.id).where(Person.ref == "B2002")).one()
        talks = session.exec(
            select(Conversation).where(
                Conversation.person_id == person_id, Conversation.occurred_on == TODAY
            )
        ).all()
        ids = [c.id for c in talks]
        return {
            "conversations": [(c.programme, c.outcome) for c in talks],
            "barriers": sorted(
                b.code
                for b in session.exec(
                    select(ConversationBarrier).where(ConversationBarrier.conversation_id.in_(ids))  # type: ignore[attr-defined]
                )
            ),
            "further": [
                (p.programme, p.outcome)
                for p in session.exec(
                    select(ConversationProgramme).where(
                        ConversationProgramme.conversation_id.in_(ids)  # type: ignore[attr-defined]
                    )
                )
            ],
            "further_barriers": [
                (b.programme, b.code)
                for b in session.exec(
                    select(ConversationProgrammeBarrier).where(
                        ConversationProgrammeBarrier.conversation_id.in_(ids)  # type: ignore[attr-defined]
                    )
                )
            ],
            "decisions": [
                (d.programme, d.kind, d.decided_on, d.revisit_on)
                for d in session.exec(
                    select(Decision).where(
                        Decision.person_id == person_id, Decision.decided_on == TODAY
                    )
                )
            ],
        }


@pytest.mark.slow
@pytest.mark.asyncio
async def test_cervical_and_hepatitis_c_each_with_its_own_outcome_and_barriers(
    store: Store,
) -> None:
    with freeze_time(TODAY, **FROZEN):
        app = create_app(store.folder, store=store)
        app.last_mentor = "Maya Lee"
        async with app.run_test(size=SIZE) as pilot:
            form = await _open_for_ella(pilot)
            # Cervical screening is ticked already; tick hepatitis C too.
            await _tab_to(pilot, f"about-{HEP_C}")
            await pilot.press("space")
            # Cervical screening: fear or anxiety (the first barrier), booked a test (the
            # outcome above "undecided").
            await _tab_to(pilot, "barriers")
            await pilot.press("space")
            await _tab_to(pilot, "outcome")
            await pilot.press("enter", "up", "enter")
            # Hepatitis C: fear of needles (the third barrier), an informed decline (the
            # outcome below "undecided").
            await _tab_to(pilot, f"barriers-{HEP_C}")
            await pilot.press("down", "down", "space")
            await _tab_to(pilot, f"outcome-{HEP_C}")
            await pilot.press("enter", "down", "enter")
            assert form.query_one(f"#head-{HEP_C}", Static).display
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
            messages = [n.message for n in app._notifications]
    assert messages == ["Conversation logged for B2002. Hep C: informed decline."]
    # The decline is revisited after 6 months (the programme's first deferral step).
    assert _stored(store) == {
        "conversations": [("cervical-screening", "booked")],
        "barriers": ["fear_anxiety"],
        "further": [(HEP_C, "informed_decline")],
        "further_barriers": [(HEP_C, "needles")],
        "decisions": [(HEP_C, "informed_decline", TODAY, date(2024, 12, 14))],
    }


@pytest.mark.slow
@pytest.mark.asyncio
async def test_a_conversation_about_hiv_alone_is_hivs_own(store: Store) -> None:
    with freeze_time(TODAY, **FROZEN):
        app = create_app(store.folder, store=store)
        app.last_mentor = "Maya Lee"
        async with app.run_test(size=SIZE) as pilot:
            form = await _open_for_ella(pilot)
            await _tab_to(pilot, "about-cervical-screening")
            await pilot.press("space")  # untick cervical screening
            await _tab_to(pilot, "about-bbv-hiv")
            await pilot.press("space")
            assert not form.query_one("#row-barriers").display
            assert not form.query_one("#head-bbv-hiv", Static).display  # one programme
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
    assert _stored(store) == {
        "conversations": [("bbv-hiv", "undecided_more_time")],
        "barriers": [],
        "further": [],
        "further_barriers": [],
        "decisions": [],
    }


@pytest.mark.slow
@pytest.mark.asyncio
async def test_with_no_programme_ticked_nothing_is_saved(store: Store) -> None:
    with freeze_time(TODAY, **FROZEN):
        app = create_app(store.folder, store=store)
        app.last_mentor = "Maya Lee"
        async with app.run_test(size=SIZE) as pilot:
            form = await _open_for_ella(pilot)
            await _tab_to(pilot, "about-cervical-screening")
            await pilot.press("space")
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert isinstance(app.screen, ConversationForm)
            assert str(form.query_one("#err-programme", Static).render()) == (
                "tick the programmes the conversation was about"
            )
            assert app.focused is not None
            assert app.focused.id == "about-cervical-screening"
    assert _stored(store)["conversations"] == []


@pytest.mark.slow
def test_the_form_with_hepatitis_c_ticked_80x24(snap_compare: Any, store: Store) -> None:
    """Each ticked programme under its own heading, scrolled to hepatitis C's barriers."""

    async def ticked(pilot: Any) -> None:
        pilot.app.last_mentor = "Maya Lee"
        await _open_for_ella(pilot)
        await _tab_to(pilot, f"about-{HEP_C}")
        await pilot.press("space")
        await _tab_to(pilot, f"barriers-{HEP_C}")
        await pilot.pause(0.2)

    with freeze_time(TODAY, **FROZEN):
        app = create_app(store.folder, store=store)
        assert snap_compare(app, terminal_size=(80, 24), run_before=ticked)
