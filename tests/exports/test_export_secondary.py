"""The breakdown rule on hand-made tables, and how each format shows what it withheld."""

from __future__ import annotations

import csv
from dataclasses import replace
from datetime import date
from pathlib import Path

import jsonschema
import pytest

from outreach.exports.csv_writer import write_csv
from outreach.exports.json_writer import summary_document, summary_schema
from outreach.exports.notes import notes
from outreach.exports.secondary import BREAKDOWN, TOTAL_OF_PARTS, withheld_breakdowns
from outreach.exports.table import AggregateTable, ExportPeriod, PublishedSummary
from outreach.rules.disclosure import NHS_HES_2018, NO_DISCLOSURE_CONTROL

Q3 = ExportPeriod(label="2024-Q3", kind="quarter", first_month="2024-07", last_month="2024-09")


def table() -> AggregateTable:
    made = AggregateTable(
        "HMP Test", "cervical-screening", "Cervical screening", Q3, date(2024, 11, 1)
    )
    # 43 eligible and 2 ceased clinically: an initial population of 45.
    made.rate("coverage", 30, 43, initial_population=45, exclusions=2)
    made.rate("coverage", 21, 24, "age_band", "25-49")
    made.rate("coverage", 9, 19, "age_band", "50-64")
    made.rate("coverage", 30, 40, "unit", "Alder Wing")
    made.rate("coverage", 0, 3, "unit", "Birch House")
    made.rate("uptake", 10, 10, initial_population=14, exclusions=4)
    made.count("conversations", 12)
    made.count("conversations", 12, "kind", "one-to-one")
    made.count("conversations", 0, "kind", "group")
    made.count("barriers", 9, "barrier", "Practical access")
    made.count("barriers", 3, "barrier", "Fear or anxiety")
    made.set_value("coverage_target", 90.0, "unit", "Birch House")
    made.needed("coverage_target_needed", 90.0, "coverage", 0, 3, "unit", "Birch House")
    return made


def published() -> PublishedSummary:
    return table().publish(NHS_HES_2018)


def test_a_breakdown_with_a_suppressed_cell_is_withheld_whole() -> None:
    rows = published().measure_rows("coverage", "unit")
    for row in rows:
        figures = (row.value, row.numerator, row.denominator)
        assert all(f is not None and f.suppressed for f in figures), row.category
        assert row.withheld == ("value", "numerator", "denominator")
        assert row.withheld_reason == BREAKDOWN
    assert [r.category for r in rows] == ["Alder Wing", "Birch House"]


def test_the_total_above_a_withheld_breakdown_is_published() -> None:
    total = published().total("coverage")
    assert total is not None and total.withheld == ("initial_population",)
    assert (total.value.value, total.numerator.value, total.denominator.value) == (  # type: ignore[union-attr]
        66.7,
        30,
        45,
    )


def test_a_breakdown_with_no_suppressed_cell_is_published() -> None:
    bands = {r.category: r.value.value for r in published().measure_rows("coverage", "age_band")}
    assert bands == {"25-49": 80.0, "50-64": 50.0}


def test_a_zero_cell_does_not_withhold_its_breakdown() -> None:
    kinds = {r.category: r.value.value for r in published().measure_rows("conversations", "kind")}
    assert kinds == {"one-to-one": 10, "group": 0}


def test_overlapping_barriers_keep_suppression_cell_by_cell() -> None:
    barriers = {r.category: r.value.value for r in published().measure_rows("barriers")}
    assert barriers == {"Practical access": 10, "Fear or anxiety": None}
    assert ("barriers", "barrier") not in withheld_breakdowns(published().rows)


def test_offers_are_withheld_when_pending_offers_are_suppressed() -> None:
    uptake = published().total("uptake")
    assert uptake is not None and uptake.initial_population is not None
    assert uptake.initial_population.suppressed and uptake.withheld_reason == TOTAL_OF_PARTS
    # The uptake percentage itself stays: 10 of 10 resolved offers.
    assert uptake.value.value == 100.0 and uptake.withheld == ("initial_population",)


def test_coverage_initial_population_is_withheld_when_the_ceased_are_suppressed() -> None:
    coverage = published().total("coverage")
    assert coverage is not None and coverage.initial_population is not None
    assert coverage.exclusions is not None and coverage.exclusions.suppressed
    # 45 = 43 + 2: published next to 45 eligible it would bound the 2 ceased.
    assert coverage.initial_population.suppressed
    assert coverage.withheld_reason == TOTAL_OF_PARTS


def test_coverage_initial_population_is_published_when_nobody_is_ceased() -> None:
    made = table()
    made.rows[0] = replace(made.rows[0], initial_population=43, exclusions=0)
    coverage = made.publish(NHS_HES_2018).total("coverage")
    assert coverage is not None and coverage.withheld == ()
    figures = (coverage.initial_population, coverage.denominator, coverage.exclusions)
    assert [f.value for f in figures if f is not None] == [45, 45, 0]


def test_a_units_needed_figure_goes_with_the_units_breakdown() -> None:
    [birch] = published().measure_rows("coverage_target_needed", "unit")
    assert birch.value.suppressed and birch.withheld_reason == BREAKDOWN


def test_a_breakdown_the_rule_does_not_know_is_treated_as_additive() -> None:
    made = table()
    made.count("colposcopy_referred", 20)
    made.count("colposcopy_referred", 17, "hospital", "North")
    made.count("colposcopy_referred", 3, "hospital", "South")
    assert ("colposcopy_referred", "hospital") in withheld_breakdowns(
        made.publish(NHS_HES_2018).rows
    )


def test_no_disclosure_control_withholds_nothing() -> None:
    summary = table().publish(NO_DISCLOSURE_CONTROL)
    assert all(row.withheld_reason is None for row in summary.rows)
    assert not any("A breakdown is withheld" in line for line in notes(summary))


def test_csv_names_the_reason_of_each_withheld_figure(tmp_path: Path) -> None:
    path = tmp_path / "summary.csv"
    write_csv(published(), path)
    with path.open(encoding="utf-8-sig", newline="") as data:
        rows = list(csv.DictReader(data))
    reasons = {(r["measure"], r["category"]): r["withheld_reason"] for r in rows}
    assert reasons[("coverage.eligible", "Alder Wing")] == "breakdown"
    assert reasons[("barriers", "Fear or anxiety")] == ""  # suppressed, not withheld
    assert reasons[("coverage", "all")] == ""


def test_json_with_withheld_figures_satisfies_the_schema() -> None:
    document = summary_document(published())
    jsonschema.Draft202012Validator(summary_schema()).validate(document)
    withheld = [f for f in document["figures"] if "withheld_reason" in f]
    assert {f["withheld_reason"] for f in withheld} == {"breakdown"}
    assert all(f["suppressed"] and f["value"] is None for f in withheld)


def test_json_schema_refuses_a_reason_on_a_published_figure() -> None:
    document = summary_document(published())
    document["figures"][0]["withheld_reason"] = "breakdown"
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.Draft202012Validator(summary_schema()).validate(document)


def test_the_notes_explain_the_rule_and_name_what_was_withheld() -> None:
    text = "\n".join(notes(published()))
    assert (
        "A breakdown is withheld when one of its cells is between 1 and 7, because its other "
        "cells and the total would otherwise reveal it." in text
    )
    assert "Withheld in this export: Coverage at the end of the period (%) by unit" in text
    assert (
        "This export was checked against the earlier exports made from this store: together "
        "they pin no figure shown as *." in text
    )
    assert "share either a year, its quarters or its months." in text
