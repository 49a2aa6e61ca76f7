"""Check one published summary in every format, read back by other people's code: the JSON
against its schema, the FHIR Bundle with fhir.resources, and CSV, XLSX, JSON, FHIR and HTML
carrying exactly the same published figures."""

from __future__ import annotations

import csv
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import jsonschema
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.measurereport import MeasureReport

from outreach.exports.csv_writer import write_csv
from outreach.exports.fhir_writer import bundle
from outreach.exports.html_writer import report_html
from outreach.exports.json_writer import summary_document, summary_schema
from outreach.exports.long_form import figures
from outreach.exports.measures import breakdown_label, measure_info
from outreach.exports.rows import MONTH, TOTAL, Kind, PublishedRow
from outreach.exports.table import PublishedSummary
from outreach.exports.xlsx_writer import write_xlsx
from outreach.rules.disclosure import Published

Figure = tuple[str, str, str, int | float | None, bool, str | None]
"""measure, breakdown, category, value, suppressed, withheld reason."""

_VALIDATOR = jsonschema.Draft202012Validator(summary_schema())


def _text(published: Published | None) -> str:
    return "" if published is None else published.text


def _cell(published: Published | None) -> int | float | str | None:
    if published is None:
        return None
    return "*" if published.value is None else published.value


def expected_figures(summary: PublishedSummary) -> list[Figure]:
    """Every published figure, from the summary itself."""
    return [
        (f.measure, f.breakdown, f.category, f.value, f.suppressed, f.withheld_reason)
        for f in figures(summary)
    ]


def json_figures(document: dict[str, Any]) -> list[Figure]:
    return [
        (
            f["measure"],
            f["breakdown"],
            f["category"],
            f["value"],
            f["suppressed"],
            f.get("withheld_reason"),
        )
        for f in document["figures"]
    ]


def csv_figures(path: Path) -> list[Figure]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        rows = list(csv.DictReader(handle))
    found: list[Figure] = []
    for row in rows:
        value: int | float | None = None
        if row["value"]:
            value = float(row["value"]) if "." in row["value"] else int(row["value"])
        found.append(
            (
                row["measure"],
                row["breakdown"],
                _unquoted(row["category"]),
                value,
                row["suppressed"] == "true",
                row["withheld_reason"] or None,
            )
        )
    return found


def _unquoted(text: str) -> str:
    """A CSV text cell as it was before ``csv_text`` quoted a leading formula trigger."""
    if text[:1] == "'" and text[1:2] and text[1] in "=+-@\t\r":
        return text[1:]
    return text


def _table_rows(rows: list[PublishedRow]) -> list[tuple[Any, ...]]:
    """The rows of the Summary or Breakdowns table as the XLSX holds them."""
    return [
        (
            measure_info(r.measure).label,
            breakdown_label(r.breakdown),
            r.category,
            _cell(r.value),
            _cell(r.numerator),
            _cell(r.denominator),
        )
        for r in rows
    ]


def xlsx_tables(path: Path) -> dict[str, list[tuple[Any, ...]]]:
    """The figure rows of the Summary, Breakdowns and Trend sheets."""
    from openpyxl import load_workbook

    book = load_workbook(path, read_only=True)
    try:
        found = {}
        for name in ("Summary", "Breakdowns", "Trend"):
            rows = [tuple(row) for row in book[name].iter_rows(values_only=True)]
            header = 5  # title, period, as of, policy, a blank line; then the column names
            found[name] = [row[:6] for row in rows[header + 1 :]]
        return found
    finally:
        book.close()


class _Cells(HTMLParser):
    """The text of every table cell of an HTML document, row by row."""

    def __init__(self) -> None:
        super().__init__()
        self.rows: list[list[str]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "tr":
            self.rows.append([])
        elif tag == "td":
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "td" and self._cell is not None:
            self.rows[-1].append("".join(self._cell))
            self._cell = None

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)


