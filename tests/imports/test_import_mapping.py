"""Files as sites have them: a prison roll, a practice-system export and a lab list, each read
through a saved column mapping; synonyms, ignored identifiers, unit codes, the preview, dates
that prove month-first order, and the guard on sweeping changes."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import SQLModel, col, select
from typer.testing import CliRunner

from outreach.cli import app
from outreach.imports.files import RowError
from outreach.imports.mapping import (
    ColumnMapping,
    load_mapping,
    mapping_from,
    save_mapping,
    saved_mappings,
    unit_for,
)
from outreach.imports.pipeline import import_people, import_screening
from outreach.imports.run import PreviewCell, PreviewRow, ProblemGroup
from outreach.model import AuditEntry, Person, ScreeningEvent, Stay, Unit
from outreach.services.errors import ValidationError
from outreach.store.store import Store
from tests.support.stores import PASSPHRASE, frozen_on, new_store

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"
ROLL_COLUMNS = ("ref", "name", "date_of_birth", "arrived", "unit", "left")

STYAL_ROLL = mapping_from(
    "people",
    ignored=["Cell Category"],
    units={"HB1": "Ash", "HB2": "Beech", "HCC": "Healthcare"},
    known=(*ROLL_COLUMNS, "left_reason", "has_cervix"),
)


_today = frozen_on("2024-12-01")


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


def _tests(store: Store) -> list[tuple[str, date, str, str | None, str | None, str | None]]:
    with store.read() as session:
        rows = session.exec(
            select(
                Person.ref,
                ScreeningEvent.occurred_on,
                ScreeningEvent.event,
                ScreeningEvent.hpv,
                ScreeningEvent.cytology,
                ScreeningEvent.action,
            ).join(Person, col(Person.id) == col(ScreeningEvent.person_id))
        ).all()
    return sorted((r[0], r[1], r[2], r[3], r[4], r[5]) for r in rows)


def _every_stored_text(store: Store) -> str:
    """Every value of every table, as one text, to look for what must never be stored."""
    with store.read() as session:
        connection = session.connection()
        found = []
        for table in SQLModel.metadata.sorted_tables:
            for row in connection.execute(text(f'SELECT * FROM "{table.name}"')):
                found.extend(str(value) for value in row)
    return "\n".join(found)


def _roll_in(store: Store) -> None:
    save_mapping(store, "Styal roll", STYAL_ROLL)
    report = import_people(
        store, FIXTURES / "prison-roll.csv", mapping=load_mapping(store, "styal ROLL", "people")
    )
    assert (report.errors, report.added, report.written) == ([], 4, True)


def test_the_issues_roll_header_needs_no_mapping_at_all(store: Store) -> None:
    roll = (
        "Prison Number,Surname,Forename,DOB,Reception Date,Location\n"
        "A1,Lee,Ann,01/02/1990,03/04/2024,Elm\n"
    )
    report = import_people(store, roll.encode())
    assert (report.errors, report.added) == ([], 1)
    assert _people(store) == [("A1", "Ann Lee", date(1990, 2, 1), "unknown")]
    assert _stays(store) == [("A1", "Elm", date(2024, 4, 3), None, None)]


def test_an_unmapped_column_is_refused_naming_what_it_may_be(store: Store) -> None:
    report = import_people(store, FIXTURES / "prison-roll.csv", dry_run=True)
    assert report.errors == [
        RowError(
            1,
            "Cell Category",
            "column not mapped: map it to one of ref, name, date_of_birth, arrived, unit, "
            "left, left_reason, has_cervix, ethnicity, disability, learning_disability, "
            "first_language, interpreter, forename, surname, ignore",
        )
    ]
    assert [(c.text, c.target, c.how) for c in report.header] == [
        ("Prison Number", "ref", "synonym"),
        ("Surname", "surname", "synonym"),
        ("Forename", "forename", "synonym"),
        ("DOB", "date_of_birth", "synonym"),
        ("Reception Date", "arrived", "synonym"),
        ("Location", "unit", "synonym"),
        ("NHS Number", "ignore", "identifier"),
        ("Address", "ignore", "identifier"),
        ("Cell Category", None, "unmapped"),
        ("Release Date", "left", "synonym"),
    ]


def test_the_prison_roll_through_its_saved_mapping_stores_exactly_these_rows(
    store: Store,
) -> None:
    _roll_in(store)
    # Names joined forename first, accents and apostrophes kept; dates day first.
    assert _people(store) == [
        ("A4821KD", "Siobhán O'Neill", date(1990, 4, 3), "unknown"),
        ("A5002LM", "Zofia Nowak", date(1978, 11, 21), "unknown"),
        ("A5110QT", "Kerry-Ann Bennett-Ward", date(1999, 6, 30), "unknown"),
        ("A5233ZZ", "Folake Adeyemi", date(1985, 8, 15), "unknown"),
    ]
    # Location codes to units: HB2-1-014 is Beech, HB1-3-002 Ash, HCC-1-05 Healthcare.
    assert _stays(store) == [
        ("A4821KD", "Beech", date(2024, 1, 12), None, None),
        ("A5002LM", "Ash", date(2024, 2, 5), None, None),
        ("A5110QT", "Beech", date(2024, 2, 28), None, None),
        ("A5233ZZ", "Healthcare", date(2024, 3, 1), date(2024, 11, 20), "other"),
    ]


def test_ignored_and_identifier_columns_are_never_stored(store: Store) -> None:
    _roll_in(store)
    stored = _every_stored_text(store)
    for never in ("999 123 4567", "999 765 4321", "Elm Road", "Mill Street", "Wigan"):
        assert never not in stored
    with store.read() as session:
        fields = session.exec(select(AuditEntry.fields).order_by(col(AuditEntry.id))).all()
    # The audit names the stored columns, and only those.
    assert fields[-1] == "arrived,date_of_birth,left,name,ref,unit"


def test_the_preview_shows_the_first_rows_as_they_will_be_stored(store: Store) -> None:
    report = import_people(store, FIXTURES / "prison-roll.csv", dry_run=True, mapping=STYAL_ROLL)
    assert report.errors == []
    assert report.preview[0] == PreviewRow(
        2,
        (
            PreviewCell("Prison Number", "A4821KD", "A4821KD"),
            PreviewCell("Forename + Surname", "Siobhán + O'Neill", "name Siobhán O'Neill"),
            PreviewCell("DOB", "03/04/1990", "3 Apr 1990"),
            PreviewCell("Reception Date", "12/01/2024", "12 Jan 2024"),
            PreviewCell("Location", "HB2-1-014", "unit Beech"),
        ),
    )
    assert [row.line for row in report.preview] == [2, 3, 4]
    assert [(c.text, c.identifier) for c in report.ignored] == [
        ("NHS Number", "NHS number"),
        ("Address", "address"),
        ("Cell Category", None),
    ]
    assert (report.added, report.updated, report.unchanged) == (4, 0, 0)
    assert _people(store) == []


def test_the_practice_export_with_nhs_codes_through_its_saved_mapping(store: Store) -> None:
    _roll_in(store)
    practice = mapping_from(
        "screening",
        columns={"Patient ID": "ref"},
        ignored=["Surname", "First Name", "Date of Birth"],
        known=("ref", "date", "result_code", "infection_code", "action_code", "sample"),
    )
    save_mapping(store, "Practice export", practice)
    report = import_screening(
        store,
        FIXTURES / "practice-export.csv",
        mapping=load_mapping(store, "Practice export", "screening"),
    )
    assert (report.errors, report.added) == ([], 3)
    # X0A: no cytology, HPV negative; 29R: negative cytology, HPV positive; 79S: high-grade
    # (moderate), HPV positive.
    assert _tests(store) == [
        ("A4821KD", date(2024, 3, 14), "test", "negative", None, "routine_recall"),
        ("A5002LM", date(2024, 3, 19), "test", "positive", "normal", "repeat_12_months"),
        (
            "A5110QT",
            date(2024, 4, 2),
            "test",
            "positive",
            "high_grade_moderate",
            "colposcopy_2_weeks",
        ),
    ]


def test_the_lab_list_in_nhs_wording_through_its_saved_mapping(store: Store) -> None:
    _roll_in(store)
    save_mapping(
        store,
        "Lab list",
        mapping_from("screening", ignored=["Lab Number", "Patient Name"], known=("ref",)),
    )
    report = import_screening(
        store, FIXTURES / "lab-results.csv", mapping=load_mapping(store, "lab list", "screening")
    )
    assert (report.errors, report.added) == ([], 3)
    assert _tests(store) == [
        ("A4821KD", date(2024, 6, 25), "test", "negative", None, "routine_recall"),
        ("A5002LM", date(2024, 6, 18), "test", "positive", "borderline", "colposcopy_6_weeks"),
        (
            "A5233ZZ",
            date(2024, 6, 11),
            "test",
            "positive",
            "high_grade_severe",
            "colposcopy_2_weeks",
        ),
    ]
    assert "Folake" not in _every_stored_text(store).replace("Folake Adeyemi", "")


def test_saved_mappings_are_listed_and_a_missing_one_names_the_saved(store: Store) -> None:
    save_mapping(store, "Styal roll", STYAL_ROLL)
    assert [(s.name, s.mapping.kind) for s in saved_mappings(store)] == [("Styal roll", "people")]
    with pytest.raises(ValidationError) as caught:
        load_mapping(store, "Lab list", "screening")
    assert str(caught.value) == (
        "mapping: no saved mapping 'Lab list' for screening files (saved: none yet)"
    )
    with store.read() as session:
        actions = session.exec(select(AuditEntry.action)).all()
    assert "import_mapping.save" in actions


def test_a_location_matching_no_unit_code_is_refused(store: Store) -> None:
    roll = "Prison Number,Name,DOB,Reception Date,Location\nA1,Ann Lee,01/02/1990,03/04/2024,X9\n"
    report = import_people(store, roll.encode(), mapping=STYAL_ROLL)
    assert report.errors == [RowError(2, "unit", "'X9' starts with no unit code (HB1, HB2, HCC)")]


def test_unit_codes_match_the_longest_code_at_a_separator() -> None:
    units = {"HB1": "Ash", "HB10": "Yew", "STY-HB2": "Beech"}
    assert unit_for("HB1-2-003", units) == "Ash"
    assert unit_for("hb10.1", units) == "Yew"
    assert unit_for("STY-HB2-1-014", units) == "Beech"
    assert unit_for("HB12", units) is None


def test_dates_that_prove_month_first_are_refused_with_their_lines(store: Store) -> None:
    roll = (
        "ref,name,date_of_birth,arrived\n"
        "A1,Ann Lee,01/02/1990,03/04/2024\n"
        "A2,Bea Cole,04/23/1985,05/06/2024\n"
        "A3,Cy Dunn,25/12/1970,06/07/2024\n"
        "A4,Di Fox,1990-01-01,12/31/2023\n"
    )
    report = import_people(store, roll.encode())
    assert report.errors == [
        RowError(
            0,
            "dates",
            "the dates are written month first on lines 3, 5 ('04/23/1985' on line 3 has no "
            "month 23) and day first on line 4, so a date such as 03/04/2024 could be read "
            "either way and none is guessed: save the dates as dd/mm/yyyy or yyyy-mm-dd",
        )
    ]
    assert _people(store) == []


def test_problems_are_grouped_by_cause_with_their_lines(store: Store) -> None:
    roll = (
        "ref,name,date_of_birth,arrived,has_cervix\n"
        "A1,Ann Lee,01/02/1990,03/04/2024,perhaps\n"
        "A2,Bea Cole,01/02/1991,03/04/2024,yes\n"
        "A3,Cy Dunn,01/02/1992,03/04/2024,perhaps\n"
    )
    report = import_people(store, roll.encode())
    assert report.problem_groups() == [
        ProblemGroup("has_cervix", "'perhaps' is not one of yes, no, unknown", (2, 4))
    ]
    assert str(report.problem_groups()[0]) == (
        "has_cervix: 'perhaps' is not one of yes, no, unknown (lines 2, 4)"
    )


def test_changing_more_than_a_fifth_of_stored_people_needs_confirmation(store: Store) -> None:
    header = "ref,name,date_of_birth,arrived\n"
    people = "".join(f"A{n},Person {n},01/02/1990,03/04/2024\n" for n in range(1, 11))
    assert import_people(store, (header + people).encode()).written
    # Two of ten renamed: a fifth exactly, written without asking.
    renamed = people.replace("Person 1,", "Renamed 1,").replace("Person 2,", "Renamed 2,")
    assert import_people(store, (header + renamed).encode()).written
    # Three more of the ten at once: more than a fifth.
    for n in (3, 4, 5):
        renamed = renamed.replace(f"Person {n},", f"Renamed {n},")
    report = import_people(store, (header + renamed).encode())
    assert (report.ok, report.written, report.updated) == (True, False, 3)
    assert report.needs_confirmation == [
        "would change 3 of the 10 stored people (more than a fifth)"
    ]
    assert sum(name.startswith("Renamed") for _, name, _, _ in _people(store)) == 2


def test_marking_more_than_a_fifth_of_residents_as_left_needs_confirmation(store: Store) -> None:
    header = "ref,name,date_of_birth,arrived\n"
    people = [f"A{n},Person {n},01/02/1990,03/04/2024\n" for n in range(1, 11)]
    assert import_people(store, (header + "".join(people)).encode()).written
    # Three of ten missing from the roll: more than a fifth.
    short = (header + "".join(people[3:])).encode()
    report = import_people(store, short, mark_missing_left=date(2024, 11, 30))
    assert (report.written, report.marked_left) == (False, 3)
    assert report.needs_confirmation == [
        "would mark 3 of 10 current residents as left (more than a fifth)"
    ]
    assert [s[3] for s in _stays(store)] == [None] * 10
    confirmed = import_people(
        store, short, mark_missing_left=date(2024, 11, 30), confirm_sweeping=True
    )
    assert (confirmed.written, confirmed.marked_left) == (True, 3)
    # Two more missing of the seven still resident: 2 x 5 = 10 > 7, so it asks again.
    shorter = (header + "".join(people[5:])).encode()
    again = import_people(store, shorter, mark_missing_left=date(2024, 11, 30))
    assert again.needs_confirmation == [
        "would mark 2 of 7 current residents as left (more than a fifth)"
    ]


@pytest.mark.slow
def test_the_cli_saves_a_mapping_and_reuses_it(tmp_path: Path) -> None:
    folder = tmp_path / "store"
    new_store(folder).close()
    env = {"OUTREACH_PASSPHRASE": PASSPHRASE}
    runner = CliRunner()
    roll = str(FIXTURES / "prison-roll.csv")
    dry = runner.invoke(
        app,
        [
            *("import", "people", roll, "--dry-run", "--ignore", "Cell Category"),
            *("--unit", "HB1=Ash", "--unit", "HB2=Beech", "--unit", "HCC=Healthcare"),
            *("--save-mapping", "Styal roll", "--store", str(folder)),
        ],
        env=env,
    )
    assert dry.exit_code == 0, dry.output
    lines = dry.stdout.splitlines()
    assert lines[:11] == [
        "Columns:",
        "  Prison Number   → ref",
        "  Surname         → surname",
        "  Forename        → forename",
        "  DOB             → date_of_birth",
        "  Reception Date  → arrived",
        "  Location        → unit",
        "  NHS Number      ignored (NHS number: the store does not keep it)",
        "  Address         ignored (address: the store does not keep it)",
        "  Cell Category   ignored",
        "  Release Date    → left",
    ]
    assert lines[11:18] == [
        "First 3 rows as they will be stored:",
        "  line 2:",
        "    Prison Number: A4821KD → A4821KD",
        "    Forename + Surname: Siobhán + O'Neill → name Siobhán O'Neill",
        "    DOB: 03/04/1990 → 3 Apr 1990",
        "    Reception Date: 12/01/2024 → 12 Jan 2024",
        "    Location: HB2-1-014 → unit Beech",
    ]
    assert lines[-1] == (
        "prison-roll.csv: 4 rows; 4 to add, 0 to update, 0 unchanged (dry run: nothing written)"
    )
    assert "mapping 'Styal roll' saved for people files" in dry.stderr
    real = runner.invoke(
        app,
        ["import", "people", roll, "--mapping", "Styal roll", "--store", str(folder)],
        env=env,
    )
    assert real.exit_code == 0, real.output
    assert real.stdout == "prison-roll.csv: 4 rows; 4 added, 0 updated, 0 unchanged\n"
    listed = runner.invoke(app, ["import", "mappings", "--store", str(folder)], env=env)
    assert listed.stdout.splitlines()[0] == "Styal roll (people)"
    assert "  units: HB1=Ash, HB2=Beech, HCC=Healthcare" in listed.stdout.splitlines()


def test_a_mapping_to_an_unknown_column_is_refused() -> None:
    with pytest.raises(ValidationError) as caught:
        mapping_from("people", columns={"Cell": "cell"}, known=ROLL_COLUMNS)
    assert str(caught.value).startswith("map: 'cell' is not a column of people files: ref, name")


def test_a_mapping_round_trips_through_json() -> None:
    assert ColumnMapping.from_json("people", STYAL_ROLL.to_json()) == STYAL_ROLL


@pytest.mark.slow
def test_control_characters_in_a_file_never_reach_the_terminal(tmp_path: Path) -> None:
    folder = tmp_path / "store"
    new_store(folder).close()
    roll = tmp_path / "roll.csv"
    roll.write_bytes(
        b"ref,name,date_of_birth,arrived,\x1b]0;owned\x07\nA1,\x1b[2JAnn,01/02/1990,03/04/2024,x\n"
    )
    result = CliRunner().invoke(
        app,
        ["import", "people", str(roll), "--dry-run", "--store", str(folder)],
        env={"OUTREACH_PASSPHRASE": PASSPHRASE},
    )
    assert result.exit_code == 1
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert "  ?]0;owned?     not mapped: use --map or --ignore" in result.stdout.splitlines()
