"""Importing the equity fields from a roll: the headings and codes practice systems use
(ONS census codes, NHS ethnic category letters), an empty cell keeping what is stored, and a
refused value never repeated in the report."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import select

from outreach.imports.files import RowError
from outreach.imports.pipeline import import_people
from outreach.imports.undo import undo_import
from outreach.model import Person
from outreach.store.store import Store
from tests.support.stores import as_template, copy_of, frozen_on, new_store

_today = frozen_on("2024-12-01")

ROLL = (
    "Prison Number,Surname,Forename,DOB,Reception Date,Ethnic group,Disability,"
    "Learning difficulty,Main language,Interpreter required\n"
)


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Store:
    return as_template(new_store(tmp_path_factory.mktemp("template") / "store"))


@pytest.fixture
def store(template: Store, tmp_path: Path) -> Iterator[Store]:
    with copy_of(template, tmp_path / "copy", signs_slots=True) as copy:
        yield copy


def _roll(*rows: str) -> bytes:
    return (ROLL + "".join(row + "\n" for row in rows)).encode()


def _equity(store: Store) -> dict[str, tuple[str, str, str, str, str]]:
    with store.read() as session:
        return {
            p.ref: (
                p.ethnicity,
                p.disability,
                p.learning_disability,
                p.first_language,
                p.interpreter,
            )
            for p in session.exec(select(Person))
        }


def test_a_roll_with_practice_system_codes_is_read_into_the_fields(store: Store) -> None:
    report = import_people(
        store,
        _roll(
            "A1,Bee,Ann,1990-01-01,2024-01-02,B,Y,N,Polish,Yes",
            "A2,Cee,Bo,1985-03-04,2024-02-03,Z,No,,English,No",
            "A3,Dee,Cy,1970-05-06,2024-03-04,15,prefer not to say,yes,Tigrinya,",
            "A4,Eff,Di,1999-07-08,2024-04-05,,,,,",
        ),
    )
    assert report.errors == []
    assert report.added == 4
    assert _equity(store) == {
        "A1": ("white_irish", "yes", "no", "pl", "yes"),
        "A2": ("declined", "no", "not_stated", "en", "no"),
        "A3": ("white_gypsy_traveller", "declined", "yes", "ti", "not_stated"),
        "A4": ("not_stated",) * 5,
    }


def test_an_empty_cell_keeps_the_stored_value_and_undo_restores_the_old(store: Store) -> None:
    import_people(store, _roll("A1,Bee,Ann,1990-01-01,2024-01-02,B,Y,N,Polish,Yes"))
    # Changing every stored person asks for a confirmation, given here.
    report = import_people(
        store, _roll("A1,Bee,Ann,1990-01-01,2024-01-02,13,,,,no"), confirm_sweeping=True
    )
    assert (report.updated, report.errors) == (1, [])
    assert _equity(store)["A1"] == ("white_british", "yes", "no", "pl", "no")
    undo_import(store)
    assert _equity(store)["A1"] == ("white_irish", "yes", "no", "pl", "yes")


def test_an_unknown_value_is_a_line_error_that_does_not_repeat_it(store: Store) -> None:
    report = import_people(
        store,
        _roll(
            "A1,Bee,Ann,1990-01-01,2024-01-02,Secretly Klingon,Y,N,Polish,Yes",
            "A2,Cee,Bo,1985-03-04,2024-02-03,A,perhaps,,Dothraki,No",
        ),
    )
    assert report.errors == [
        RowError(2, "ethnicity", "not a recognised ethnic group value"),
        RowError(3, "disability", "not a recognised disability value"),
        RowError(3, "first_language", "not a recognised first language value"),
    ]
    assert report.added == 0
    assert _equity(store) == {}
