"""Undoing an import: exact row counts back, values put back, refusals that change nothing,
dry runs, the audit, ``outreach check`` afterwards, and a SIGKILL in the middle."""

from __future__ import annotations

import random
import shutil
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from freezegun import freeze_time
from sqlmodel import col, select
from typer.testing import CliRunner, Result

from outreach.cli import app
from outreach.imports.pipeline import import_conversations, import_people
from outreach.imports.undo import UndoRefused, import_batches, undo_import
from outreach.model import AuditEntry, Person, Stay
from outreach.services.conversations import LogConversation, log_conversation
from outreach.services.errors import ValidationError
from outreach.services.mentors import AddMentor, add_mentor
from outreach.services.people import UpdatePerson, update_person
from outreach.store.check import check_store
from outreach.store.engine import make_engine
from outreach.store.store import Store
from tests.support.helpers_faults import Tally, run_worker, timed_full_run
from tests.support.store_helpers import raw, table_counts
from tests.support.stores import PASSPHRASE, as_template, copy_of, new_store

TODAY = "2024-12-01"
ROLL = (
    b"ref,name,date_of_birth,unit,arrived\n"
    b"U001,Amy Stone,1980-01-02,Elm,2024-01-10\n"
    b"U002,Bea Cole,1975-05-06,Elm,2024-02-11\n"
    b"U003,Cat Lake,1990-07-08,Oak,2024-03-12\n"
)
# U001 only, renamed: with --mark-missing-left, U002 and U003 leave.
ROLL_AGAIN = b"ref,name,date_of_birth,unit,arrived\nU001,Amy Stone-Hill,1980-01-02,Elm,2024-01-10\n"
CONVERSATIONS = (
    b"ref,date,mentor,kind,attendees,minutes,setting,barriers,outcome,next_step\n"
    b"U001,2024-06-03,Dee Hartley,one_to_one,,25,wing,fear_anxiety;worry_result,"
    b"undecided_more_time,2024-06-17\n"
    b"U002,2024-06-04,Dee Hartley,one_to_one,,10,wing,,accepted_offer,\n"
)


@pytest.fixture(autouse=True)
def _today(request: pytest.FixtureRequest) -> Iterator[None]:
    if "killed" in request.node.name:  # aims its kills with the real clock
        yield
        return
    with freeze_time(TODAY):
        yield


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Store:
    """A new store with one mentor, closed; each test opens a copy with its key."""
    folder = tmp_path_factory.mktemp("template") / "store"
    with freeze_time(TODAY):
        opened = new_store(folder)
        add_mentor(opened, AddMentor(name="Dee Hartley"))
    return as_template(opened)


@pytest.fixture
def store(template: Store, tmp_path: Path) -> Iterator[Store]:
    with copy_of(template, tmp_path / "copy") as copy:
        yield copy


def _grown(before: dict[str, int], after: dict[str, int]) -> dict[str, int]:
    """Tables whose row count changed, with the change; the change log only grows (an
    undo's changes are logged too) and is counted by :func:`_logged`."""
    return {
        name: after[name] - before[name]
        for name in after
        if after[name] != before[name] and name != "change_log"
    }


def _logged(store: Store) -> dict[str, int]:
    """The change log's rows by operation."""
    with store.read() as session:
        rows = session.connection().exec_driver_sql(
            "SELECT op, count(*) FROM change_log GROUP BY op"
        )
        return {op: int(n) for op, n in rows}


def _stays(store: Store) -> list[tuple[str, date | None, str | None]]:
    with store.read() as session:
        rows = session.exec(
            select(Person.ref, Stay.left_on, Stay.left_reason).join(
                Stay, col(Stay.person_id) == col(Person.id)
            )
        ).all()
    return sorted((r[0], r[1], r[2]) for r in rows)


def _names(store: Store) -> list[tuple[str, str]]:
    with store.read() as session:
        rows = session.exec(select(Person.ref, Person.display_name)).all()
    return sorted((r[0], r[1]) for r in rows)


def _failures(store: Store) -> list[str]:
    findings = check_store(store.folder, store._data_key, store._keyfile)
    return [f"{f.name}: {f.detail}" for f in findings if not f.ok]


