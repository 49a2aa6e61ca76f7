"""Nothing typed is lost: ctrl+l and the idle lock keep a half-filled form as a draft inside
the store, offered back to the same account after unlock (never to another), gone after a day;
esc on a changed form asks before throwing it away."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from freezegun import freeze_time
from sqlmodel import col, select
from textual.widgets import Input, Select, SelectionList, Static

from outreach.model import AuditEntry, FormDraft, Role
from outreach.store.store import Store
from outreach.tui.app import create_app
from outreach.tui.dialogs.account_dialogs import ConfirmDialog
from outreach.tui.dialogs.conversation_form import ConversationForm
from outreach.tui.dialogs.draft_offer import DraftOffer
from outreach.tui.dialogs.screening_form import ScreeningForm
from outreach.tui.screens.dashboard import DashboardScreen
from outreach.tui.screens.unlock import UnlockScreen
from outreach.tui.widgets.person_picker import PersonPicker
from tests.support.stores import PASSPHRASE
from tests.support.tui_helpers import FROZEN, SIZE, type_text, wait_for, wait_for_answer
from tests.support.tui_store import TODAY, copy_built

MORNING = datetime(2024, 6, 14, 9, 0)
BEA = "bea's long passphrase 42"


@pytest.fixture(scope="module")
def with_bea(tmp_path_factory: pytest.TempPathFactory, tui_template: Path) -> Path:
    """The small store with a second account, ``bea`` (staff): each test changes a copy."""
    path = copy_built(tui_template, tmp_path_factory.mktemp("drafts") / "store")
    with freeze_time(TODAY):
        admin = Store.unlock(path, user="ana", passphrase=PASSPHRASE)
        admin.add_account("bea", Role.staff, BEA)
        admin.close()
    return path


@pytest.fixture
def folder(tmp_path: Path, with_bea: Path) -> Path:
    return copy_built(with_bea, tmp_path / "store")


@pytest.fixture
def store(folder: Path) -> Iterator[Store]:
    with freeze_time(MORNING, **FROZEN):
        opened = Store.unlock(folder, user="ana", passphrase=PASSPHRASE)
    yield opened
    opened.close()


def _drafts(folder: Path, user: str = "ana", passphrase: str = PASSPHRASE) -> list[FormDraft]:
    store = Store.unlock(folder, user=user, passphrase=passphrase)
    try:
        with store.read() as session:
            return list(session.exec(select(FormDraft).order_by(col(FormDraft.id))))
    finally:
        store.close()


def _actions(folder: Path) -> list[tuple[str, str]]:
    store = Store.unlock(folder, user="ana", passphrase=PASSPHRASE)
    try:
        with store.read() as session:
            rows = session.exec(select(AuditEntry).where(col(AuditEntry.action).like("draft.%")))
            return [(row.action, row.fields) for row in rows]
    finally:
        store.close()


async def _half_fill_a_conversation(pilot: Any, app: Any) -> ConversationForm:
    """c, pick B2001, mentor Maya Lee, 25 minutes, one barrier ticked: not saved."""
    await pilot.press("c")
    await wait_for(pilot, lambda: isinstance(app.screen, ConversationForm))
    form = app.screen
    await wait_for(pilot, lambda: form._pristine is not None)
    await type_text(pilot, "B2001")
    picker = form.query_one(PersonPicker)
    await wait_for_answer(pilot, picker, "B2001")
    await pilot.press("enter")
    await wait_for(pilot, lambda: picker.choice is not None)
    form.query_one("#mentor", Input).value = "Maya Lee"
    form.query_one("#minutes", Input).value = "25"
    form.query_one("#barriers", SelectionList).select("embarrassment_body_image")
    await pilot.pause()
    return form


async def _unlock(pilot: Any, app: Any, user: str, passphrase: str) -> None:
    await _locked(pilot, app)
    screen = app.screen
    screen.query_one("#account", Select).value = user
    screen.query_one("#passphrase", Input).value = passphrase
    screen.query_one("#passphrase", Input).focus()
    await pilot.press("enter")
    await wait_for(pilot, lambda: app.store is not None, tries=600)


async def _locked(pilot: Any, app: Any) -> None:
    """Wait until the unlock screen is up and drawn."""
    await wait_for(pilot, lambda: isinstance(app.screen, UnlockScreen))
    await wait_for(pilot, lambda: bool(app.screen.query("#unlock-error")))
    await pilot.pause()


async def _drafts_read(pilot: Any, app: Any) -> None:
    """Wait until the after-unlock look for drafts has finished."""
    await wait_for(pilot, lambda: not [w for w in app.workers if w.group == "drafts"])
    await pilot.pause(0.1)


def _offer_shown(app: Any) -> bool:
    """The offer of kept forms is on screen with its lines (a pushed screen composes a moment
    after it becomes the screen)."""
    return isinstance(app.screen, DraftOffer) and bool(app.screen.query("#draft-what"))


@pytest.mark.slow
@pytest.mark.asyncio
async def test_ctrl_l_keeps_the_form_and_the_same_account_gets_it_back(
    store: Store, folder: Path
) -> None:
    with freeze_time(MORNING, **FROZEN):
        app = create_app(folder, store=store, idle_minutes=60)
        async with app.run_test(size=SIZE) as pilot:
            await _half_fill_a_conversation(pilot, app)
            await pilot.press("ctrl+l")
            await _locked(pilot, app)
            notice = str(app.screen.query_one("#unlock-error", Static).render())
            assert notice == (
                "Locked. Unlock to carry on. The form you were filling in is kept: it is "
                "offered back when you unlock."
            )
            (kept,) = _drafts(folder)
            assert kept.form == "conversation"

            await _unlock(pilot, app, "ana", PASSPHRASE)
            await wait_for(pilot, lambda: _offer_shown(app))
            what = str(app.screen.query_one("#draft-what", Static).render())
            assert what.splitlines()[1] == "for B2001  Dana Evans"
            await pilot.press("enter")
            await wait_for(pilot, lambda: isinstance(app.screen, ConversationForm))
            form = app.screen
            picker = form.query_one(PersonPicker)
            await wait_for(pilot, lambda: picker.choice is not None)
            assert picker.choice is not None and picker.choice.ref == "B2001"
            assert form.query_one("#mentor", Input).value == "Maya Lee"
            assert form.query_one("#minutes", Input).value == "25"
            assert form.query_one("#barriers", SelectionList).selected == [
                "embarrassment_body_image"
            ]
            assert str(form.query_one("#setting", Select).value) == "wing"
            await wait_for(pilot, lambda: not [w for w in app.workers if w.group == "drafts"])
    # Opening it wrote nothing: the draft is kept until the form is saved or discarded.
    assert [d.form for d in _drafts(folder)] == ["conversation"]
    assert _actions(folder) == [
        (
            "draft.save",
            "about-cervical-screening,barriers,conversation,mentor,minutes,occurred_on,"
            "one_to_one,outcome,person,setting",
        ),
    ]


async def _reopen_after_lock(pilot: Any, app: Any) -> ConversationForm:
    """Half fill a conversation, ctrl+l, unlock as ana, open the offered draft."""
    await _half_fill_a_conversation(pilot, app)
    await pilot.press("ctrl+l")
    await _unlock(pilot, app, "ana", PASSPHRASE)
    await wait_for(pilot, lambda: _offer_shown(app))
    await pilot.press("enter")
    await wait_for(pilot, lambda: isinstance(app.screen, ConversationForm))
    form = app.screen
    picker = form.query_one(PersonPicker)
    await wait_for(pilot, lambda: picker.choice is not None)
    await pilot.pause()
    return form


KEPT = (
    "about-cervical-screening,barriers,conversation,mentor,minutes,occurred_on,one_to_one,"
    "outcome,person,setting"
)


@pytest.mark.slow
@pytest.mark.asyncio
async def test_saving_the_reopened_form_removes_its_draft(store: Store, folder: Path) -> None:
    with freeze_time(MORNING, **FROZEN):
        app = create_app(folder, store=store, idle_minutes=60)
        async with app.run_test(size=SIZE) as pilot:
            await _reopen_after_lock(pilot, app)
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
            await _drafts_read(pilot, app)
    assert _drafts(folder) == []
    assert _actions(folder) == [("draft.save", KEPT), ("draft.used", "conversation")]


@pytest.mark.slow
@pytest.mark.asyncio
async def test_discarding_the_reopened_form_removes_its_draft(store: Store, folder: Path) -> None:
    with freeze_time(MORNING, **FROZEN):
        app = create_app(folder, store=store, idle_minutes=60)
        async with app.run_test(size=SIZE) as pilot:
            await _reopen_after_lock(pilot, app)
            await pilot.press("escape")
            await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
            await pilot.press("y")
            await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
            await _drafts_read(pilot, app)
    assert _drafts(folder) == []
    assert _actions(folder) == [("draft.save", KEPT), ("draft.discard", "conversation")]


@pytest.mark.slow
@pytest.mark.asyncio
async def test_locking_again_keeps_the_reopened_form_over_the_same_draft(
    store: Store, folder: Path
) -> None:
    with freeze_time(MORNING, **FROZEN):
        app = create_app(folder, store=store, idle_minutes=60)
        async with app.run_test(size=SIZE) as pilot:
            form = await _reopen_after_lock(pilot, app)
            (first,) = _drafts(folder)
            form.query_one("#minutes", Input).value = "40"
            await pilot.pause()
            await pilot.press("ctrl+l")
            await _locked(pilot, app)
    (kept,) = _drafts(folder)
    assert kept.id == first.id
    assert json.loads(kept.fields)["minutes"] == "40"
    assert _actions(folder) == [("draft.save", KEPT), ("draft.save", KEPT)]


@pytest.mark.slow
@pytest.mark.asyncio
async def test_the_idle_lock_keeps_a_screening_form_too(store: Store, folder: Path) -> None:
    seconds = [1000.0]
    with freeze_time(MORNING, **FROZEN):
        app = create_app(folder, store=store, idle_minutes=5, clock=lambda: seconds[0])
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("s")
            await wait_for(pilot, lambda: isinstance(app.screen, ScreeningForm))
            form = app.screen
            await wait_for(pilot, lambda: form._pristine is not None)
            form.query_one("#event", Select).value = "offered"
            form.query_one("#note", Input).value = "asked to come back after visits"
            await pilot.pause()
            seconds[0] += 5 * 60
            app.lock_if_idle()
            await _locked(pilot, app)
    (kept,) = _drafts(folder)
    assert kept.form == "screening"
    assert '"note": "asked to come back after visits"' in kept.fields
    assert '"event": "offered"' in kept.fields


@pytest.mark.slow
@pytest.mark.asyncio
async def test_another_account_is_not_offered_the_draft(store: Store, folder: Path) -> None:
    with freeze_time(MORNING, **FROZEN):
        app = create_app(folder, store=store, idle_minutes=60)
        async with app.run_test(size=SIZE) as pilot:
            await _half_fill_a_conversation(pilot, app)
            await pilot.press("ctrl+l")
            await _unlock(pilot, app, "bea", BEA)
            await _drafts_read(pilot, app)
            assert isinstance(app.screen, DashboardScreen)
    # Still kept for ana.
    assert [d.form for d in _drafts(folder)] == ["conversation"]


@pytest.mark.slow
@pytest.mark.asyncio
async def test_a_draft_a_day_old_is_not_offered_and_is_gone(store: Store, folder: Path) -> None:
    with freeze_time(MORNING, **FROZEN):
        app = create_app(folder, store=store, idle_minutes=60)
        async with app.run_test(size=SIZE) as pilot:
            await _half_fill_a_conversation(pilot, app)
            await pilot.press("ctrl+l")
            await _locked(pilot, app)
    with freeze_time(datetime(2024, 6, 15, 9, 1), **FROZEN):
        app = create_app(folder, user="ana", idle_minutes=60)
        async with app.run_test(size=SIZE) as pilot:
            await _unlock(pilot, app, "ana", PASSPHRASE)
            await _drafts_read(pilot, app)
            assert isinstance(app.screen, DashboardScreen)
            app.lock()
            await _locked(pilot, app)
    assert _drafts(folder) == []
    assert [action for action, _ in _actions(folder)] == ["draft.save", "draft.expire"]


@pytest.mark.slow
@pytest.mark.asyncio
async def test_del_discards_the_offered_draft_and_esc_keeps_it_for_later(
    store: Store, folder: Path
) -> None:
    with freeze_time(MORNING, **FROZEN):
        app = create_app(folder, store=store, idle_minutes=60)
        async with app.run_test(size=SIZE) as pilot:
            await _half_fill_a_conversation(pilot, app)
            await pilot.press("ctrl+l")
            await _unlock(pilot, app, "ana", PASSPHRASE)
            await wait_for(pilot, lambda: _offer_shown(app))
            await pilot.press("escape")  # later
            await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
            await pilot.press("ctrl+l")
            await _unlock(pilot, app, "ana", PASSPHRASE)
            await wait_for(pilot, lambda: _offer_shown(app))
            await pilot.press("delete")
            await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
            await wait_for(pilot, lambda: not [w for w in app.workers if w.group == "drafts"])
    assert _drafts(folder) == []
    assert [action for action, _ in _actions(folder)] == ["draft.save", "draft.discard"]


@pytest.mark.slow
@pytest.mark.asyncio
async def test_esc_on_an_untouched_form_just_closes_it(store: Store) -> None:
    with freeze_time(MORNING, **FROZEN):
        app = create_app(store.folder, store=store, idle_minutes=60)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("c")
            await wait_for(pilot, lambda: isinstance(app.screen, ConversationForm))
            await wait_for(pilot, lambda: app.screen._pristine is not None)
            await pilot.press("escape")
            await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))


@pytest.mark.slow
@pytest.mark.asyncio
async def test_esc_on_a_changed_form_asks_before_throwing_it_away(store: Store) -> None:
    with freeze_time(MORNING, **FROZEN):
        app = create_app(store.folder, store=store, idle_minutes=60)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("c")
            await wait_for(pilot, lambda: isinstance(app.screen, ConversationForm))
            form = app.screen
            await wait_for(pilot, lambda: form._pristine is not None)
            form.query_one("#note", Input).value = "wants to think about it"
            await pilot.press("escape")
            await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
            await pilot.press("n")  # no: back to the form, everything still there
            await wait_for(pilot, lambda: app.screen is form)
            assert form.query_one("#note", Input).value == "wants to think about it"
            await pilot.press("escape")
            await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
            await pilot.press("y")
            await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))


@pytest.mark.slow
@pytest.mark.asyncio
async def test_quitting_keeps_the_form_too(store: Store, folder: Path) -> None:
    with freeze_time(MORNING, **FROZEN):
        app = create_app(folder, store=store, idle_minutes=60, backup_days=0)
        async with app.run_test(size=SIZE) as pilot:
            await _half_fill_a_conversation(pilot, app)
            await pilot.press("ctrl+q")
            await wait_for(pilot, lambda: app.return_code is not None)
    assert [d.form for d in _drafts(folder)] == ["conversation"]


@pytest.mark.slow
@pytest.mark.asyncio
async def test_an_application_started_unlocked_offers_kept_forms_too(
    store: Store, folder: Path
) -> None:
    from outreach.services.drafts import KeepDraft, keep_draft

    with freeze_time(MORNING, **FROZEN):
        keep_draft(store, KeepDraft(form="mentor", fields={"name": "Jo Marsh", "trained_on": ""}))
        app = create_app(folder, store=store, idle_minutes=60)
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: _offer_shown(app))
            what = str(app.screen.query_one("#draft-what", Static).render())
            assert what.splitlines()[1] == "mentor Jo Marsh"
            await pilot.press("enter")
            await wait_for(pilot, lambda: type(app.screen).__name__ == "MentorForm")
            await wait_for(pilot, lambda: app.screen.query_one("#name", Input).value != "")
            assert app.screen.query_one("#name", Input).value == "Jo Marsh"
