"""The worklist's keys: done and a week later say what they did and z takes them back; enter
opens the person; c and s start with the row's person; the list follows every save; and no key
that changes data does anything else on another screen."""

from __future__ import annotations

import importlib
import inspect
import pkgutil
from pathlib import Path

import pytest
from freezegun import freeze_time
from sqlmodel import col, select
from textual.binding import Binding
from textual.screen import Screen
from textual.widgets import DataTable, Input, Select

import outreach.tui
from outreach.model import AuditEntry, FollowUp
from outreach.store.store import Store
from outreach.tui.actions import APP_ACTIONS
from outreach.tui.app import create_app
from outreach.tui.dialogs.conversation_form import ConversationForm
from outreach.tui.dialogs.screening_form import ScreeningForm
from outreach.tui.screens.followups import FollowUpsScreen
from outreach.tui.screens.person import PersonScreen
from outreach.tui.widgets.person_picker import PersonPicker
from tests.support.tui_helpers import FROZEN, SIZE, type_text, wait_for
from tests.support.tui_store import TODAY

CHANGES_DATA = {
    # Write to the store at once, without a form or a question in between.
    "followups.done": "done",
    "followups.reschedule": "later",
    "followups.undo": "undo",
    "import-result.undo": "undo",
    "draft.discard": "remove",
    "mentors.active": "change",
    "conflicts.keep_here": "keep",
    "conflicts.keep_theirs": "keep",
    # Start a change: a form or a question comes first, then the write.
    "accounts.add": "add",
    "mentors.add": "add",
    "targets.set": "add",
    "targets.edit": "change",
    "person.equity": "change",
    "arrivals.take": "add",
    "arrivals.confirm": "change",
    "person.transfer_out": "transfer",
    "accounts.remove": "remove",
    "accounts.passphrase": "passphrase",
    # Carry out what the screen or dialog shows: save, import, export, back up.
    "form.save": "save",
    "dialog.ok": "save",
    "export.run": "save",
    "import.run": "save",
    "backup.yes": "save",
    "transfer.send": "save",
    "transfer_in.take": "save",
    "arrival.save": "save",
    # Yes to a question that then writes.
    "confirm.yes": "yes",
    "backup.yes_key": "yes",
}
"""Every binding, on any screen or dialog, that changes data or starts a change, and the kind of
change it makes: a key means one kind of thing wherever it works."""


def _rows(table: DataTable) -> list[tuple[str, str]]:
    """(due, ref) of each listed row."""
    return [
        (str(table.get_row_at(i)[0]), str(table.get_row_at(i)[2])) for i in range(table.row_count)
    ]


def _followups(store: Store) -> list[tuple[str, str, str, str | None]]:
    with store.read() as session:
        return [
            (f.reason, f.status, f.due_on.isoformat(), f.done_on.isoformat() if f.done_on else None)
            for f in session.exec(select(FollowUp).order_by(col(FollowUp.id)))
        ]


def _audit_tail(store: Store, n: int) -> list[tuple[str, str]]:
    with store.read() as session:
        rows = session.exec(select(AuditEntry).order_by(col(AuditEntry.id).desc()).limit(n))
        return [(row.action, row.fields) for row in reversed(list(rows))]


async def _worklist(pilot, app) -> DataTable:  # type: ignore[no-untyped-def]
    await pilot.press("w")
    await wait_for(pilot, lambda: isinstance(app.screen, FollowUpsScreen))
    table = app.screen.query_one("#followups", DataTable)
    await wait_for(pilot, lambda: table.row_count == 2)
    return table


def _messages(app) -> list[str]:  # type: ignore[no-untyped-def]
    return [n.message for n in app._notifications]


# Before any change: A1001's next step was due 10 June, B2001's is due today; A1003's repeat
# test is due 1 Feb 2025 (not on the worklist).
BEFORE = [
    ("repeat_test", "open", "2025-02-01", None),
    ("next_step", "open", "2024-06-10", None),
    ("next_step", "open", "2024-06-14", None),
]


