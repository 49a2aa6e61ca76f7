"""Importing conversations and screening events: codes and labels, natural-key duplicates,
per-line errors, all-or-nothing."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import date
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from freezegun import freeze_time
from sqlalchemy import event
from sqlmodel import col, select

from outreach.imports.files import RowError
from outreach.imports.pipeline import import_conversations, import_people, import_screening
from outreach.imports.run import ImportReport
from outreach.model import (
    AuditEntry,
    Conversation,
    ConversationAttendee,
    ConversationBarrier,
    ConversationMentor,
    FollowUp,
    Mentor,
    Person,
    ScreeningEvent,
)
from outreach.services.mentors import AddMentor, add_mentor
from outreach.store.store import Store
from tests.support.store_helpers import add_people
from tests.support.stores import as_template, copy_of, frozen_on, new_store

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
TODAY = "2024-12-01"
CONVERSATIONS = "ref,date,mentor,kind,attendees,minutes,setting,barriers,outcome,next_step,note\n"
SCREENING = "ref,date,event,hpv,cytology,sample,where,reason,note\n"


_today = frozen_on(TODAY)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Store:
    """A store holding the sample roll and three mentors, closed; each test opens a copy."""
    folder = tmp_path_factory.mktemp("template") / "store"
    with freeze_time(TODAY):
        opened = new_store(folder)
        assert import_people(opened, FIXTURES / "people.csv").written
        for name in ("Dee Hartley", "Marcia Bell", "Lou Evans"):
            add_mentor(opened, AddMentor(name=name))
    return as_template(opened)


@pytest.fixture
def store(template: Store, tmp_path: Path) -> Iterator[Store]:
    with copy_of(template, tmp_path / "copy") as copy:
        yield copy


def _audit(store: Store) -> list[tuple[str, str]]:
    with store.read() as session:
        rows = session.exec(
            select(AuditEntry.action, AuditEntry.fields).order_by(col(AuditEntry.id))
        ).all()
    return [(r[0], r[1]) for r in rows]


def _conversation_on(store: Store, day: date, ref: str | None = None) -> dict[str, object]:
    """The stored conversation on ``day`` (with ``ref``, or the group session), as plain data."""
    with store.read() as session:
        person_id = None
        if ref is not None:
            person_id = session.exec(select(Person.id).where(Person.ref == ref)).one()
        c = session.exec(
            select(Conversation).where(
                Conversation.occurred_on == day, Conversation.person_id == person_id
            )
        ).one()
        mentors = session.exec(
            select(Mentor.name)
            .join(ConversationMentor, col(ConversationMentor.mentor_id) == col(Mentor.id))
            .where(ConversationMentor.conversation_id == c.id)
        ).all()
        barriers = session.exec(
            select(ConversationBarrier.code).where(ConversationBarrier.conversation_id == c.id)
        ).all()
        attendees = session.exec(
            select(Person.ref)
            .join(ConversationAttendee, col(ConversationAttendee.person_id) == col(Person.id))
            .where(ConversationAttendee.conversation_id == c.id)
        ).all()
    return {
        "kind": c.kind,
        "attendees": c.attendees,
        "minutes": c.minutes,
        "setting": c.setting,
        "outcome": c.outcome,
        "next_step_on": c.next_step_on,
        "note": c.note,
        "mentors": sorted(mentors),
        "barriers": sorted(barriers),
        "named": sorted(attendees),
    }


@pytest.mark.slow
def test_conversations_file_imports_every_row(store: Store) -> None:
    report = import_conversations(store, FIXTURES / "conversations.csv")
    assert (report.errors, report.added, report.written) == ([], 12, True)
    assert _audit(store)[-1] == (
        "import.conversations",
        # A1001AA's next step (17 June) is met by her conversation that day.
        "attendees,barriers,completed_follow_ups,date,kind,mentor,minutes,next_step,note,outcome,"
        "ref,setting",
    )
    assert report.followups_completed == 1


def test_group_session_keeps_mentors_count_and_named_attendees(store: Store) -> None:
    import_conversations(store, FIXTURES / "conversations.csv")
    assert _conversation_on(store, date(2024, 6, 12)) == {
        "kind": "group",
        "attendees": 7,
        "minutes": 45,
        "setting": "group_room",
        "outcome": "accepted_offer",
        "next_step_on": None,
        "note": None,
        "mentors": ["Dee Hartley", "Lou Evans"],
        "barriers": ["not_knowing"],
        "named": ["A1003AC", "A1004AD"],
    }


def test_labels_spaced_kinds_and_uk_dates_are_read_as_codes(store: Store) -> None:
    import_conversations(store, FIXTURES / "conversations.csv")
    assert _conversation_on(store, date(2024, 6, 10), "A1005AE") == {
        "kind": "one_to_one",
        "attendees": 1,
        "minutes": 20,
        "setting": "wing",
        "outcome": "informed_decline",
        "next_step_on": date(2024, 12, 10),
        "note": None,
        "mentors": ["Lou Evans"],
        "barriers": ["embarrassment_body_image"],
        "named": [],
    }


def test_a_note_spanning_lines_is_kept(store: Store) -> None:
    import_conversations(store, FIXTURES / "conversations.csv")
    note = _conversation_on(store, date(2024, 7, 8), "A1011AL")["note"]
    assert note == "Talked it through.\nWill think about it."


def test_second_conversations_import_changes_nothing(store: Store) -> None:
    import_conversations(store, FIXTURES / "conversations.csv")
    audit = _audit(store)
    again = import_conversations(store, FIXTURES / "conversations.csv")
    assert (again.added, again.unchanged, again.written) == (0, 12, False)
    assert _audit(store) == audit


def test_a_row_repeated_in_the_file_is_added_once(store: Store) -> None:
    row = "A1001AA,2024-06-03,Dee Hartley,one_to_one,,25,wing,,booked,,\n"
    report = import_conversations(store, (CONVERSATIONS + row + row).encode())
    assert (report.added, report.unchanged) == (1, 1)


def test_only_a_stored_conversation_with_the_same_key_leaves_a_row_unchanged(
    store: Store,
) -> None:
    stored = "A1001AA,2024-06-03,Dee Hartley,one_to_one,,25,wing,,booked,,\n"
    group = ",2024-06-03,Dee Hartley;Lou Evans,group,6,40,wing,,booked,,\n"
    assert import_conversations(store, (CONVERSATIONS + stored + group).encode()).added == 2
    rows = [
        stored,  # the same conversation: unchanged
        group.replace("Dee Hartley;Lou Evans", "Lou Evans;Dee Hartley"),  # mentors in any order
        stored.replace("2024-06-03", "2024-06-04"),  # the same person on another day
        stored.replace("A1001AA", "A1002AB"),  # another person on that day
        stored.replace("Dee Hartley", "Lou Evans"),  # another mentor
        stored.replace(",25,", ",30,"),  # other minutes
        group.replace(",6,", ",7,"),  # a group of another size
    ]
    report = import_conversations(store, (CONVERSATIONS + "".join(rows)).encode())
    assert (report.added, report.unchanged) == (5, 2)


def test_unknown_mentor_is_named_with_a_hint_and_nothing_is_written(store: Store) -> None:
    audit = _audit(store)
    report = import_conversations(
        store,
        (
            CONVERSATIONS
            + "A1001AA,2024-06-03,Dee Hartley,one_to_one,,25,wing,,booked,,\n"
            + "A1002AB,2024-06-04,Dee Hartley;Jo Nobody,one_to_one,,25,wing,,booked,,\n"
        ).encode(),
    )
    assert report.errors == [
        RowError(
            3,
            "mentor",
            "no mentor named 'Jo Nobody': add mentors before importing conversations",
        )
    ]
    assert _audit(store) == audit
    with store.read() as session:
        assert session.exec(select(Conversation)).all() == []


def test_conversation_errors_name_line_and_column(store: Store) -> None:
    report = import_conversations(
        store,
        (
            CONVERSATIONS
            + ",2024-06-03,Dee Hartley,one_to_one,,25,wing,,booked,,\n"
            + "A1001AA,2024-06-03,Dee Hartley,chat,,25,wing,,booked,,\n"
            + "A1001AA,2024-06-03,Dee Hartley,one_to_one,,25,garden,,maybe,,\n"
            + "A1001AA;A1002AB,2024-06-03,Dee Hartley,group,1,25,wing,,booked,,\n"
            + "A1001AA,2024-06-03,Dee Hartley,one_to_one,,25,wing,boredom,booked,,\n"
            + "A1001AA,2024-06-03,Dee Hartley,one_to_one,3,25,wing,,booked,,\n"
        ).encode(),
    )
    assert [(e.line, e.field) for e in report.errors] == [
        (2, "ref"),
        (3, "kind"),
        (4, "setting"),
        (4, "outcome"),
        (5, "ref"),
        (6, "barriers"),
        (7, "attendees"),
    ]
    assert report.errors[4].message == "2 named but 1 attended"


def test_an_on_site_conversation_outside_every_stay_is_refused_with_its_line(
    store: Store,
) -> None:
    # A1007AG left on 2024-07-19 (the day of leaving still counts); A1006AF arrived on
    # 2024-06-10; escorted outside needs no stay.
    audit = _audit(store)
    report = import_conversations(
        store,
        (
            CONVERSATIONS
            + "A1007AG,2024-07-19,Dee Hartley,one_to_one,,25,wing,,booked,,\n"
            + "A1007AG,2024-07-20,Dee Hartley,one_to_one,,25,wing,,booked,,\n"
            + "A1007AG,2024-07-22,Dee Hartley,one_to_one,,25,escorted_outside,,booked,,\n"
            + "A1001AA;A1006AF,2024-06-09,Lou Evans,group,5,40,Group room,,booked,,\n"
        ).encode(),
    )
    assert report.errors == [
        RowError(
            3,
            "setting",
            "A1007AG was not resident on 2024-07-20 (no stay covers it): 'On the wing' is on "
            "site; correct the date, the person or the setting",
        ),
        RowError(
            5,
            "setting",
            "A1006AF was not resident on 2024-06-09 (no stay covers it): 'Group room' is on "
            "site; correct the date, the person or the setting",
        ),
    ]
    assert _audit(store) == audit
    with store.read() as session:
        assert session.exec(select(Conversation)).all() == []


def test_a_next_step_for_a_person_marked_do_not_approach_is_refused_with_its_line(
    store: Store,
) -> None:
    audit = _audit(store)
    report = import_conversations(
        store,
        (
            CONVERSATIONS
            + "A1005AE,2024-06-07,Dee Hartley,one_to_one,,5,wing,,do_not_approach,,\n"
            + "A1005AE,2024-06-12,Marcia Bell,one_to_one,,5,wing,,undecided_more_time,2024-07-12,\n"
            + "A1001AA,2024-06-12,Marcia Bell,one_to_one,,5,wing,,do_not_approach,2024-07-12,\n"
        ).encode(),
    )
    assert report.errors == [
        RowError(
            3,
            "next_step",
            "A1005AE is marked do not approach: a next step cannot be set (record 'approach "
            "again' first if the person has changed their mind)",
        ),
        RowError(
            4,
            "next_step",
            "the person asked not to be approached: a next step cannot be set",
        ),
    ]
    assert _audit(store) == audit
    with store.read() as session:
        assert session.exec(select(Conversation)).all() == []
        assert session.exec(select(FollowUp)).all() == []


def _events(store: Store) -> list[tuple[str, date, str, str | None, str | None, str | None]]:
    with store.read() as session:
        rows = session.exec(
            select(Person.ref, ScreeningEvent).join(
                Person, col(Person.id) == col(ScreeningEvent.person_id)
            )
        ).all()
    return sorted((ref, e.occurred_on, e.event, e.hpv, e.where, e.action) for ref, e in rows)


def _followups(store: Store) -> list[tuple[str, str, date, str, date | None]]:
    with store.read() as session:
        rows = session.exec(
            select(Person.ref, FollowUp).join(Person, col(Person.id) == col(FollowUp.person_id))
        ).all()
    return sorted((ref, f.reason, f.due_on, f.status, f.done_on) for ref, f in rows)


def test_screening_file_imports_with_aliases_and_result_actions(store: Store) -> None:
    report = import_screening(store, FIXTURES / "screening.csv")
    assert (report.errors, report.added) == ([], 14)
    events = _events(store)
    assert ("A1002AB", date(2024, 6, 20), "did_not_attend", None, "on_site", None) in events
    assert (
        "A1002AB",
        date(2024, 7, 18),
        "test",
        "positive",
        "on_site",
        "repeat_12_months",
    ) in events
    assert (
        "A1006AF",
        date(2023, 2, 1),
        "test",
        "negative",
        "before_arrival",
        "routine_recall",
    ) in events
    assert (
        "A1008AH",
        date(2024, 7, 12),
        "test",
        "positive",
        "on_site",
        "colposcopy_6_weeks",
    ) in events


def test_second_screening_import_changes_nothing(store: Store) -> None:
    import_screening(store, FIXTURES / "screening.csv")
    events, audit = _events(store), _audit(store)
    again = import_screening(store, FIXTURES / "screening.csv")
    assert (again.added, again.unchanged, again.written) == (0, 14, False)
    assert (_events(store), _audit(store)) == (events, audit)


def test_screening_rows_in_any_order_give_the_same_history(
    store: Store, template: Store, tmp_path: Path
) -> None:
    lines = (FIXTURES / "screening.csv").read_text().splitlines()
    reversed_file = "\n".join([lines[0], *reversed(lines[1:])]) + "\n"
    import_screening(store, FIXTURES / "screening.csv")
    with copy_of(template, tmp_path / "second") as other:
        import_screening(other, reversed_file.encode())
        assert _events(other) == _events(store)
        assert _followups(other) == _followups(store)
    # 12 months after the positive/normal test; 6 weeks (42 days) after the low-grade one.
    assert _followups(store) == [
        ("A1002AB", "repeat_test", date(2025, 7, 18), "open", None),
        ("A1008AH", "colposcopy", date(2024, 8, 23), "done", date(2024, 8, 16)),
    ]


def test_screening_errors_name_line_and_column_and_nothing_is_written(store: Store) -> None:
    report = import_screening(
        store,
        (
            SCREENING
            + "A1001AA,2024-06-17,offered,,,,on_site,,\n"
            + "A1001AA,2024-06-28,booked,negative,,,on_site,,\n"
            + "Z9999ZZ,2024-06-28,booked,,,,on_site,,\n"
            + "A1001AA,2024-06-28,screened,,,,on_site,,\n"
            + "A1001AA,2024-06-28,test,,,,on_site,,\n"
        ).encode(),
    )
    assert report.errors == [
        RowError(3, "hpv", "only a test has a hpv result"),
        RowError(4, "ref", "no person with reference 'Z9999ZZ': import people first"),
        RowError(
            5,
            "event",
            "'screened' is not one of offered, declined, booked, attended, did_not_attend, "
            "test, result_communicated, colposcopy_referred, colposcopy_attended, ceased "
            "(or the wording 'outreach codes event' lists)",
        ),
        RowError(6, "hpv", "a test needs an HPV or cytology result"),
    ]
    assert _events(store) == []


def _follow_ups(store: Store) -> list[tuple[str, str, str, str, str | None]]:
    with store.read() as session:
        rows = session.exec(
            select(Person.ref, FollowUp.reason, FollowUp.due_on, FollowUp.status, FollowUp.done_on)
            .join(Person, col(Person.id) == col(FollowUp.person_id))
            .order_by(col(FollowUp.id))
        ).all()
    return [(r[0], r[1], str(r[2]), r[3], str(r[4]) if r[4] else None) for r in rows]


def test_imported_conversations_meet_next_steps_stored_and_set_earlier_in_the_file(
    store: Store,
) -> None:
    # A stored next step for A1002AB, due 2024-06-10.
    first = import_conversations(
        store,
        (
            CONVERSATIONS
            + "A1002AB,2024-06-03,Dee Hartley,one_to_one,,10,other,,undecided_more_time,"
            + "2024-06-10,\n"
        ).encode(),
    )
    assert first.errors == []
    # In one file: a next step for A1001AA (due 06-20) met by her later row (06-24); a
    # conversation with A1002AB (06-12) meeting the stored one; A1003AC has none to meet.
    second = import_conversations(
        store,
        (
            CONVERSATIONS
            + "A1001AA,2024-06-13,Dee Hartley,one_to_one,,10,other,,undecided_more_time,"
            + "2024-06-20,\n"
            + "A1001AA,2024-06-24,Dee Hartley,one_to_one,,10,other,,booked,,\n"
            + "A1002AB,2024-06-12,Dee Hartley,one_to_one,,10,other,,booked,,\n"
            + "A1003AC,2024-06-12,Dee Hartley,one_to_one,,10,other,,booked,,\n"
        ).encode(),
    )
    assert (second.errors, second.added) == ([], 4)
    assert _follow_ups(store) == [
        ("A1002AB", "next_step", "2024-06-10", "done", "2024-06-12"),
        ("A1001AA", "next_step", "2024-06-20", "done", "2024-06-24"),
    ]


def test_conversations_written_together_and_one_at_a_time_are_numbered_in_date_order(
    store: Store,
) -> None:
    # A1001AA's rows set a next step, so they are written one at a time; the others (nobody
    # with a follow-up to meet) wait and are written together. Numbering follows date order
    # across both, as if each had been logged in turn.
    report = import_conversations(
        store,
        (
            CONVERSATIONS
            + "A1004AD,2024-06-14,Lou Evans,one_to_one,,5,other,,booked,,\n"
            + "A1001AA,2024-06-11,Dee Hartley,one_to_one,,10,other,,undecided_more_time,"
            + "2024-06-13,\n"
            + "A1003AC,2024-06-10,Marcia Bell,one_to_one,,20,other,not_knowing,booked,,\n"
            + ",2024-06-12,Dee Hartley;Lou Evans,group,4,30,group_room,,booked,,\n"
        ).encode(),
    )
    assert (report.errors, report.added) == ([], 4)
    with store.read() as session:
        rows = session.exec(
            select(Conversation.id, Conversation.occurred_on).order_by(col(Conversation.id))
        ).all()
        mentors = session.exec(
            select(ConversationMentor.conversation_id, Mentor.name)
            .join(Mentor, col(Mentor.id) == col(ConversationMentor.mentor_id))
            .order_by(col(ConversationMentor.conversation_id), col(Mentor.name))
        ).all()
        barriers = session.exec(
            select(ConversationBarrier.conversation_id, ConversationBarrier.code)
        ).all()
    first = rows[0][0]
    assert [(cid - first, str(day)) for cid, day in rows] == [
        (0, "2024-06-10"),
        (1, "2024-06-11"),
        (2, "2024-06-12"),
        (3, "2024-06-14"),
    ]
    assert [(cid - first, name) for cid, name in mentors] == [
        (0, "Marcia Bell"),
        (1, "Dee Hartley"),
        (2, "Dee Hartley"),
        (2, "Lou Evans"),
        (3, "Lou Evans"),
    ]
    assert [(cid - first, code) for cid, code in barriers] == [(0, "not_knowing")]
    assert _follow_ups(store) == [("A1001AA", "next_step", "2024-06-13", "open", None)]


def _statements_reading_stays(store: Store, work: Callable[[], object]) -> int:
    """How many SQL statements that read the stay table ``work`` runs."""
    seen: list[str] = []

    def note(conn: object, cursor: object, statement: str, *rest: object) -> None:
        if "FROM stay" in statement:
            seen.append(statement)

    event.listen(store.engine, "before_cursor_execute", note)
    try:
        work()
    finally:
        event.remove(store.engine, "before_cursor_execute", note)
    return len(seen)


def test_residency_is_read_for_the_whole_file_not_once_a_row(store: Store) -> None:
    # Every conversation is on site, so each needs its person resident that day: one row,
    # then four rows (two people, a group with two named attendees, the day of leaving).
    one = CONVERSATIONS + "A1001AA,2024-09-02,Dee Hartley,one_to_one,,20,wing,,booked,,\n"
    four = (
        CONVERSATIONS
        + "A1001AA,2024-09-03,Dee Hartley,one_to_one,,20,wing,,booked,,\n"
        + "A1003AC,2024-09-03,Dee Hartley,one_to_one,,20,reception,,booked,,\n"
        + "A1001AA;A1003AC,2024-09-04,Lou Evans,group,6,40,group_room,,booked,,\n"
        + "A1007AG,2024-07-19,Dee Hartley,one_to_one,,20,wing,,booked,,\n"
    )
    reports: list[ImportReport] = []
    first = _statements_reading_stays(
        store, lambda: reports.append(import_conversations(store, one.encode()))
    )
    second = _statements_reading_stays(
        store, lambda: reports.append(import_conversations(store, four.encode()))
    )
    assert [(r.errors, r.added) for r in reports] == [([], 1), ([], 4)]
    assert first == second == 1


def test_on_site_screening_steps_read_residency_for_the_whole_file(store: Store) -> None:
    # A1007AG left on 2024-07-19: on site that day is accepted, the day after is refused.
    rows = (
        SCREENING
        + "A1001AA,2024-09-02,offered,,,,on_site,,\n"
        + "A1003AC,2024-09-02,offered,,,,on_site,,\n"
        + "A1007AG,2024-07-19,offered,,,,on_site,,\n"
        + "A1007AG,2024-07-20,offered,,,,on_site,,\n"
    )
    reports: list[ImportReport] = []
    count = _statements_reading_stays(
        store, lambda: reports.append(import_screening(store, rows.encode()))
    )
    assert reports[0].errors == [
        RowError(
            5,
            "where",
            "A1007AG was not resident on 2024-07-20 (no stay covers it): a step taken before "
            "arrival is before_arrival",
        )
    ]
    assert count == 1


def test_a_programme_column_names_the_programme_and_its_own_barriers(store: Store) -> None:
    head = CONVERSATIONS.replace("note\n", "note,programme\n")
    rows = [
        "A1001AA,2024-06-03,Dee Hartley,one_to_one,,25,wing,needles,booked,,,bbv-hepatitis-c\n",
        "A1002AB,2024-06-03,Dee Hartley,one_to_one,,20,wing,Stigma,booked,,,hep c\n",
        "A1003AC,2024-06-03,Dee Hartley,one_to_one,,15,wing,fear_anxiety,booked,,,\n",
    ]
    report = import_conversations(store, (head + "".join(rows)).encode())
    assert (report.added, report.unchanged) == (3, 0)
    with store.read() as session:
        got = session.exec(
            select(Conversation.minutes, Conversation.programme, ConversationBarrier.code)
            .join(ConversationBarrier)
            .order_by(col(Conversation.minutes))
        ).all()
    assert [tuple(g) for g in got] == [
        (15, "cervical-screening", "fear_anxiety"),
        (20, "bbv-hepatitis-c", "stigma"),
        (25, "bbv-hepatitis-c", "needles"),
    ]
    # The same conversation about another programme is another conversation.
    again = rows[0].replace("bbv-hepatitis-c\n", "bbv-hiv\n")
    report = import_conversations(store, (head + rows[0] + again).encode())
    assert (report.added, report.unchanged) == (1, 1)


def test_an_unknown_programme_or_another_programmes_barrier_is_refused_with_its_line(
    store: Store,
) -> None:
    head = CONVERSATIONS.replace("note\n", "note,programme\n")
    rows = [
        "A1001AA,2024-06-03,Dee Hartley,one_to_one,,25,wing,,booked,,,flu jab\n",
        "A1002AB,2024-06-03,Dee Hartley,one_to_one,,20,wing,fear_anxiety,booked,,,hep c\n",
    ]
    report = import_conversations(store, (head + "".join(rows)).encode())
    assert report.written is False
    assert [(e.line, e.field) for e in report.errors] == [(2, "programme"), (3, "barriers")]
    assert "'flu jab' is not a programme" in report.errors[0].message
    assert "'fear_anxiety' is not one of fear_of_result" in report.errors[1].message


def _instructions(store: Store, work: Callable[[], object]) -> int:
    """Hundreds of SQLite virtual-machine instructions ``work`` runs on the store's
    connections (a progress handler called every 100): the work its statements do, row by
    row, whatever the pages cost to read."""
    count = [0]

    def tick() -> int:
        count[0] += 1
        return 0  # go on

    counted: dict[int, Any] = {}

    def handler(conn: Any, *_: object) -> None:
        raw = conn.connection.dbapi_connection
        if id(raw) not in counted:
            counted[id(raw)] = raw
            raw.set_progress_handler(tick, 100)

    event.listen(store.engine, "before_cursor_execute", handler)
    try:
        work()
    finally:
        event.remove(store.engine, "before_cursor_execute", handler)
        for raw in counted.values():  # pooled connections keep no handler
            raw.set_progress_handler(None, 0)
    return count[0]


def _keep(reports: list[ImportReport], run: Callable[[Store], ImportReport], store: Store) -> None:
    reports.append(run(store))


def test_an_import_does_the_same_work_however_many_people_the_store_holds(
    template: Store, tmp_path: Path
) -> None:
    """The same files imported into the template (38 people) and into a copy with 2,000 more
    people, each with a conversation: the instructions SQLite runs differ by under 2%.
    Reading each stored person once would add twenty hundreds and more, as reading every
    reference shows."""
    new_people = "ref,name,date_of_birth,unit,arrived\n" + "".join(
        f"N{i:04d},New Person {i},1990-01-01,Elm House,2024-11-01\n" for i in range(20)
    )
    files: dict[str, Callable[[Store], ImportReport]] = {
        "people": lambda s: import_people(s, source=new_people.encode()),
        "conversations": lambda s: import_conversations(s, FIXTURES / "conversations.csv"),
        "screening": lambda s: import_screening(s, FIXTURES / "screening.csv"),
    }

    def every_reference(store: Store) -> None:
        with store.read() as session:
            session.exec(select(Person.ref)).all()

    work: dict[str, list[int]] = {}
    for extra in (0, 2000):
        with copy_of(template, tmp_path / f"with-{extra}") as store:
            if extra:
                add_people(store, extra)
            for what, run in files.items():
                reports: list[ImportReport] = []
                work.setdefault(what, []).append(
                    _instructions(store, partial(_keep, reports, run, store))
                )
                assert reports[0].written and not reports[0].errors, what
            work.setdefault("every reference", []).append(
                _instructions(store, lambda: every_reference(store))
            )
    for what in files:
        small, large = work[what]
        assert small > 0 and large <= small + small // 50, (what, work)
    small, large = work["every reference"]
    assert large - small >= 20, work
