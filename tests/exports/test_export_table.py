"""The aggregate table and its writers, on hand-made tables (no store)."""

from __future__ import annotations

import csv
import json
import re
from datetime import date
from pathlib import Path

import jsonschema
import pytest
from openpyxl import load_workbook

from outreach.exports.chart import trend_svg
from outreach.exports.csv_writer import HEADER, write_csv
from outreach.exports.fhir_writer import bundle
from outreach.exports.html_writer import report_html
from outreach.exports.json_writer import summary_document, summary_schema
from outreach.exports.rows import MONTH, Kind
from outreach.exports.table import AggregateRow, AggregateTable, ExportPeriod, PublishedSummary
from outreach.exports.xlsx_writer import write_xlsx
from outreach.rules.disclosure import NHS_HES_2018, NO_DISCLOSURE_CONTROL

Q3 = ExportPeriod(label="2024-Q3", kind="quarter", first_month="2024-07", last_month="2024-09")


def small_table() -> AggregateTable:
    table = AggregateTable(
        site="HMP Test",
        programme="cervical-screening",
        programme_title="Cervical screening",
        period=Q3,
        as_of=date(2024, 10, 15),
        national_coverage=68.8,
        national_coverage_source="England, March 2024",
    )
    table.rate("coverage", 45, 52, initial_population=52)
    table.rate("coverage", 3, 4, "unit", "Birch House", initial_population=4)
    table.rate("coverage", 42, 48, "unit", "Alder Wing", initial_population=48)
    table.rate("coverage_trend", 40, 52, MONTH, "2024-08")
    table.rate("coverage_trend", 45, 52, MONTH, "2024-09")
    table.count("conversations", 13)
    table.count("barriers", 2, "barrier", "Fear or anxiety")
    table.count("barriers", 0, "barrier", "Language")
    table.median("days_to_test", [3, 5, 8, 10, 12, 14, 20, 30])
    table.median("minutes", [10, 20])
    table.set_value("coverage_target", 90.0)
    return table


def summary() -> PublishedSummary:
    return small_table().publish(NHS_HES_2018)


def test_a_rate_is_worked_out_from_the_rounded_counts() -> None:
    row = summary().total("coverage")
    assert row is not None
    # 45 of 52 -> 45 of 50 -> 90.0, not 86.5.
    assert row.value.value == 90.0
    assert row.numerator is not None and row.numerator.value == 45
    assert row.denominator is not None and row.denominator.value == 50


def test_a_small_unit_is_suppressed_with_its_rate() -> None:
    [birch] = [r for r in summary().measure_rows("coverage", "unit") if r.category == "Birch House"]
    assert birch.value.suppressed and birch.numerator == birch.denominator
    assert birch.numerator is not None and birch.numerator.suppressed


def test_counts_are_suppressed_rounded_or_kept_at_zero() -> None:
    published = summary()
    values = {
        (r.measure, r.category): r.value.value for r in published.rows if r.kind is Kind.count
    }
    assert values == {
        ("conversations", "all"): 15,
        ("barriers", "Fear or anxiety"): None,
        ("barriers", "Language"): 0,
    }


def test_a_median_of_fewer_than_eight_values_is_suppressed() -> None:
    published = summary()
    assert published.total("days_to_test").value.value == 11.0  # type: ignore[union-attr]
    assert published.total("minutes").value.suppressed  # type: ignore[union-attr]


def test_a_setting_is_published_as_it_is() -> None:
    assert summary().total("coverage_target").value.value == 90.0  # type: ignore[union-attr]


def test_the_no_control_policy_publishes_exact_counts() -> None:
    row = small_table().publish(NO_DISCLOSURE_CONTROL).total("conversations")
    assert row is not None and row.value.value == 13


def test_a_rate_row_with_numerator_above_denominator_is_refused() -> None:
    with pytest.raises(ValueError, match="numerator is larger"):
        AggregateRow("coverage", "total", "all", Kind.rate, numerator=5, denominator=4)