@pytest.mark.slow
@pytest.mark.asyncio
async def test_z_reopens_a_follow_up_marked_done_in_one_audited_step(store: Store) -> None:
    with freeze_time(TODAY, **FROZEN):
        app = create_app(store.folder, store=store, idle_minutes=60)
        async with app.run_test(size=SIZE) as pilot:
            table = await _worklist(pilot, app)
            await pilot.press("space")
            await wait_for(pilot, lambda: table.row_count == 1)
            assert _followups(store)[1] == ("next_step", "done", "2024-06-10", "2024-06-14")
            await pilot.press("z")
            await wait_for(pilot, lambda: table.row_count == 2)
            assert _rows(table) == [("2024-06-10", "A1001"), ("2024-06-14", "B2001")]
            assert _messages(app) == [
                "Follow-up for A1001 marked done. z undoes it.",
                "Follow-up for A1001 open again, due 10 Jun 2024.",
            ]
    assert _followups(store) == BEFORE
    assert _audit_tail(store, 2) == [
        ("followup.done", "done_on,status"),
        ("followup.undo", "done_on,status"),
    ]


@pytest.mark.slow
@pytest.mark.asyncio
async def test_z_puts_back_the_due_date_a_week_later_moved(store: Store) -> None:
    with freeze_time(TODAY, **FROZEN):
        app = create_app(store.folder, store=store, idle_minutes=60)
        async with app.run_test(size=SIZE) as pilot:
            table = await _worklist(pilot, app)
            await pilot.press("plus")
            await wait_for(pilot, lambda: table.row_count == 1)
            assert _followups(store)[1] == ("next_step", "open", "2024-06-21", None)
            await pilot.press("z")
            await wait_for(pilot, lambda: table.row_count == 2)
            assert _messages(app)[-1] == "Follow-up for A1001 back to 10 Jun 2024."
    assert _followups(store) == BEFORE
    assert _audit_tail(store, 2) == [
        ("followup.reschedule", "due_on"),
        ("followup.undo", "due_on"),
    ]


@pytest.mark.slow
@pytest.mark.asyncio
async def test_z_undoes_only_the_last_change_and_only_once(store: Store) -> None:
    with freeze_time(TODAY, **FROZEN):
        app = create_app(store.folder, store=store, idle_minutes=60)
        async with app.run_test(size=SIZE) as pilot:
            table = await _worklist(pilot, app)
            await pilot.press("z")  # nothing to undo yet
            await pilot.pause(0.1)
            assert _messages(app) == []
            # Done on A1001, then a week later on B2001: z takes back the second only.
            await pilot.press("space")
            await wait_for(pilot, lambda: table.row_count == 1)
            await pilot.press("plus")
            await wait_for(pilot, lambda: table.row_count == 0)
            await pilot.press("z")
            await wait_for(pilot, lambda: table.row_count == 1)
            await pilot.press("z")
            await pilot.pause(0.2)
            assert _rows(table) == [("2024-06-14", "B2001")]
    assert _followups(store)[1:] == [
        ("next_step", "done", "2024-06-10", "2024-06-14"),
        ("next_step", "open", "2024-06-14", None),
    ]
    assert [action for action, _ in _audit_tail(store, 3)] == [
        "followup.done",
        "followup.reschedule",
        "followup.undo",
    ]


@pytest.mark.slow
@pytest.mark.asyncio
async def test_a_save_elsewhere_ends_the_undo(store: Store) -> None:
    with freeze_time(TODAY, **FROZEN):
        app = create_app(store.folder, store=store, idle_minutes=60)
        async with app.run_test(size=SIZE) as pilot:
            table = await _worklist(pilot, app)
            await pilot.press("space")
            await wait_for(pilot, lambda: table.row_count == 1)
            await pilot.press("s")
            await wait_for(pilot, lambda: isinstance(app.screen, ScreeningForm))
            app.screen.query_one("#event", Select).value = "offered"
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: isinstance(app.screen, FollowUpsScreen))
            await pilot.press("z")
            await pilot.pause(0.2)
            assert app.screen.last_change is None
    assert _followups(store)[1] == ("next_step", "done", "2024-06-10", "2024-06-14")
    assert _audit_tail(store, 1)[0][0] == "screening.record"


@pytest.mark.asyncio
async def test_enter_on_a_row_opens_that_person(store: Store) -> None:
    with freeze_time(TODAY, **FROZEN):
        app = create_app(store.folder, store=store, idle_minutes=60)
        async with app.run_test(size=SIZE) as pilot:
            await _worklist(pilot, app)
            await pilot.press("down", "enter")
            await wait_for(pilot, lambda: isinstance(app.screen, PersonScreen))
            assert app.screen.ref == "B2001"


