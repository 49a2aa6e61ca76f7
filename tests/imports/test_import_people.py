"""Importing the roll: exact values, dry runs, per-line errors, all-or-nothing, idempotence."""

from __future__ import annotations

import gc
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import func
from sqlmodel import col, select

from outreach.imports.files import RowError
from outreach.imports.pipeline import import_people
from outreach.model import AuditEntry, Person, Role, Stay, Unit
from outreach.services.errors import ValidationError
from outreach.services.people import AddPerson, add_person
from outreach.store.action import Action
from outreach.store.errors import NotAllowed
from outreach.store.store import Store
from tests.support.stores import as_template, copy_of, frozen_on, new_store

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
HEADER = "ref,name,date_of_birth,unit,arrived,left,left_reason,has_cervix\n"
TODAY = "2024-12-01"


_today = frozen_on(TODAY)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Store:
    """One new store for the module, closed; each test opens a copy with its key (Argon2id
    for every test would take most of the module's time)."""
    folder = tmp_path_factory.mktemp("template") / "store"
    opened = new_store(folder)
    return as_template(opened)


@pytest.fixture
def store(template: Store, tmp_path: Path) -> Iterator[Store]:
    # The admin's slot-signing secrets come along, to sign the slots tests add.
    with copy_of(template, tmp_path / "copy", signs_slots=True) as copy:
        yield copy


def _csv(*rows: str) -> bytes:
    return (HEADER + "".join(row + "\n" for row in rows)).encode()


def _people(store: Store) -> list[tuple[str, str, date, str]]:
    with store.read() as session:
        rows = session.exec(
            select(Person.ref, Person.display_name, Person.date_of_birth, Person.has_cervix)
        ).all()
    return sorted((r[0], r[1], r[2], r[3]) for r in rows)


def _stays(store: Store) -> list[tuple[str, str | None, date, date | None, str | None]]:
    with store.read() as session:
        rows = session.exec(
            select(Person.ref, Unit.name, Stay.arrived_on, Stay.left_on, Stay.left_reason)
            .join(Person, col(Person.id) == col(Stay.person_id))
            .join(Unit, col(Unit.id) == col(Stay.unit_id), isouter=True)
        ).all()
    return sorted((r[0], r[1], r[2], r[3], r[4]) for r in rows)


def _audit(store: Store) -> list[tuple[str, str, str]]:
    with store.read() as session:
        rows = session.exec(
            select(AuditEntry.action, AuditEntry.entity, AuditEntry.fields).order_by(
                col(AuditEntry.id)
            )
        ).all()
    return [(r[0], r[1], r[2]) for r in rows]


def _count(store: Store, table: type[Person] | type[Stay]) -> int:
    with store.read() as session:
        return session.exec(select(func.count()).select_from(table)).one()


@pytest.mark.slow
def test_messy_file_keeps_names_exactly_and_reads_dates_as_uk(store: Store) -> None:
    report = import_people(store, FIXTURES / "people-messy.csv")
    assert (report.errors, report.added, report.rows) == ([], 6, 6)
    assert _people(store) == [
        ("A2001BA", "Siobhán O'Neill", date(1988, 3, 7), "yes"),
        ("A2002BB", "Zoë Ní Bhriain", date(1994, 11, 23), "yes"),
        ("A2003BC", "Kelly-Ann Morris", date(1979, 1, 5), "yes"),
        ("A2004BD", "Smith, Jo", date(2000, 12, 12), "unknown"),
        ("A2005BE", "Łucja Wiśniewska", date(1990, 2, 28), "yes"),
        ("A2006BF", "Aoife Ó Súilleabháin", date(1985, 6, 9), "yes"),
    ]
    assert _stays(store) == [
        ("A2001BA", "Elm House", date(2024, 9, 2), None, None),
        ("A2002BB", "Oak House", date(2024, 9, 16), None, None),
        ("A2003BC", "Birch House", date(2024, 9, 30), None, None),
        ("A2004BD", "Willow House", date(2024, 10, 1), None, None),
        ("A2005BE", "Elm House", date(2024, 10, 14), None, None),
        ("A2006BF", "Oak House", date(2024, 10, 21), date(2024, 11, 4), "released"),
    ]