@pytest.mark.slow
def test_undoing_an_import_of_people_brings_every_table_back(store: Store) -> None:
    before = table_counts(store)
    report = import_people(store, ROLL)
    assert _grown(before, table_counts(store)) == {
        "person": 3,
        "person_search": 3,  # the search index, kept by triggers
        "person_pieces": 3,  # the index of short text, kept by triggers
        "stay": 3,
        "unit": 2,
        "audit": 1,
        "import_batch": 1,
        "import_change": 8,
    }
    # the template's mentor, then 3 people, 3 stays and 2 units
    assert _logged(store) == {"insert": 1 + 8}
    undone = undo_import(store)
    assert (undone.batch_id, undone.kind) == (report.batch_id, "people")
    assert (undone.removed, undone.restored) == ({"person": 3, "stay": 3, "unit": 2}, {})
    # The import's and the undo's audit rows stay, and the batch stays listed as undone; the
    # change log keeps the eight rows added and their eight deletions, for paired stores.
    assert _grown(before, table_counts(store)) == {"audit": 2, "import_batch": 1}
    assert _logged(store) == {"insert": 1 + 8, "delete": 8}


def test_undoing_mark_missing_left_puts_left_on_back_to_empty(store: Store) -> None:
    import_people(store, ROLL)
    stays = _stays(store)
    assert stays == [("U001", None, None), ("U002", None, None), ("U003", None, None)]
    report = import_people(
        store, ROLL_AGAIN, mark_missing_left=date(2024, 11, 1), confirm_sweeping=True
    )
    assert (report.updated, report.marked_left) == (1, 2)
    assert _stays(store) == [
        ("U001", None, None),
        ("U002", date(2024, 11, 1), "other"),
        ("U003", date(2024, 11, 1), "other"),
    ]
    undone = undo_import(store)
    assert (undone.removed, undone.restored) == ({}, {"person": 1, "stay": 2})
    assert _stays(store) == stays
    assert _names(store) == [("U001", "Amy Stone"), ("U002", "Bea Cole"), ("U003", "Cat Lake")]


def test_undoing_an_import_of_conversations_removes_them_and_what_they_set_in_motion(
    store: Store,
) -> None:
    import_people(store, ROLL)
    before = table_counts(store)
    report = import_conversations(store, CONVERSATIONS)
    assert report.added == 2
    grown = _grown(before, table_counts(store))
    assert {k: grown[k] for k in ("conversation", "conversation_mentor", "first_contact")} == {
        "conversation": 2,
        "conversation_mentor": 2,
        "first_contact": 2,
    }
    assert grown["conversation_barrier"] == 2
    undone = undo_import(store)
    assert undone.removed["conversation"] == 2
    assert _grown(before, table_counts(store)) == {"audit": 2, "import_batch": 1}
    assert _failures(store) == []


def test_a_conversation_logged_after_the_import_refuses_the_undo_and_nothing_changes(
    store: Store,
) -> None:
    import_people(store, ROLL)
    log_conversation(
        store,
        LogConversation(
            occurred_on=date(2024, 11, 20),
            kind="one_to_one",
            mentors=["Dee Hartley"],
            setting="wing",
            outcome="accepted_offer",
            person_ref="U002",
        ),
    )
    before, names = table_counts(store), _names(store)
    with pytest.raises(UndoRefused) as refused:
        undo_import(store)
    assert str(refused.value) == (
        "batch: import 1 cannot be undone: 1 row added since depends on what it added "
        "(1 conversation). Undo or remove the later work first; nothing was changed"
    )
    assert (refused.value.dependents, refused.value.changed) == ({"conversation": 1}, {})
    assert (table_counts(store), _names(store)) == (before, names)


def test_a_row_changed_since_the_import_refuses_the_undo(store: Store) -> None:
    import_people(store, ROLL)
    update_person(store, UpdatePerson(person_ref="U003", display_name="Cat Lake-Jones"))
    before = table_counts(store)
    with pytest.raises(UndoRefused) as refused:
        undo_import(store)
    assert (refused.value.dependents, refused.value.changed) == ({}, {"person": 1})
    assert "1 row it wrote has been changed since (1 person)" in str(refused.value)
    assert table_counts(store) == before