@pytest.mark.slow
@pytest.mark.asyncio
async def test_c_on_a_row_logs_a_conversation_with_that_person_filled_in(store: Store) -> None:
    with freeze_time(TODAY, **FROZEN):
        app = create_app(store.folder, store=store, idle_minutes=60)
        async with app.run_test(size=SIZE) as pilot:
            await _worklist(pilot, app)
            await pilot.press("down", "c")
            await wait_for(pilot, lambda: isinstance(app.screen, ConversationForm))
            picker = app.screen.query_one(PersonPicker)
            assert picker.choice is not None and picker.choice.ref == "B2001"
            assert picker.input.value == "B2001  Dana Evans"
            assert app.focused is app.screen.query_one("#mentor", Input)


@pytest.mark.slow
@pytest.mark.asyncio
async def test_s_on_a_row_records_a_screening_step_with_that_person_filled_in(
    store: Store,
) -> None:
    with freeze_time(TODAY, **FROZEN):
        app = create_app(store.folder, store=store, idle_minutes=60)
        async with app.run_test(size=SIZE) as pilot:
            await _worklist(pilot, app)
            await pilot.press("s")
            await wait_for(pilot, lambda: isinstance(app.screen, ScreeningForm))
            picker = app.screen.query_one(PersonPicker)
            assert picker.choice is not None and picker.choice.ref == "A1001"
            assert app.focused is app.screen.query_one("#event", Select)


@pytest.mark.slow
@pytest.mark.asyncio
@pytest.mark.parametrize(("key", "form"), [("c", ConversationForm), ("s", ScreeningForm)])
async def test_the_person_screen_starts_forms_with_that_person(
    store: Store, key: str, form: type
) -> None:
    with freeze_time(TODAY, **FROZEN):
        app = create_app(store.folder, store=store, idle_minutes=60)
        async with app.run_test(size=SIZE) as pilot:
            await _worklist(pilot, app)
            await pilot.press("enter")
            await wait_for(pilot, lambda: isinstance(app.screen, PersonScreen))
            await wait_for(pilot, lambda: app.screen.profile is not None)
            await pilot.press(key)
            await wait_for(pilot, lambda: isinstance(app.screen, form))
            picker = app.screen.query_one(PersonPicker)
            assert picker.choice is not None and picker.choice.ref == "A1001"
            assert picker.input.value == "A1001  Alice Brown"


@pytest.mark.slow
@pytest.mark.asyncio
async def test_the_worklist_follows_a_save_made_over_it(store: Store) -> None:
    with freeze_time(TODAY, **FROZEN):
        app = create_app(store.folder, store=store, idle_minutes=60)
        async with app.run_test(size=SIZE) as pilot:
            table = await _worklist(pilot, app)
            # From A1001's row: a conversation whose next step is today.
            await pilot.press("c")
            await wait_for(pilot, lambda: isinstance(app.screen, ConversationForm))
            await type_text(pilot, "Maya Lee")
            app.screen.query_one("#next_step_on", Input).focus()
            await type_text(pilot, TODAY.isoformat())
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: isinstance(app.screen, FollowUpsScreen))
            await wait_for(pilot, lambda: ("2024-06-14", "A1001") in _rows(table))
            listed = {int(str(key.value)) for key in table.rows}
    with store.read() as session:
        statuses = {f.id: f.status for f in session.exec(select(FollowUp))}
    # Every listed row is an open follow-up: a completed one is never shown.
    assert {statuses[i] for i in listed} == {"open"}


def _every_screen_binding() -> list[tuple[str, Binding]]:
    """(screen class name, binding) for every screen and dialog of the application."""
    found: list[tuple[str, Binding]] = []
    for info in pkgutil.walk_packages(outreach.tui.__path__, "outreach.tui."):
        module = importlib.import_module(info.name)
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ != module.__name__ or not issubclass(cls, Screen):
                continue
            found += [(name, b) for b in cls.BINDINGS if isinstance(b, Binding)]
    return found


def _keys(binding: Binding) -> set[str]:
    return {k.strip() for k in binding.key.split(",")}


