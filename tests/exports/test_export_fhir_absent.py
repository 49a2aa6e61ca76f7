"""FHIR says why a figure is absent (``not-applicable`` with nothing to divide, ``masked`` when
disclosure control keeps it back), and a group whose populations, each rounded on its own, do
not add up says so in a note. Hand-made tables, validated with fhir.resources."""

from __future__ import annotations

from datetime import date
from typing import Any

from fhir.resources.R4B.measurereport import MeasureReport

from outreach.exports.fhir_writer import DATA_ABSENT_REASON, ROUNDING_NOTE, bundle
from outreach.exports.table import AggregateTable, ExportPeriod
from outreach.rules.disclosure import NHS_HES_2018

Q3 = ExportPeriod(label="2024-Q3", kind="quarter", first_month="2024-07", last_month="2024-09")


def _reports(table: AggregateTable) -> dict[str, dict[str, Any]]:
    data = bundle(table.publish(NHS_HES_2018))
    reports = {}
    for entry in data["entry"]:
        MeasureReport.model_validate(entry["resource"])
        reports[entry["resource"]["measure"].rsplit("-", 1)[-1]] = entry["resource"]["group"][0]
    return reports


def _table() -> AggregateTable:
    return AggregateTable(
        site="HMP Test",
        programme="cervical-screening",
        programme_title="Cervical screening",
        period=Q3,
        as_of=date(2024, 10, 15),
    )


def _absent(reason: str) -> list[dict[str, str]]:
    return [{"url": DATA_ABSENT_REASON, "valueCode": reason}]


def test_a_rate_with_nothing_to_divide_is_not_applicable() -> None:
    table = _table()
    table.rate("uptake", 0, 0, initial_population=0, exclusions=0)
    group = _reports(table)["uptake"]
    assert "measureScore" not in group
    assert group["extension"] == _absent("not-applicable")
    assert [p.get("count") for p in group["population"]] == [0, 0, 0, 0]


def test_a_suppressed_rate_is_masked_and_so_are_its_small_counts() -> None:
    table = _table()
    table.rate("reach", 3, 20, initial_population=20)
    group = _reports(table)["reach"]
    assert group["extension"] == _absent("masked")
    numerator = [p for p in group["population"] if p["code"]["coding"][0]["code"] == "numerator"]
    assert numerator == [
        {
            "code": {"coding": numerator[0]["code"]["coding"]},
            "extension": _absent("masked"),
        }
    ]


def test_a_withheld_unit_stratum_is_masked_even_with_a_zero_count_beside_it() -> None:
    table = _table()
    table.rate("coverage", 45, 52)
    table.rate("coverage", 42, 48, "unit", "Alder Wing")
    table.rate("coverage", 3, 4, "unit", "Birch House")
    group = _reports(table)["coverage"]
    strata = group["stratifier"][0]["stratum"]
    assert [s["extension"] for s in strata] == [_absent("masked"), _absent("masked")]


def test_populations_that_do_not_add_up_after_rounding_carry_a_note() -> None:
    table = _table()
    # Exact: 466 - 13 = 453. Rounded one by one: 465 - 15 = 450, but 453 rounds to 455.
    table.rate("coverage", 400, 453, initial_population=466, exclusions=13)
    group = _reports(table)["coverage"]
    counts = {p["code"]["coding"][0]["code"]: p["count"] for p in group["population"]}
    assert counts == {
        "initial-population": 465,
        "denominator": 455,
        "denominator-exclusion": 15,
        "numerator": 400,
    }
    assert group["extension"] == [
        {
            "url": ROUNDING_NOTE,
            "valueString": "Under disclosure control nhs-hes-2018 each count is rounded on its "
            "own, so the initial population (465) minus the exclusions (15) is 450, not the "
            "denominator (455); the exact counts agree.",
        }
    ]


def test_populations_that_add_up_after_rounding_carry_no_note() -> None:
    table = _table()
    # 461 - 11 = 450: published 460 - 10 = 450.
    table.rate("coverage", 400, 450, initial_population=461, exclusions=11)
    group = _reports(table)["coverage"]
    assert "extension" not in group