def test_undoing_twice_is_refused(store: Store) -> None:
    report = import_people(store, ROLL)
    assert report.batch_id is not None
    undo_import(store, report.batch_id)
    before = table_counts(store)
    with pytest.raises(ValidationError) as twice:
        undo_import(store, report.batch_id)
    assert str(twice.value) == "batch: import 1 was undone on 2024-12-01 00:00"
    with pytest.raises(ValidationError) as latest:
        undo_import(store)
    assert str(latest.value) == "batch: there is no import to undo"
    assert table_counts(store) == before


def test_a_dry_run_changes_nothing_and_reports_what_the_undo_would_do(store: Store) -> None:
    import_people(store, ROLL)
    before, stays = table_counts(store), _stays(store)
    dry = undo_import(store, dry_run=True)
    assert (dry.dry_run, dry.removed, dry.restored) == (
        True,
        {"person": 3, "stay": 3, "unit": 2},
        {},
    )
    assert (table_counts(store), _stays(store)) == (before, stays)
    assert import_batches(store)[0].undone is False
    assert undo_import(store).removed == dry.removed


def test_the_undo_audit_row_names_tables_never_values(store: Store) -> None:
    import_people(store, ROLL)
    import_people(store, ROLL_AGAIN, mark_missing_left=date(2024, 11, 1), confirm_sweeping=True)
    undo_import(store)
    with store.read() as session:
        rows = session.exec(
            select(AuditEntry.action, AuditEntry.entity, AuditEntry.entity_id, AuditEntry.fields)
            .order_by(col(AuditEntry.id).desc())
            .limit(2)
        ).all()
    assert [tuple(r) for r in rows] == [
        ("import.undo", "import_batch", 2, "person,stay"),
        ("import.people", "people", 2, "arrived,date_of_birth,left,left_reason,name,ref,unit"),
    ]
    text = repr(rows)
    assert not any(value in text for value in ("Amy", "Stone", "U00", "2024-11-01", "1980"))


def test_the_store_checks_out_after_an_undo(store: Store) -> None:
    import_people(store, ROLL)
    import_conversations(store, CONVERSATIONS)
    import_people(store, ROLL_AGAIN, mark_missing_left=date(2024, 11, 1), confirm_sweeping=True)
    undo_import(store)
    undo_import(store)
    undo_import(store)
    assert _failures(store) == []
    assert table_counts(store)["person"] == 0


def test_the_list_shows_imports_newest_first_with_who_and_whether_undone(store: Store) -> None:
    import_people(store, ROLL)
    import_people(store, ROLL_AGAIN, mark_missing_left=date(2024, 11, 1), confirm_sweeping=True)
    undo_import(store)
    batches = import_batches(store)
    assert [
        (b.id, b.kind, b.account, b.rows, b.added, b.updated, b.marked_left, b.undone)
        for b in batches
    ] == [(2, "people", "ana", 1, 0, 1, 2, True), (1, "people", "ana", 3, 3, 0, 0, False)]
    assert batches[0].undone_by == "ana"


# The command line.