def test_one_audit_row_names_the_columns_not_the_values(store: Store) -> None:
    before = _audit(store)
    import_people(store, FIXTURES / "people.csv")
    assert _audit(store) == [
        *before,
        (
            "import.people",
            "people",
            "arrived,date_of_birth,has_cervix,left,left_reason,name,ref,unit",
        ),
    ]


def _present(store: Store) -> None:
    """Three people already stored: two will match the file, one will have a new name."""
    import_people(
        store,
        _csv(
            "A1,Ann Lee,1990-01-01,Elm,2024-01-10,,,yes",
            "A2,Bea Cole,1985-05-05,Oak,2024-02-10,,,no",
            "A3,Cat Roe,1975-07-07,Elm,2024-03-10,,,yes",
        ),
    )


NEXT_ROLL = _csv(
    "A1,Ann Lee,1990-01-01,Elm,2024-01-10,,,yes",
    "A2,Bea Cole,1985-05-05,Oak,2024-02-10,,,no",
    "A3,Cat Roe-Smith,1975-07-07,Elm,2024-03-10,,,yes",
    "A4,Dee Fox,1992-02-02,Oak,2024-11-01,,,yes",
    "A5,Eve Hart,1999-09-09,Elm,2024-11-02,,,unknown",
    "A6,Fay Moss,1966-06-06,Oak,2024-11-03,,,yes",
)


def test_dry_run_counts_adds_updates_and_unchanged(store: Store) -> None:
    _present(store)
    report = import_people(store, NEXT_ROLL, dry_run=True)
    assert (report.added, report.updated, report.unchanged, report.errors) == (3, 1, 2, [])
    assert report.dry_run and not report.written


def test_dry_run_writes_nothing(store: Store) -> None:
    _present(store)
    files = [store.db_path, store.db_path.with_name("data.db-wal")]
    before = [f.read_bytes() if f.exists() else b"" for f in files]
    people, audit = _people(store), _audit(store)
    import_people(store, NEXT_ROLL, dry_run=True)
    assert [f.read_bytes() if f.exists() else b"" for f in files] == before
    assert (_people(store), _audit(store)) == (people, audit)


def test_real_import_matches_its_dry_run(store: Store) -> None:
    _present(store)
    # One of three stored people changes: more than a fifth, so it is confirmed.
    report = import_people(store, NEXT_ROLL, confirm_sweeping=True)
    assert (report.added, report.updated, report.unchanged, report.written) == (3, 1, 2, True)
    assert ("A3", "Cat Roe-Smith", date(1975, 7, 7), "yes") in _people(store)
    assert _count(store, Person) == 6


def test_every_error_is_listed_with_its_line_and_column(store: Store) -> None:
    report = import_people(store, FIXTURES / "people-errors.csv")
    assert [(e.line, e.field) for e in report.errors] == [
        (3, "date_of_birth"),
        (4, "date_of_birth"),
        (5, "ref"),
        (6, "ref"),
        (7, "has_cervix"),
        (8, "left"),
    ]
    assert [e.message for e in report.errors] == [
        "'31/02/1992' is not a real date",
        "2031-01-01 is in the future",
        "a reference is needed",
        "also on line 2",
        "'perhaps' is not one of yes, no, unknown",
        "2024-04-01 is before arrived",
    ]


def test_errors_never_quote_a_name(store: Store) -> None:
    report = import_people(store, FIXTURES / "people-errors.csv")
    text = "\n".join(str(e) for e in report.errors)
    for name in ("Holly", "Nadia", "Ruby", "Amber", "Erin", "Fiona"):
        assert name not in text


def test_one_bad_row_means_nothing_is_written(store: Store) -> None:
    audit = _audit(store)
    report = import_people(
        store,
        _csv(
            "A1,Ann Lee,1990-01-01,Elm,2024-01-10,,,yes",
            "A2,Bea Cole,1985-05-05,Oak,2024-02-10,,,no",
            "A3,Cat Roe,1975-07-07,Elm,31/02/2024,,,yes",
        ),
    )
    assert report.errors == [RowError(4, "arrived", "'31/02/2024' is not a real date")]
    assert not report.written
    assert (_count(store, Person), _count(store, Stay), _audit(store)) == (0, 0, audit)