def html_rows(text: str) -> list[tuple[str, ...]]:
    parser = _Cells()
    parser.feed(text)
    return [tuple(row) for row in parser.rows if row]


def fhir_figures(data: dict[str, Any]) -> dict[tuple[str, str], dict[str, Any]]:
    """(measure URL, category or ``all``) -> populations and score, from the Bundle."""
    found: dict[tuple[str, str], dict[str, Any]] = {}

    def read(group: dict[str, Any]) -> dict[str, Any]:
        counts = {
            p["code"]["coding"][0]["code"]: p.get(
                "count", p.get("extension", [{}])[0].get("valueCode")
            )
            for p in group["population"]
        }
        score = group.get("measureScore", {}).get("value")
        absent = None if score is not None else group["extension"][-1]["valueCode"]
        return {"counts": counts, "score": score, "absent": absent}

    for entry in data["entry"]:
        report = entry["resource"]
        group = report["group"][0]
        found[(report["measure"], "all")] = read(group)
        for stratifier in group.get("stratifier", []):
            for stratum in stratifier["stratum"]:
                key = (report["measure"], stratum["value"]["text"])
                assert key not in found
                found[key] = read(stratum)
    return found


def _fhir_expected(summary: PublishedSummary) -> dict[tuple[str, str], dict[str, Any]]:
    from outreach.exports.fhir_writer import absent_reason, measure_url

    expected = {}
    rates = [r for r in summary.rows if r.kind is Kind.rate and r.breakdown != MONTH]
    with_total = {r.measure for r in rates if r.breakdown == TOTAL}
    for row in rates:
        if row.measure not in with_total:
            continue
        counts = {}
        for code, published in (
            ("initial-population", row.initial_population),
            ("denominator", row.denominator),
            ("denominator-exclusion", row.exclusions),
            ("numerator", row.numerator),
        ):
            if published is not None:
                counts[code] = "masked" if published.value is None else published.value
        category = "all" if row.breakdown == TOTAL else row.category
        expected[(measure_url(summary, row.measure), category)] = {
            "counts": counts,
            "score": row.value.value,
            "absent": absent_reason(row),
        }
    return expected


def assert_formats_agree(summary: PublishedSummary, folder: Path) -> None:
    """Write ``summary`` as CSV and XLSX into ``folder``, make its JSON, FHIR and HTML in
    memory, validate the JSON and FHIR, and assert every format carries its figures."""
    folder.mkdir(parents=True, exist_ok=True)
    expected = expected_figures(summary)
    # No withheld figure carries a number.
    assert all(f[3] is None for f in expected if f[5] is not None)

    document = summary_document(summary)
    _VALIDATOR.validate(document)
    assert json_figures(document) == expected

    write_csv(summary, folder / "summary.csv")
    assert csv_figures(folder / "summary.csv") == expected

    write_xlsx(summary, folder / "summary.xlsx")
    sheets = xlsx_tables(folder / "summary.xlsx")
    totals = [r for r in summary.rows if r.breakdown == TOTAL]
    breakdowns = [r for r in summary.rows if r.breakdown not in (TOTAL, MONTH)]
    assert sheets["Summary"] == _table_rows(totals)
    assert sheets["Breakdowns"] == _table_rows(breakdowns)
    trend = [r for r in summary.measure_rows("coverage_trend", MONTH) if r.kind is Kind.rate]
    assert [row[:4] for row in sheets["Trend"]] == [
        (r.category, _cell(r.value), _cell(r.numerator), _cell(r.denominator)) for r in trend
    ]

    data = bundle(summary)
    Bundle.model_validate(data)
    for entry in data["entry"]:
        MeasureReport.model_validate(entry["resource"])
    assert fhir_figures(data) == _fhir_expected(summary)

    html = html_rows(report_html(summary))
    assert html == [
        (
            measure_info(r.measure).label,
            breakdown_label(r.breakdown),
            r.category,
            _text(r.value),
            _text(r.numerator),
            _text(r.denominator),
        )
        for r in totals + breakdowns
    ]