@pytest.fixture
def folder(store: Store, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The copied store, which commands open with its key instead of the passphrase."""

    def unlock(path: Path | None, user: str | None) -> Store:
        engine = make_engine(store.folder / "data.db", store._data_key)
        return Store(store.folder, engine, store.actor, store._keyfile, store._data_key)

    monkeypatch.setattr("outreach.cli.import_commands.unlock", unlock)
    return store.folder


def _run(folder: Path, *args: str) -> Result:
    return CliRunner().invoke(app, ["import", *args, "--store", str(folder)])


def test_cli_undo_and_list(folder: Path, store: Store) -> None:
    import_people(store, ROLL)
    dry = _run(folder, "undo", "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert dry.output == (
        "import 1 (people): would remove 8 rows (3 person, 3 stay, 2 unit); would put back 0 "
        "rows (none) (dry run: nothing changed)\n"
    )
    done = _run(folder, "undo", "1")
    assert done.output == (
        "import 1 (people): removed 8 rows (3 person, 3 stay, 2 unit); put back 0 rows (none)\n"
    )
    listed = _run(folder, "list")
    assert listed.output == (
        "id  kind    imported          by   state\n"
        " 1  people  2024-12-01 00:00  ana  undone 2024-12-01 00:00 by ana\n"
        "    counts: 3 rows: 3 added, 0 updated, 0 unchanged\n"
    )
    again = _run(folder, "undo", "1")
    assert (again.exit_code, again.stderr) == (
        1,
        "error: batch: import 1 was undone on 2024-12-01 00:00\n",
    )


def test_cli_refused_undo_exits_1_naming_the_rows(folder: Path, store: Store) -> None:
    import_people(store, ROLL)
    import_conversations(store, CONVERSATIONS)
    result = _run(folder, "undo", "1")
    assert result.exit_code == 1
    assert result.stderr == (
        "error: batch: import 1 cannot be undone: 3 rows added since depend on what it added "
        "(2 conversation, 1 follow_up). Undo or remove the later work first; nothing was changed\n"
    )


# SIGKILL in the middle of an undo.

KILL_ROUNDS = 6


@pytest.mark.slow
def test_a_killed_undo_leaves_the_import_in_place_or_undone(
    template: Store, tmp_path: Path
) -> None:
    people = 10_000
    roll = "ref,name,date_of_birth,unit,arrived\n" + "".join(
        f"K{i:05d},Kill test {i},1980-01-01,Wing {i % 4},2024-01-01\n" for i in range(people)
    )
    prepared = tmp_path / "prepared"
    with copy_of(template, prepared) as s:
        assert import_people(s, roll.encode()).added == people
    window = timed_full_run(
        "undo", str(shutil.copytree(prepared, tmp_path / "probe")), passphrase=PASSPHRASE
    )
    rng = random.Random(11)
    tally = Tally("import undo")
    for i in range(KILL_ROUNDS):
        folder = Path(shutil.copytree(prepared, tmp_path / f"round{i}"))
        r = run_worker(
            "undo", str(folder), passphrase=PASSPHRASE, kill_after=rng.uniform(0, 2 * window)
        )
        conn = raw(folder, template._data_key)
        try:
            state = (
                conn.execute("SELECT count(*) FROM person").fetchone()[0],
                conn.execute("SELECT count(*) FROM stay").fetchone()[0],
                conn.execute("SELECT count(*) FROM import_change").fetchone()[0],
                conn.execute("SELECT undone_at IS NOT NULL FROM import_batch").fetchone()[0],
            )
        finally:
            conn.close()
        assert state in ((people, people, 2 * people + 4, 0), (0, 0, 0, 1)), state
        findings = check_store(folder, template._data_key, template._keyfile)
        assert [f.detail for f in findings if not f.ok] == []
        tally.add(r, "undone" if state[3] else "in place")
    print(tally.report())


def test_cli_counts_one_row_in_the_singular(folder: Path, store: Store) -> None:
    one = b"ref,name,date_of_birth,unit,arrived\nU009,Dot Reed,1982-02-03,Elm,2024-04-01\n"
    import_people(store, one)
    listed = _run(folder, "list")
    assert listed.output == (
        "id  kind    imported          by   state\n"
        " 1  people  2024-12-01 00:00  ana  in place\n"
        "    counts: 1 row: 1 added, 0 updated, 0 unchanged\n"
    )
    # Her person row, her stay and the unit Elm, which the import created.
    done = _run(folder, "undo", "1")
    assert done.output == (
        "import 1 (people): removed 3 rows (1 person, 1 stay, 1 unit); put back 0 rows (none)\n"
    )


def test_the_import_screen_counts_one_row_in_the_singular(store: Store) -> None:
    from outreach.tui.screens.import_file import preview_text

    one = b"ref,name,date_of_birth,unit,arrived\nU009,Dot Reed,1982-02-03,Elm,2024-04-01\n"
    report = import_people(store, one, dry_run=True)
    first = preview_text(report, "one.csv").plain.splitlines()[0]
    assert first == "one.csv: 1 row: 1 to add, 0 to update, 0 unchanged"


def test_cli_list_lines_up_the_imports_newest_first_within_80_columns(
    folder: Path, store: Store
) -> None:
    import_people(store, ROLL)
    import_conversations(store, CONVERSATIONS)
    listed = _run(folder, "list")
    # Each import's counts go under its line, which with them would pass 80 columns.
    assert listed.output == (
        "id  kind           imported          by   state\n"
        " 2  conversations  2024-12-01 00:00  ana  in place\n"
        "    counts: 2 rows: 2 added, 0 updated, 0 unchanged\n"
        " 1  people         2024-12-01 00:00  ana  in place\n"
        "    counts: 3 rows: 3 added, 0 updated, 0 unchanged\n"
    )