def test_second_import_of_the_same_file_changes_nothing(store: Store) -> None:
    first = import_people(store, FIXTURES / "people.csv")
    people, stays, audit = _people(store), _stays(store), _audit(store)
    second = import_people(store, FIXTURES / "people.csv")
    assert (first.added, second.added, second.updated, second.unchanged) == (12, 0, 0, 12)
    assert not second.written
    assert (_people(store), _stays(store), _audit(store)) == (people, stays, audit)


def test_empty_cells_leave_stored_values_alone(store: Store) -> None:
    _present(store)
    report = import_people(store, _csv("A2,Bea Cole,1985-05-05,,2024-02-10,,,"))
    assert report.unchanged == 1
    assert ("A2", "Bea Cole", date(1985, 5, 5), "no") in _people(store)
    assert ("A2", "Oak", date(2024, 2, 10), None, None) in _stays(store)


def test_unit_move_and_leaving_update_the_matching_stay(store: Store) -> None:
    _present(store)
    report = import_people(
        store,
        _csv(
            "A1,Ann Lee,1990-01-01,Oak,2024-01-10,,,yes",
            "A2,Bea Cole,1985-05-05,Oak,2024-02-10,15/11/2024,,no",
        ),
        confirm_sweeping=True,
    )
    assert (report.updated, report.errors) == (2, [])
    stays = _stays(store)
    assert ("A1", "Oak", date(2024, 1, 10), None, None) in stays
    assert ("A2", "Oak", date(2024, 2, 10), date(2024, 11, 15), "other") in stays


def test_a_later_arrival_after_leaving_opens_a_new_stay(store: Store) -> None:
    import_people(store, _csv("A1,Ann Lee,1990-01-01,Elm,2024-01-10,2024-03-01,released,yes"))
    report = import_people(store, _csv("A1,Ann Lee,1990-01-01,Oak,2024-10-01,,,yes"))
    assert (report.updated, report.errors) == (1, [])
    assert _stays(store) == [
        ("A1", "Elm", date(2024, 1, 10), date(2024, 3, 1), "released"),
        ("A1", "Oak", date(2024, 10, 1), None, None),
    ]


def test_a_different_arrival_while_a_stay_is_open_is_refused(store: Store) -> None:
    _present(store)
    report = import_people(store, _csv("A1,Ann Lee,1990-01-01,Elm,2024-06-01,,,yes"))
    assert [(e.line, e.field) for e in report.errors] == [(2, "arrived")]
    assert "open since 2024-01-10" in report.errors[0].message


def test_mark_missing_left_records_leaving_for_residents_not_in_the_roll(store: Store) -> None:
    _present(store)
    import_people(store, _csv("A4,Dee Fox,1992-02-02,Oak,2024-11-01,2024-11-20,transferred,yes"))
    report = import_people(
        store,
        _csv("A1,Ann Lee,1990-01-01,Elm,2024-01-10,,,yes"),
        mark_missing_left=date(2024, 11, 30),
        confirm_sweeping=True,
    )
    assert (report.unchanged, report.marked_left, report.written) == (1, 2, True)
    assert _stays(store) == [
        ("A1", "Elm", date(2024, 1, 10), None, None),
        ("A2", "Oak", date(2024, 2, 10), date(2024, 11, 30), "other"),
        ("A3", "Elm", date(2024, 3, 10), date(2024, 11, 30), "other"),
        ("A4", "Oak", date(2024, 11, 1), date(2024, 11, 20), "transferred"),
    ]
    assert _audit(store)[-1] == (
        "import.people",
        "people",
        "arrived,date_of_birth,has_cervix,left,left_reason,name,ref,unit",
    )


def test_mark_missing_left_before_an_arrival_is_an_error(store: Store) -> None:
    _present(store)
    report = import_people(
        store,
        _csv("A1,Ann Lee,1990-01-01,Elm,2024-01-10,,,yes"),
        mark_missing_left=date(2024, 2, 20),
    )
    assert report.errors == [
        RowError(0, "mark_missing_left", "A3: 2024-02-20 is before the stay began on 2024-03-10")
    ]
    assert not report.written


def test_mark_missing_left_in_the_future_is_refused(store: Store) -> None:
    with pytest.raises(ValidationError, match="mark_missing_left"):
        import_people(store, _csv(), mark_missing_left=date(2025, 1, 1))