def test_csv_is_long_form_utf8_with_bom_and_names_the_policy(tmp_path: Path) -> None:
    path = tmp_path / "summary.csv"
    write_csv(summary(), path)
    assert path.read_bytes().startswith(b"\xef\xbb\xbf")
    with path.open(encoding="utf-8-sig", newline="") as data:
        rows = list(csv.DictReader(data))
    assert tuple(rows[0]) == HEADER
    first = {k: rows[0][k] for k in ("period", "measure", "breakdown", "category", "value")}
    assert first == {
        "period": "2024-Q3",
        "measure": "coverage",
        "breakdown": "total",
        "category": "all",
        "value": "90.0",
    }
    fear = [r for r in rows if r["category"] == "Fear or anxiety"]
    assert [(r["value"], r["suppressed"]) for r in fear] == [("", "true")]
    assert {r["policy"] for r in rows} == {"nhs-hes-2018"}


def test_json_satisfies_its_schema() -> None:
    document = summary_document(summary())
    jsonschema.Draft202012Validator(summary_schema()).validate(document)
    assert document["disclosure"]["policy"] == "nhs-hes-2018"


def test_json_schema_refuses_a_suppressed_figure_with_a_value() -> None:
    document = summary_document(summary())
    document["figures"][0]["suppressed"] = True
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(summary_schema()).validate(document)


def test_json_schema_refuses_a_day_in_the_period() -> None:
    document = summary_document(summary())
    document["period"]["first_month"] = "2024-07-01"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(summary_schema()).validate(document)


def test_xlsx_has_the_four_sheets_and_stars_for_suppressed(tmp_path: Path) -> None:
    path = tmp_path / "summary.xlsx"
    write_xlsx(summary(), path)
    book = load_workbook(path, read_only=True)
    assert book.sheetnames == ["Summary", "Trend", "Breakdowns", "Notes"]
    breakdowns = [list(r) for r in book["Breakdowns"].iter_rows(values_only=True)]
    birch = next(r for r in breakdowns if r[2] == "Birch House")
    assert birch[3:] == ["*", "*", "*"]
    trend = [list(r) for r in book["Trend"].iter_rows(values_only=True)]
    assert ["2024-09", 90.0, 45, 50, 90.0, 68.8] in trend


def test_fhir_leaves_out_a_suppressed_count_and_marks_it_masked() -> None:
    [report] = [e["resource"] for e in bundle(summary())["entry"]]
    [unit_stratifier] = report["group"][0]["stratifier"]
    birch = next(s for s in unit_stratifier["stratum"] if s["value"]["text"] == "Birch House")
    masked = {
        "url": "http://hl7.org/fhir/StructureDefinition/data-absent-reason",
        "valueCode": "masked",
    }
    assert all("count" not in p and p["extension"] == [masked] for p in birch["population"])
    assert "measureScore" not in birch and birch["extension"] == [masked]


def test_the_chart_draws_only_published_percentages() -> None:
    svg = trend_svg(summary())
    assert svg.startswith("<svg") and "Target 90.0%" in svg and "National 68.8%" in svg


def test_the_report_is_self_contained() -> None:
    html = report_html(summary())
    lowered = html.lower()
    for external in ("<script", "<link", "src=", "@import"):
        assert external not in lowered
    # The only references are to the SVG's own definitions (clip paths, markers).
    assert re.findall(r"url\((?!#)", lowered) == []
    assert re.findall(r"href=\"(?!#)", lowered) == []
    assert "nhs-hes-2018" in html and "<svg" in html


def test_the_report_escapes_unit_names() -> None:
    table = small_table()
    table.rate("coverage", 10, 10, "unit", "<b>Wing</b>")
    html = report_html(table.publish(NHS_HES_2018))
    assert "<b>Wing</b>" not in html and "&lt;b&gt;Wing&lt;/b&gt;" in html


def test_the_json_text_round_trips() -> None:
    document = summary_document(summary())
    assert json.loads(json.dumps(document)) == document
