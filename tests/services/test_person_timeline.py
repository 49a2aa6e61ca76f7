"""Notes are kept and shown: a person's timeline carries the notes typed with each record, in
the programme's labels rather than codes, in ``outreach person`` (80 columns, and ``--json``)
and on the person screen (wrapped to the screen, typed text shown as typed)."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from freezegun import freeze_time
from rich.text import Text
from sqlalchemy import update
from sqlmodel import col
from textual.widgets import DataTable
from typer.testing import CliRunner

from outreach.cli import app as cli
from outreach.imports.pipeline import import_conversations
from outreach.model.outreach_log import Conversation
from outreach.services.conversations import LogConversation, log_conversation
from outreach.services.decisions import RecordDecision, record_decision
from outreach.services.mentors import AddMentor, add_mentor
from outreach.services.people import AddPerson, add_person
from outreach.services.profile import label, person_profile, printable
from outreach.services.screening import RecordScreeningEvent, record_screening_event
from outreach.store.store import Store
from outreach.tui.app import create_app
from outreach.tui.screens.dashboard import DashboardScreen
from outreach.tui.screens.person import PersonScreen
from tests.support.stores import PASSPHRASE, new_store
from tests.support.tui_helpers import still_cursor, wait_for

TODAY = date(2025, 6, 1)
FROZEN = {"ignore": ["textual", "asyncio"]}
HOSTILE = "Asked for [b]Dr[/] =1+2 \x1b[2J later\u202e"
CSV_NOTE = "Talked it through.\nWill think about it."


@pytest.fixture(autouse=True)
def _still_cursor(monkeypatch: pytest.MonkeyPatch) -> None:
    still_cursor(monkeypatch)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """T1 with a conversation (form or --note), a screening offer, a decision and an imported
    conversation, each with a note."""
    path = tmp_path_factory.mktemp("timeline") / "store"
    with freeze_time(TODAY):
        store = new_store(path)
        with store:
            add_person(
                store,
                AddPerson(
                    ref="T1",
                    display_name="Tia [red]One[/]",
                    date_of_birth=date(1990, 1, 1),
                    unit="Wing A",
                    arrived_on=date(2024, 1, 1),
                ),
            )
            add_mentor(store, AddMentor(name="Mo", trained_on=date(2023, 1, 1)))
            log_conversation(
                store,
                LogConversation(
                    occurred_on=date(2025, 5, 2),
                    kind="one_to_one",
                    person_ref="T1",
                    mentors=["Mo"],
                    setting="on_site_clinic",
                    minutes=25,
                    barriers=["pain_discomfort", "fear_anxiety"],
                    outcome="undecided_more_time",
                    next_step_on=date(2025, 5, 16),
                    note="Asked for [b]Dr[/] =1+2 later",
                ),
            )
            # Held as a store from before the boundary refused control characters would hold
            # it: showing it must still be safe.
            with store.write() as session:
                session.execute(
                    update(Conversation)
                    .where(col(Conversation.occurred_on) == date(2025, 5, 2))
                    .values(note=HOSTILE)
                )
            record_screening_event(
                store,
                RecordScreeningEvent(
                    person_ref="T1",
                    occurred_on=date(2025, 5, 3),
                    event="offered",
                    note="Leaflet in Polish",
                ),
            )
            record_decision(
                store,
                RecordDecision(
                    person_ref="T1",
                    kind="informed_decline",
                    decided_on=date(2025, 5, 20),
                    revisit_on=date(2025, 11, 20),
                    note="Wants to wait until after her court date",
                ),
            )
            csv = (
                "ref,date,mentor,kind,attendees,minutes,setting,barriers,outcome,next_step,note\n"
                f'T1,2025-05-10,Mo,one_to_one,,15,wing,,booked,,"{CSV_NOTE}"\n'
            )
            assert import_conversations(store, csv.encode()).written
    return path


@pytest.fixture
def store(folder: Path) -> Iterator[Store]:
    with freeze_time(TODAY, **FROZEN):
        opened = Store.unlock(folder, user="ana", passphrase=PASSPHRASE)
    yield opened
    opened.close()


def test_labels_read_inside_a_sentence() -> None:
    labels = {"wing": "On the wing", "hpv": "HPV test"}
    assert label(labels, "wing") == "on the wing"
    assert label(labels, "hpv") == "HPV test"
    assert label(labels, "gone_code") == "gone code"


def test_printable_keeps_text_and_drops_terminal_controls() -> None:
    assert printable(HOSTILE) == "Asked for [b]Dr[/] =1+2 \ufffd[2J later\ufffd"
    assert printable("a\r\nb\tc") == "a\nb c"


def test_the_timeline_holds_every_note_and_the_programme_labels(store: Store) -> None:
    timeline = person_profile(store, "T1", as_of=TODAY).timeline
    assert [(t.on, t.kind, t.summary, t.note) for t in timeline] == [
        (date(2025, 11, 20), "follow_up", "#2 revisit due 2025-11-20: open", None),
        (
            date(2025, 5, 20),
            "decision",
            "informed decline, revisit 2025-11-20",
            "Wants to wait until after her court date",
        ),
        (date(2025, 5, 16), "follow_up", "#1 next step due 2025-05-16: cancelled", None),
        (
            date(2025, 5, 10),
            "conversation",
            "one-to-one, 15 min with Mo (on the wing); outcome: booked a test",
            CSV_NOTE,
        ),
        (date(2025, 5, 3), "screening", "offered", "Leaflet in Polish"),
        (
            date(2025, 5, 2),
            "conversation",
            "one-to-one, 25 min with Mo (on-site clinic); outcome: undecided, wants more "
            "time; barriers: fear or anxiety, pain or discomfort; next step 2025-05-16",
            HOSTILE,
        ),
        (date(2024, 1, 1), "stay", "arrived to Wing A", None),
    ]


def _cli(folder: Path, *args: str) -> str:
    with freeze_time(TODAY):
        result = CliRunner().invoke(
            cli, [*args, "--store", str(folder)], env={"OUTREACH_PASSPHRASE": PASSPHRASE}
        )
    assert result.exit_code == 0, result.output
    return result.output


def test_outreach_person_shows_notes_and_labels_within_80_columns(folder: Path) -> None:
    out = _cli(folder, "person", "T1")
    timeline = out[out.index("Timeline (newest first):\n") :].splitlines()
    assert timeline == [
        "Timeline (newest first):",
        "  2025-11-20  follow up     #2 revisit due 2025-11-20: open",
        "  2025-05-20  decision      informed decline, revisit 2025-11-20",
        "                            note: Wants to wait until after her court date",
        "  2025-05-16  follow up     #1 next step due 2025-05-16: cancelled",
        "  2025-05-10  conversation  one-to-one, 15 min with Mo (on the wing); outcome:",
        "                            booked a test",
        "                            note: Talked it through.",
        "                                  Will think about it.",
        "  2025-05-03  screening     offered",
        "                            note: Leaflet in Polish",
        "  2025-05-02  conversation  one-to-one, 25 min with Mo (on-site clinic);",
        "                            outcome: undecided, wants more time; barriers: fear",
        "                            or anxiety, pain or discomfort; next step 2025-05-16",
        "                            note: Asked for [b]Dr[/] =1+2 \ufffd[2J later\ufffd",
        "  2024-01-01  stay          arrived to Wing A",
    ]
    assert max(len(line) for line in out.splitlines()) <= 80
    assert "\x1b" not in out


def test_outreach_person_json_carries_the_notes_as_typed(folder: Path) -> None:
    data = json.loads(_cli(folder, "person", "T1", "--json"))
    notes = [(item["on"], item["note"]) for item in data["timeline"] if item["note"]]
    assert notes == [
        ("2025-05-20", "Wants to wait until after her court date"),
        ("2025-05-10", CSV_NOTE),
        ("2025-05-03", "Leaflet in Polish"),
        ("2025-05-02", HOSTILE),
    ]


@pytest.mark.asyncio
async def test_the_person_screen_shows_notes_wrapped_to_80_columns(store: Store) -> None:
    with freeze_time(TODAY, **FROZEN):
        app = create_app(store.folder, store=store)
        async with app.run_test(size=(80, 24)) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
            app.call_later(app.push_screen, PersonScreen("T1"))
            await wait_for(pilot, lambda: isinstance(app.screen, PersonScreen))
            table = app.screen.query_one("#timeline", DataTable)
            await wait_for(pilot, lambda: table.row_count == 7)
            await pilot.pause()
            widths = [column.get_render_width(table) for column in table.columns.values()]
            first = [table.get_row_at(at) for at in range(table.row_count)]
            details = [row[2].plain for row in first]
            status = str(app.screen.query_one("#person-status").render())
    assert sum(widths) <= 80 - 2  # the scroll bar
    assert details[1] == (
        "informed decline, revisit 2025-11-20\nnote: Wants to wait until after her court date"
    )
    assert details[3] == (
        "one-to-one, 15 min with Mo (on the wing); outcome:\nbooked a test\n"
        "note: Talked it through.\nWill think about it."
    )
    assert details[5].endswith("note: Asked for [b]Dr[/] =1+2 \ufffd[2J later\ufffd")
    assert all(isinstance(cell, Text) for row in first for cell in row)
    assert status.startswith("Tia [red]One[/]  T1")