def test_progress_is_reported_from_zero_to_the_row_count(store: Store) -> None:
    calls: list[tuple[int, int]] = []
    import_people(store, FIXTURES / "people.csv", progress=lambda d, t: calls.append((d, t)))
    assert calls[0] == (0, 12) and calls[-1] == (12, 12)
    assert [d for d, _ in calls] == sorted(d for d, _ in calls)


def test_viewers_cannot_import(store: Store) -> None:
    store.add_account("vic", Role.viewer, "viewer passphrase")
    viewer = Store.unlock(store.folder, user="vic", passphrase="viewer passphrase")
    try:
        with pytest.raises(NotAllowed):
            import_people(viewer, FIXTURES / "people.csv", dry_run=True)
    finally:
        viewer.close()


@pytest.mark.parametrize(
    ("row", "column", "service_field", "kwargs"),
    [
        (
            "R" * 41 + ",Ann Lee,1990-01-01,Elm,2024-01-10,,,yes",
            "ref",
            "ref",
            {"ref": "R" * 41},
        ),
        (
            "A1,Ann Lee,1899-12-31,Elm,2024-01-10,,,yes",
            "date_of_birth",
            "date_of_birth",
            {"date_of_birth": date(1899, 12, 31)},
        ),
        (
            "A1,Ann Lee,1990-01-01,Elm,1989-12-31,,,yes",
            "arrived",
            "arrived_on",
            {"arrived_on": date(1989, 12, 31)},
        ),
        (
            "A1,Ann Lee,1990-01-01,Elm,2024-12-02,,,yes",
            "arrived",
            "arrived_on",
            {"arrived_on": date(2024, 12, 2)},
        ),
    ],
)
def test_new_people_are_refused_as_add_person_refuses_them(
    store: Store, row: str, column: str, service_field: str, kwargs: dict[str, object]
) -> None:
    person: dict[str, object] = {
        "ref": "A1",
        "display_name": "Ann Lee",
        "date_of_birth": date(1990, 1, 1),
        "unit": "Elm",
        "arrived_on": date(2024, 1, 10),
        **kwargs,
    }
    with pytest.raises(ValidationError) as refused, store.write() as session:
        add_person(Action.within(session, store.actor.id), AddPerson(**person))
    report = import_people(store, _csv(row))
    assert refused.value.field == service_field
    assert report.errors == [RowError(2, column, refused.value.problem)]


def test_an_import_leaves_its_pages_in_the_wal_for_the_checkpoint(store: Store) -> None:
    # 3,000 new people write about 2,000 pages, over SQLite's 1,000-page threshold: an
    # ordinary commit would copy them into data.db before returning.
    rows = [f"B{n:05d},Person {n},1990-01-01,Unit 1,2024-11-01,,," for n in range(3000)]
    assert store.checkpoint()
    data, wal = store.folder / "data.db", store.folder / "data.db-wal"
    before = data.stat().st_size
    report = import_people(store, source=_csv(*rows))
    assert (report.added, report.errors) == (3000, [])
    # Committed and readable, but data.db has not grown: the new pages are in the WAL alone.
    assert data.stat().st_size == before
    assert wal.stat().st_size > 1000 * 4096
    assert len(_people(store)) == 3000
    assert store.checkpoint()
    assert data.stat().st_size > before
    assert wal.stat().st_size == 0
    assert len(_people(store)) == 3000


def test_the_objects_made_before_an_import_are_spared_the_collector_only_while_it_runs(
    store: Store,
) -> None:
    rows = [f"C{n:03d},Person {n},1990-01-01,Unit 1,2024-11-01,,," for n in range(300)]
    frozen: list[int] = []

    def progress(done: int, total: int) -> None:
        frozen.append(gc.get_freeze_count())

    assert gc.get_freeze_count() == 0
    report = import_people(store, source=_csv(*rows), progress=progress)
    assert (report.added, report.errors) == (300, [])
    # Frozen while the rows were applied (the test's own objects among them), and not after.
    assert frozen and min(frozen) > 1000
    assert gc.get_freeze_count() == 0
    # A refused file gives them back too.
    refused = import_people(store, source=_csv("C999,,1990-01-01,Unit 1,2024-11-01,,,"))
    assert refused.errors
    assert gc.get_freeze_count() == 0
