"""Any text as a unit or site name goes through every export format as data: the CSV holds it
neutralised, the workbook as string cells, the JSON exactly and valid, the HTML escaped and
the FHIR file valid; no format fails and none runs it."""

from __future__ import annotations

import csv
import dataclasses
import json
import tempfile
import zipfile
from html import escape
from pathlib import Path

import pytest
from fhir.resources.R4B.bundle import Bundle
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st
from openpyxl import load_workbook

from outreach.exports.cells import csv_text, xlsx_text
from outreach.exports.export import FORMATS
from outreach.exports.preview import ExportChoice, published_table
from outreach.exports.table import PublishedSummary
from outreach.rules.disclosure import NHS_HES_2018
from outreach.stats.period import Period
from outreach.store.store import Store
from tests.support.export_store import ALDER, AS_OF, BIRCH, PERIOD

_text = st.text(
    alphabet=st.one_of(
        st.characters(codec="utf-8"),
        st.sampled_from(
            ["=", "+", "-", "@", "\t", "\r", "\n", "[", "/", "]", "<", "&", "\x1b", "\x00"]
        ),
    ),
    min_size=1,
    max_size=300,
)


@pytest.fixture(scope="module")
def summary(filled_store: Store) -> PublishedSummary:
    return published_table(filled_store, ExportChoice(Period.parse(PERIOD), NHS_HES_2018, AS_OF))


def _renamed(summary: PublishedSummary, names: dict[str, str], site: str) -> PublishedSummary:
    rows = tuple(
        dataclasses.replace(row, category=names[row.category]) if row.breakdown == "unit" else row
        for row in summary.rows
    )
    return dataclasses.replace(summary, rows=rows, site=site)


@settings(
    max_examples=10, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(first=_text, second=_text, site=_text)
@example(first="\r", second="Wing [/] X", site='=HYPERLINK("x")')
def test_any_unit_or_site_name_goes_through_every_format_as_data(
    summary: PublishedSummary, first: str, second: str, site: str
) -> None:
    assume(first != second)
    # A unit or site name of nothing but spaces is refused when it is made (ensure_unit,
    # Store.init), and FHIR holds no string without a character that is not a space.
    assume(all(name.strip() for name in (first, second, site)))
    hostile = _renamed(summary, {ALDER: first, BIRCH: second}, site)
    with tempfile.TemporaryDirectory() as folder:
        out = Path(folder)
        for filename, write in FORMATS.values():
            write(hostile, out / filename)
        with (out / "summary.csv").open(encoding="utf-8-sig", newline="") as data:
            rows = list(csv.DictReader(data))
        units = {r["category"] for r in rows if r["breakdown"] == "unit"}
        assert units == {csv_text(first), csv_text(second)}
        cells = [
            c
            for row in csv.reader((out / "summary.csv").open(encoding="utf-8-sig", newline=""))
            for c in row
        ]
        assert [c for c in cells if c.startswith(("=", "+", "@", "\t", "\r"))] == []
        book = load_workbook(out / "summary.xlsx")
        formulas = [
            c for s in book.worksheets for r in s.iter_rows() for c in r if c.data_type == "f"
        ]
        assert formulas == []
        stored = {
            c.value for r in book["Breakdowns"].iter_rows() for c in r[2:3] if r[1].value == "Unit"
        }
        # XML keeps no carriage return and no character it cannot hold.
        assert stored == {
            xlsx_text(n).replace("\r\n", "\n").replace("\r", "\n") for n in (first, second)
        }
        document = json.loads((out / "summary.json").read_text(encoding="utf-8"))
        assert document["site"] == site
        # Bytes decoded as they are: read_text would turn a name's carriage return into "\n".
        report = (out / "report.html").read_bytes().decode("utf-8")
        assert escape(first) in report and "<script" not in report.replace(escape("<script"), "")
        Bundle.model_validate_json((out / "measure-reports.fhir.json").read_text(encoding="utf-8"))
        with zipfile.ZipFile(out / "summary.xlsx") as zipped:
            assert zipped.testzip() is None
