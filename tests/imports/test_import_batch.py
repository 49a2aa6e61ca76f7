"""The import's batch path (people, mentors, pathways and decisions read once for the whole
file) writes exactly the rows that entering the same events one by one writes."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path

import pytest
from freezegun import freeze_time
from sqlalchemy import text

from outreach.imports.pipeline import import_conversations, import_people, import_screening
from outreach.model import Person
from outreach.services.conversations import LogConversation, log_conversation
from outreach.services.decisions import RecordDecision, record_decision
from outreach.services.errors import ValidationError
from outreach.services.lookups import Directory, FileDirectory, Known, ids_of_refs, people_of_refs
from outreach.services.mentors import AddMentor, add_mentor
from outreach.services.screening import RecordScreeningEvent, record_screening_event
from outreach.store.store import Store
from tests.support.stores import as_template, copy_of, frozen_on, new_store

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
TODAY = "2024-12-01"

# Tables an import writes to, compared row by row (every column, ids included).
WRITTEN = (
    "conversation",
    "conversation_mentor",
    "conversation_barrier",
    "conversation_attendee",
    "decision",
    "screening_event",
    "follow_up",
)

# Rows in date order, so that the one-by-one path can enter them in the file's order.
CONVERSATIONS = """ref,date,mentor,kind,attendees,minutes,setting,barriers,outcome,next_step,note
A1001AA,2024-06-03,Dee Hartley,one_to_one,,25,wing,fear_anxiety,booked,2024-06-20,
a1002ab,2024-06-04,marcia bell;Dee Hartley,one_to_one,,10,wing,,undecided_more_time,2024-07-01,
A1003AC,2024-06-05,Lou Evans,one_to_one,,15,wing,,informed_decline,,
A1004AD,2024-06-06,Lou Evans,one_to_one,,15,wing,,informed_decline,2024-09-01,thinking
A1005AE,2024-06-07,Dee Hartley,one_to_one,,5,wing,,do_not_approach,,
A1001AA;A1002AB,2024-06-10,Dee Hartley;Lou Evans,group,6,45,group_room,not_knowing,accepted_offer,,
A1005AE,2024-06-12,Marcia Bell,one_to_one,,5,wing,,undecided_more_time,,
A1002AB,2024-06-15,Marcia Bell,one_to_one,,20,wing,,informed_decline,2024-12-01,
A1004AD,2024-06-20,Lou Evans,one_to_one,,30,wing,,booked,2024-07-05,
"""

SCREENING = """ref,date,event,hpv,cytology,sample,where,reason,note
A1002AB,2024-06-04,booked,,,,on_site,,
A1002AB,2024-06-20,did_not_attend,,,,on_site,,
A1008AH,2024-07-12,test,positive,low_grade,clinician,on_site,,
A1002AB,2024-07-18,test,positive,normal,clinician,on_site,,
A1008AH,2024-07-19,colposcopy_referred,,,,outside,,
A1002AB,2024-08-01,test,positive,normal,clinician,on_site,,
A1008AH,2024-08-16,colposcopy_attended,,,,outside,,
A1010AK,2024-09-01,ceased,,,,,no_cervix,
"""


_today = frozen_on(TODAY)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Store:
    """The sample roll, three mentors, an earlier test and a decision; closed."""
    folder = tmp_path_factory.mktemp("template") / "store"
    with freeze_time(TODAY):
        opened = new_store(folder)
        assert import_people(opened, FIXTURES / "people.csv").written
        for name in ("Dee Hartley", "Marcia Bell", "Lou Evans"):
            add_mentor(opened, AddMentor(name=name))
        # History stored before the file: a later test than the file's first one for A1002AB
        # (its action is recomputed), and a decision the conversation import must honour.
        record_screening_event(
            opened,
            RecordScreeningEvent(
                person_ref="A1002AB", occurred_on=date(2024, 11, 1), event="test", hpv="negative"
            ),
        )
        record_decision(
            opened,
            RecordDecision(
                person_ref="A1006AF", kind="do_not_approach", decided_on=date(2024, 1, 2)
            ),
        )
    return as_template(opened)


def _rows(store: Store) -> dict[str, list[tuple[object, ...]]]:
    """Every column of each written table but ``uid``: a stable id is new for every row
    however it was written, so the two ways are compared on everything else, and each row's
    id is checked to be there and its own."""
    found: dict[str, list[tuple[object, ...]]] = {}
    with store.read() as session:
        connection = session.connection()
        for table in WRITTEN:
            columns = [r[1] for r in connection.exec_driver_sql(f"PRAGMA table_info({table})")]
            kept = ", ".join(f'"{c}"' for c in columns if c != "uid")
            found[table] = [
                tuple(r) for r in connection.execute(text(f"SELECT {kept} FROM {table}"))
            ]
            uids = [r[0] for r in connection.execute(text(f"SELECT uid FROM {table}"))]
            assert None not in uids and len(set(uids)) == len(uids), table
    return found


def _change_log(store: Store) -> list[tuple[object, ...]]:
    """The change log in order (table, row, operation, fields), each stable id of a written
    row given as its table and row id, which both ways share; the clock checked to rise."""
    with store.read() as session:
        connection = session.connection()
        named = {}
        for table in (*WRITTEN, "person", "stay", "unit", "mentor"):
            for uid, row_id in connection.execute(text(f"SELECT uid, rowid FROM {table}")):
                named[uid] = f"{table}#{row_id}"
        found = []
        clocks = []
        for tbl, uid, op, data, hlc in connection.execute(
            text("SELECT tbl, uid, op, data, hlc FROM change_log ORDER BY rowid")
        ):
            fields = {k: named.get(v, v) for k, v in json.loads(data or "{}").items()}
            found.append((tbl, named.get(uid, uid), op, fields))
            clocks.append(hlc)
    assert clocks == sorted(set(clocks))
    return found


def _cells(line: str) -> list[str]:
    return line.split(",")


def _one_by_one_conversations(store: Store) -> None:
    for line in CONVERSATIONS.splitlines()[1:]:
        ref, day, mentors, kind, attendees, minutes, setting, barriers, outcome, step, note = (
            _cells(line)
        )
        refs = ref.split(";")
        log_conversation(
            store,
            LogConversation(
                occurred_on=date.fromisoformat(day),
                kind=kind,
                mentors=mentors.split(";"),
                setting=setting,
                outcome=outcome,
                minutes=int(minutes),
                person_ref=refs[0] if kind == "one_to_one" else None,
                attendees=int(attendees) if attendees else None,
                attendee_refs=refs if kind == "group" else (),
                barriers=[barriers] if barriers else [],
                next_step_on=date.fromisoformat(step) if step else None,
                note=note or None,
            ),
        )


def _one_by_one_screening(store: Store) -> None:
    for line in SCREENING.splitlines()[1:]:
        ref, day, event, hpv, cytology, sample, where, reason, note = _cells(line)
        record_screening_event(
            store,
            RecordScreeningEvent(
                person_ref=ref,
                occurred_on=date.fromisoformat(day),
                event=event,
                hpv=hpv or None,
                cytology=cytology or None,
                sample=sample or None,
                where=where or None,
                reason=reason or None,
                note=note or None,
            ),
        )


def test_imported_conversations_write_the_rows_logging_them_one_by_one_writes(
    template: Store, tmp_path: Path
) -> None:
    with copy_of(template, tmp_path / "batch") as batch, copy_of(template, tmp_path / "one") as one:
        report = import_conversations(batch, CONVERSATIONS.encode())
        assert (report.errors, report.added) == ([], 9)
        _one_by_one_conversations(one)
        imported, logged = _rows(batch), _rows(one)
    assert imported == logged
    # Worked out by hand: next steps for A1001AA, A1002AB (then replaced by its revisit
    # when it declined), A1004AD's revisit and later next step; A1003AC's revisit six
    # months on; nothing for A1005AE, who asked not to be approached (a next step for her
    # would be refused).
    assert len(imported["follow_up"]) == 6
    assert len(imported["decision"]) == 1 + 4


def test_imported_screening_writes_the_rows_recording_it_one_by_one_writes(
    template: Store, tmp_path: Path
) -> None:
    with copy_of(template, tmp_path / "batch") as batch, copy_of(template, tmp_path / "one") as one:
        report = import_screening(batch, SCREENING.encode())
        assert (report.errors, report.added) == ([], 8)
        _one_by_one_screening(one)
        imported, recorded = _rows(batch), _rows(one)
        logged_batch, logged_one = _change_log(batch), _change_log(one)
    assert imported == recorded
    # The booked and did-not-attend steps were written together, and logged for sync as
    # the trigger logs a step recorded alone: the same rows, fields and order.
    assert logged_batch == logged_one
    # Worked out by hand, after the stored test (#1) and decision: the booked (#2) and
    # did-not-attend (#3) steps, then A1008AH's test (#4) and the colposcopy follow-up it
    # opens, A1002AB's tests (#5, #7; the stored November test's action stays routine
    # recall, so no update is logged), A1008AH's referral (#6, a colposcopy follow-up is
    # open already) and attendance (#8, which completes it), and A1010AK's ceasing (#9).
    assert [entry[:3] for entry in logged_batch[-10:]] == [
        ("screening_event", "screening_event#2", "insert"),
        ("screening_event", "screening_event#3", "insert"),
        ("screening_event", "screening_event#4", "insert"),
        ("follow_up", "follow_up#1", "insert"),
        ("screening_event", "screening_event#5", "insert"),
        ("screening_event", "screening_event#6", "insert"),
        ("screening_event", "screening_event#7", "insert"),
        ("screening_event", "screening_event#8", "insert"),
        ("follow_up", "follow_up#1", "update"),
        ("screening_event", "screening_event#9", "insert"),
    ]
    # A1002AB's tests come before its stored November test, so only actions are recomputed
    # and no follow-up is made; A1008AH's colposcopy follow-up is done in August.
    assert [(row[4], row[6]) for row in imported["follow_up"]] == [("colposcopy", "done")]
    # Columns 3, 4 and 10: occurred_on, event, action. Positive with normal cytology twice
    # (12-month repeats), then the stored negative test: routine recall.
    tests = sorted((row[3], row[10]) for row in imported["screening_event"] if row[4] == "test")
    assert tests == [
        ("2024-07-12", "colposcopy_6_weeks"),
        ("2024-07-18", "repeat_12_months"),
        ("2024-08-01", "repeat_12_months"),
        ("2024-11-01", "routine_recall"),
    ]


def test_file_directory_finds_what_the_store_lookups_find(template: Store, tmp_path: Path) -> None:
    with copy_of(template, tmp_path / "copy") as store, store.read() as session:
        typed = ["A1001AA", "a1002ab", " A1003ac ", "A1004AD"]
        directory = FileDirectory(session, typed)
        for ref in typed:
            assert directory.person(session, ref).id == Directory().person(session, ref).id
        for name in ("dee hartley", "MARCIA BELL", " Lou Evans "):
            assert directory.mentor(session, name).id == Directory().mentor(session, name).id


def test_file_directory_reads_each_reference_once_for_ids_and_records(
    template: Store, tmp_path: Path
) -> None:
    # Spellings only a sync or an older store could hold (adding a person refuses a
    # reference used in another case): A1004AD's row renamed "a1003ac" clashes with the
    # older A1003AC, and A1005AE renamed "É1" folds apart in Python and in SQLite.
    with copy_of(template, tmp_path / "copy") as store:
        with store.engine.begin() as connection:
            for old, new in (("A1004AD", "a1003ac"), ("A1005AE", "\u00c91")):
                connection.execute(
                    text("UPDATE person SET ref = :new WHERE ref = :old"), {"new": new, "old": old}
                )
        with store.read() as session:
            ids = dict(session.connection().execute(text("SELECT ref, id FROM person")).all())
            typed = ["A1003AC", "a1003ac", "A1003ac", " a1001AA ", "\u00e91", "\u00c91", "Z9"]
            directory = FileDirectory(session, typed)
            # The ids as the parse step reads them: by SQLite's lower(), the oldest person
            # on a clash; "é1" is not "É1" there, and nobody is "z9".
            assert directory.ids == ids_of_refs(session, typed)
            # A screening file's people are read the same way, with what its checks need.
            people = people_of_refs(session, typed)
            assert {key: person.id for key, person in people.items()} == directory.ids
            older = session.get(Person, ids["A1003AC"])
            assert older is not None
            assert people["a1003ac"] == Known(older.id, "A1003AC", older.date_of_birth)
            assert directory.ids == {
                "a1003ac": ids["A1003AC"],
                "a1001aa": ids["A1001AA"],
                "\u00c91": ids["\u00c91"],
            }
            # The records as the checks find them: the spelling typed, else the first other
            # spelling in the order of the unique index.
            expected = {
                "A1003AC": "A1003AC",
                "a1003ac": "a1003ac",
                "A1003ac": "A1003AC",
                " a1001AA ": "A1001AA",
                "\u00e91": "\u00c91",
                "\u00c91": "\u00c91",
            }
            for ref, stored in expected.items():
                assert directory.person(session, ref).ref == stored
                assert Directory().person(session, ref).ref == stored
            with pytest.raises(ValidationError, match="no person with reference 'Z9'"):
                directory.person(session, "Z9")


def test_references_with_json_and_sql_characters_are_found_as_typed(
    template: Store, tmp_path: Path
) -> None:
    # The references are handed to SQLite as one JSON array: quotes, backslashes, brackets
    # and a would-be statement are values like any other, found as typed and never run.
    hostile = ['A"1', "B\\2", "C[3]", "D'); DROP TABLE person;--", "E\u2028\u00e95"]
    with copy_of(template, tmp_path / "copy") as store:
        with store.engine.begin() as connection:
            olds = ("A1001AA", "A1002AB", "A1003AC", "A1004AD", "A1005AE")
            for old, new in zip(olds, hostile, strict=True):
                connection.execute(
                    text("UPDATE person SET ref = :new WHERE ref = :old"), {"new": new, "old": old}
                )
        with store.read() as session:
            ids = dict(session.connection().execute(text("SELECT ref, id FROM person")).all())
            directory = FileDirectory(session, [*hostile, 'a"1'])
            assert directory.ids == {
                'a"1': ids['A"1'],
                "b\\2": ids["B\\2"],
                "c[3]": ids["C[3]"],
                "d'); drop table person;--": ids["D'); DROP TABLE person;--"],
                "e\u2028\u00e95": ids["E\u2028\u00e95"],
            }
            for ref in hostile:
                assert directory.person(session, ref).id == ids[ref]


def test_file_directory_refuses_what_the_store_lookups_refuse(
    template: Store, tmp_path: Path
) -> None:
    with copy_of(template, tmp_path / "copy") as store, store.read() as session:
        directory = FileDirectory(session, ["Z9999ZZ"])
        with pytest.raises(Exception, match="no person with reference 'Z9999ZZ'"):
            directory.person(session, "Z9999ZZ")
        with pytest.raises(Exception, match="no mentor named 'Jo Nobody'"):
            directory.mentor(session, "Jo Nobody")


def test_file_directory_numbers_conversations_after_the_highest_stored(
    template: Store, tmp_path: Path
) -> None:
    with copy_of(template, tmp_path / "copy") as store:
        assert import_conversations(store, CONVERSATIONS.encode()).added == 9
        with store.read() as session:
            directory = FileDirectory(session, [])
            assert [directory.conversation_id(session) for _ in range(2)] == [10, 11]
            assert Directory().conversation_id(session) is None


# Five new people (one of them already stored as A1001AA, matched whatever its case) and
# an update: in batches of two, new people are written in three batches.
ROLL = """ref,name,date_of_birth,unit,arrived
N1,Ana Ruiz,1990-01-02,Elm House,2024-11-01
n2,Łucja Nowak,1985-03-04,Oak House,2024-11-02
a1001aa,Jade Whitfield,1991-04-12,Elm House,2023-09-04
N3,Siobhán O'Neill,1979-05-06,Elm House,2024-11-03
N4,Bea [b] Lee,2000-07-08,New Wing,2024-11-04
N5,Cy Dunn,1970-09-10,Oak House,2024-11-05
"""


def _names(store: Store) -> dict[str, list[tuple[object, ...]]]:
    """The people and stays (every column but ``uid``) and what the name indexes hold."""
    with store.read() as session:
        connection = session.connection()
        found = {}
        for table, columns in (
            ("person", "id, ref, display_name, date_of_birth, has_cervix, created_at"),
            ("stay", "id, person_id, unit_id, arrived_on, left_on, left_reason"),
            ("person_search", "rowid, name_key"),
            ("person_pieces", "rowid, pieces"),
        ):
            found[table] = [
                tuple(r)
                for r in connection.execute(text(f"SELECT {columns} FROM {table} ORDER BY rowid"))
            ]
    return found


def test_a_roll_written_in_several_batches_stores_what_one_batch_stores(
    template: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import outreach.imports.people as people

    with copy_of(template, tmp_path / "one") as one:
        report = import_people(one, ROLL.encode())
        assert (report.errors, report.added, report.unchanged) == ([], 5, 1)
        stored_one, logged_one = _names(one), sorted(map(repr, _change_log(one)))
    monkeypatch.setattr(people, "_BATCH", 2)
    with copy_of(template, tmp_path / "many") as many:
        report = import_people(many, ROLL.encode())
        assert (report.errors, report.added, report.unchanged) == ([], 5, 1)
        stored_many, logged_many = _names(many), sorted(map(repr, _change_log(many)))
    assert stored_many == stored_one
    # The same change-log entries (the batches interleave people and stays differently).
    assert logged_many == logged_one
    # The fixture roll holds twelve people: the new ones are numbered 13 to 17 in file
    # order, each with its stay and its rows in both name indexes.
    assert [row[:3] for row in stored_many["person"][-5:]] == [
        (13, "N1", "Ana Ruiz"),
        (14, "n2", "Łucja Nowak"),
        (15, "N3", "Siobhán O'Neill"),
        (16, "N4", "Bea [b] Lee"),
        (17, "N5", "Cy Dunn"),
    ]
    assert [row[1] for row in stored_many["stay"][-5:]] == [13, 14, 15, 16, 17]
    assert [row[0] for row in stored_many["person_search"][-5:]] == [13, 14, 15, 16, 17]
    assert [row[0] for row in stored_many["person_pieces"][-5:]] == [13, 14, 15, 16, 17]
    assert stored_many["person_search"][-3][1] == "siobhanoneill"