def test_no_key_that_changes_data_does_anything_else_elsewhere() -> None:
    every = _every_screen_binding()
    changing = [b for _, b in every if b.id in CHANGES_DATA]
    assert {b.id for b in changing} == set(CHANGES_DATA)
    data_keys = set().union(*(_keys(b) for b in changing))
    # The same key always does the same kind of thing: z / ctrl+z undo wherever they work.
    by_key: dict[str, set[str]] = {}
    for b in changing:
        for key in _keys(b):
            by_key.setdefault(key, set()).add(CHANGES_DATA[str(b.id)])
    assert {key: kinds for key, kinds in by_key.items() if len(kinds) > 1} == {}
    # No key that changes data on one screen moves somewhere else (or opens the palette).
    app_wide = set().union(*({k.strip() for k in a.keys.split(",")} for a in APP_ACTIONS))
    app_wide |= {"ctrl+p", "colon", "ctrl+q", "f10"}
    assert data_keys & app_wide == set()
    elsewhere = {
        (owner, b.id, key)
        for owner, b in every
        if b.id not in CHANGES_DATA
        for key in _keys(b) & data_keys
    }
    # y answers yes in every dialog; choosing someone anyway changes nothing yet.
    assert elsewhere == {("ChooseAnywayDialog", "choose_anyway.yes", "y")}


def test_the_worklist_dates_and_keys_in_the_readme_agree() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    row = next(line for line in readme.splitlines() if line.startswith("| `w` |"))
    for key in ("enter", "space", "`+`", "`z`", "`7`", "`c`", "`s`"):
        assert key in row


@pytest.mark.slow
@pytest.mark.asyncio
async def test_a_moved_follow_up_shows_the_date_it_was_first_due(store: Store) -> None:
    with freeze_time(TODAY, **FROZEN):
        app = create_app(store.folder, store=store, idle_minutes=60)
        async with app.run_test(size=SIZE) as pilot:
            table = await _worklist(pilot, app)
            labels = [str(c.label) for c in table.columns.values()]
            assert labels == ["Due", "Late", "Ref", "Name", "Unit", "Reason", "For"]
            await pilot.press("plus")
            await wait_for(pilot, lambda: table.row_count == 1)
            await pilot.press("7")  # the next 7 days: A1001's follow-up is due again on 21 June
            await wait_for(pilot, lambda: table.row_count == 2)
            labels = [str(c.label) for c in table.columns.values()]
            assert labels == ["Due", "Was", "Late", "Ref", "Name", "Unit", "Reason", "For"]
            rows = [[str(cell) for cell in table.get_row_at(i)][:4] for i in range(2)]
            assert rows == [
                ["2024-06-14", "", "", "B2001"],
                ["2024-06-21", "2024-06-10", "", "A1001"],
            ]
            status = app.screen.query_one("#followups-status").render()
            assert str(status) == (
                "2 open follow-ups due in the next 7 days, most overdue first (page 1)"
            )


@pytest.mark.slow
@pytest.mark.asyncio
async def test_help_on_the_worklist_lists_its_keys_first(store: Store) -> None:
    from textual.widgets import DataTable as Table

    from outreach.tui.screens.help import HelpScreen

    with freeze_time(TODAY, **FROZEN):
        app = create_app(store.folder, store=store, idle_minutes=60)
        async with app.run_test(size=SIZE) as pilot:
            await _worklist(pilot, app)
            await pilot.press("question_mark")
            await wait_for(pilot, lambda: isinstance(app.screen, HelpScreen))
            table = app.screen.query_one(Table)
            rows = [tuple(str(c) for c in table.get_row_at(i)) for i in range(table.row_count)]
    assert rows[:7] == [
        ("space / ctrl+d", "Done", "here"),
        ("+ / ctrl+r", "Week later", "here"),
        ("z / ctrl+z", "Undo", "here"),
        ("enter", "Open the person", "here"),
        ("c / f5", "Log a conversation with this person", "here"),
        ("s / f6", "Record a screening step for this person", "here"),
        ("n / >", "Next page", "here"),
    ]
    # The app-wide c and s lines say ctrl+p: here c and s act on the highlighted person.
    assert ("ctrl+p", "Log an outreach conversation", "all") in rows
