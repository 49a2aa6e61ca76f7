"""A whole export, read back by other people's code: csv, openpyxl, jsonschema, fhir.resources."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import jsonschema
import pytest
from fhir.resources.R4B.bundle import Bundle
from fhir.resources.R4B.measurereport import MeasureReport
from openpyxl import load_workbook

from outreach.exports.fhir_writer import POPULATION_SYSTEM
from outreach.exports.json_writer import summary_schema
from outreach.store.store import Store
from tests.support.export_store import ALDER, BIRCH, export_all
from tests.support.stores import SITE

POPULATION_CODES = {"initial-population", "denominator", "denominator-exclusion", "numerator"}


@pytest.fixture(scope="module")
def exported(filled_store: Store, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return export_all(filled_store, tmp_path_factory.mktemp("formats") / "out")


@pytest.mark.slow
def test_every_format_is_written_with_notes_and_a_signed_manifest(exported: Path) -> None:
    assert sorted(p.name for p in exported.iterdir()) == [
        "manifest.json",
        "manifest.sig",
        "measure-reports.fhir.json",
        "notes.txt",
        "report.html",
        "summary.csv",
        "summary.json",
        "summary.xlsx",
    ]


def test_csv_reads_back_with_the_coverage_at_period_end(exported: Path) -> None:
    with (exported / "summary.csv").open(encoding="utf-8-sig", newline="") as data:
        rows = list(csv.DictReader(data))
    totals = {r["measure"]: r["value"] for r in rows if r["breakdown"] == "total"}
    # 30 covered of 43 eligible -> 30 of 45 -> 66.7%.
    assert (totals["coverage"], totals["coverage.covered"], totals["coverage.eligible"]) == (
        "66.7",
        "30",
        "45",
    )
    # Birch House (3 eligible) is suppressed, so the whole unit breakdown is withheld; the age
    # bands have no small cell: 21 of 24 -> 20 of 25 -> 80.0, 9 of 19 -> 10 of 20 -> 50.0.
    units = {(r["measure"], r["category"]): r for r in rows if r["breakdown"] == "unit"}
    for unit in (ALDER, BIRCH):
        withheld = units[("coverage", unit)]
        assert (withheld["value"], withheld["suppressed"], withheld["withheld_reason"]) == (
            "",
            "true",
            "breakdown",
        )
    bands = {r["category"]: r["value"] for r in rows if r["measure"] == "coverage"}
    assert (bands["25-49"], bands["50-64"]) == ("80.0", "50.0")


def test_xlsx_reads_back_with_its_four_sheets(exported: Path) -> None:
    book = load_workbook(exported / "summary.xlsx", read_only=True)
    assert book.sheetnames == ["Summary", "Trend", "Breakdowns", "Notes"]
    trend = [r for r in book["Trend"].iter_rows(values_only=True) if r and r[0] == "2024-09"]
    assert trend == [("2024-09", 66.7, 30, 45, 90.0, 68.8)]
    summary = list(book["Summary"].iter_rows(values_only=True))
    assert ("Disclosure control", "nhs-hes-2018") in [tuple(r[:2]) for r in summary]


def test_json_validates_against_the_shipped_schema(exported: Path) -> None:
    document = json.loads((exported / "summary.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator(summary_schema()).validate(document)
    assert document["site"] == SITE and document["period"]["label"] == "2024-Q3"


def test_fhir_validates_as_r4_measure_reports(exported: Path) -> None:
    data = json.loads((exported / "measure-reports.fhir.json").read_text(encoding="utf-8"))
    Bundle.model_validate(data)
    reports = [MeasureReport.model_validate(e["resource"]) for e in data["entry"]]
    assert [r.measure.rsplit(":", 1)[1] for r in reports] == [
        "cervical-screening-coverage",
        "cervical-screening-uptake",
        "cervical-screening-reach",
        "cervical-screening-follow-ups-on-time",
    ]
    for report in reports:
        assert (report.status, report.type) == ("complete", "summary")
        assert report.improvementNotation.coding[0].code == "increase"
        assert report.period.start is not None


def _population_sets(data: dict) -> list[list[dict]]:
    sets = []
    for entry in data["entry"]:
        for group in entry["resource"]["group"]:
            sets.append(group["population"])
            for stratifier in group.get("stratifier", []):
                sets += [stratum["population"] for stratum in stratifier["stratum"]]
    return sets


def test_fhir_counts_use_the_population_codes_and_hold_together(exported: Path) -> None:
    data = json.loads((exported / "measure-reports.fhir.json").read_text(encoding="utf-8"))
    for populations in _population_sets(data):
        counts = {}
        for population in populations:
            [coding] = population["code"]["coding"]
            assert coding["system"] == POPULATION_SYSTEM and coding["code"] in POPULATION_CODES
            if "count" in population:
                assert population["count"] >= 0
                counts[coding["code"]] = population["count"]
        if "numerator" in counts and "denominator" in counts:
            assert counts["numerator"] <= counts["denominator"]


def test_fhir_coverage_has_all_four_populations(exported: Path) -> None:
    data = json.loads((exported / "measure-reports.fhir.json").read_text(encoding="utf-8"))
    coverage = data["entry"][0]["resource"]["group"][0]
    counts = {p["code"]["coding"][0]["code"]: p.get("count") for p in coverage["population"]}
    # 43 resident, applicable and aged 25-64, none ceased clinically: 43 -> 45, 0 stays 0;
    # 30 covered.
    assert counts == {
        "initial-population": 45,
        "denominator": 45,
        "denominator-exclusion": 0,
        "numerator": 30,
    }


def test_fhir_coverage_strata_give_denominator_and_numerator(exported: Path) -> None:
    """The clinically ceased are counted for the site only, so a stratum has no initial
    population or exclusion that would not add up to the site's."""
    data = json.loads((exported / "measure-reports.fhir.json").read_text(encoding="utf-8"))
    coverage = data["entry"][0]["resource"]["group"][0]
    for stratifier in coverage["stratifier"]:
        for stratum in stratifier["stratum"]:
            codes = [p["code"]["coding"][0]["code"] for p in stratum["population"]]
            assert codes == ["denominator", "numerator"]


def test_fhir_stratifies_coverage_by_age_band_and_unit(exported: Path) -> None:
    data = json.loads((exported / "measure-reports.fhir.json").read_text(encoding="utf-8"))
    coverage = data["entry"][0]["resource"]["group"][0]
    strata = {
        s["code"][0]["text"]: [x["value"]["text"] for x in s["stratum"]]
        for s in coverage["stratifier"]
    }
    assert strata == {"Age band": ["25-49", "50-64"], "Unit": [ALDER, BIRCH]}


def test_html_report_holds_the_chart_and_the_figures(exported: Path) -> None:
    html = (exported / "report.html").read_text(encoding="utf-8")
    assert "<svg" in html and "National 68.8%" in html and "Target 90.0%" in html
    assert "Coverage at the end of the period (%)" in html and "nhs-hes-2018" in html
