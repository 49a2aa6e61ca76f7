"""FHIR R4: a Bundle (type collection) of one summary MeasureReport per published rate.

Each report has ``group.population`` counts with the measure-population codes and a
``measureScore`` in percent, and a ``stratifier`` for every breakdown of the measure other
than the month (age band, unit, ...). A suppressed count or score is left out, and the element
carries the standard ``data-absent-reason`` extension with the code ``masked``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from outreach.exports.measures import breakdown_label, measure_info
from outreach.exports.notes import policy_line
from outreach.exports.table import MONTH, TOTAL, Kind, PublishedRow, PublishedSummary
from outreach.rules.disclosure import Published

POPULATION_SYSTEM = "http://terminology.hl7.org/CodeSystem/measure-population"
IMPROVEMENT_SYSTEM = "http://terminology.hl7.org/CodeSystem/measure-improvement-notation"
DATA_ABSENT_REASON = "http://hl7.org/fhir/StructureDefinition/data-absent-reason"
UCUM = "http://unitsofmeasure.org"
MEASURE_BASE = "urn:outreach:Measure:"
"""Canonical URLs of our measures: ``urn:outreach:Measure:<programme>-<measure>``."""
POLICY_EXTENSION = "urn:outreach:StructureDefinition:disclosure-policy"


def bundle(summary: PublishedSummary) -> dict[str, Any]:
    """The FHIR Bundle of ``summary`` as plain Python data."""
    reports = [
        _report(summary, total)
        for total in summary.rows
        if total.kind is Kind.rate and total.breakdown == TOTAL
    ]
    return {
        "resourceType": "Bundle",
        "type": "collection",
        "entry": [{"resource": report} for report in reports],
    }


def write_fhir(summary: PublishedSummary, path: Path) -> None:
    """Write ``summary`` to ``path`` as a FHIR JSON Bundle of MeasureReports."""
    text = json.dumps(bundle(summary), ensure_ascii=False, indent=2)
    path.write_text(text + "\n", encoding="utf-8")


def measure_url(summary: PublishedSummary, measure: str) -> str:
    return f"{MEASURE_BASE}{summary.programme}-{measure.replace('_', '-')}"


def _report(summary: PublishedSummary, total: PublishedRow) -> dict[str, Any]:
    info = measure_info(total.measure)
    group: dict[str, Any] = {
        "code": {"text": info.label},
        "population": _populations(total),
        **_score(total.value),
    }
    stratifiers = _stratifiers(summary, total.measure)
    if stratifiers:
        group["stratifier"] = stratifiers
    return {
        "resourceType": "MeasureReport",
        "extension": [{"url": POLICY_EXTENSION, "valueString": summary.policy.name}],
        "status": "complete",
        "type": "summary",
        "measure": measure_url(summary, total.measure),
        "date": summary.as_of.isoformat(),
        "reporter": {"display": summary.site},
        "period": {"start": summary.period.first_month, "end": summary.period.last_month},
        "improvementNotation": {
            "coding": [{"system": IMPROVEMENT_SYSTEM, "code": "increase"}],
            "text": f"Higher is better. {policy_line(summary)}",
        },
        "group": [group],
    }


def _stratifiers(summary: PublishedSummary, measure: str) -> list[dict[str, Any]]:
    by_breakdown: dict[str, list[PublishedRow]] = {}
    for row in summary.measure_rows(measure):
        if row.kind is Kind.rate and row.breakdown not in (TOTAL, MONTH):
            by_breakdown.setdefault(row.breakdown, []).append(row)
    return [
        {
            "code": [{"text": breakdown_label(breakdown)}],
            "stratum": [
                {
                    "value": {"text": row.category},
                    "population": _populations(row),
                    **_score(row.value),
                }
                for row in rows
            ],
        }
        for breakdown, rows in by_breakdown.items()
    ]


def _populations(row: PublishedRow) -> list[dict[str, Any]]:
    populations = []
    for code, published in (
        ("initial-population", row.initial_population),
        ("denominator", row.denominator),
        ("denominator-exclusion", row.exclusions),
        ("numerator", row.numerator),
    ):
        if published is None:
            continue
        population: dict[str, Any] = {
            "code": {"coding": [{"system": POPULATION_SYSTEM, "code": code}]}
        }
        if published.value is None:
            population["extension"] = [_masked()]
        else:
            population["count"] = published.value
        populations.append(population)
    return populations


def _score(score: Published) -> dict[str, Any]:
    if score.value is None:
        return {"extension": [_masked()]}
    return {"measureScore": {"value": score.value, "unit": "%", "system": UCUM, "code": "%"}}


def _masked() -> dict[str, Any]:
    return {"url": DATA_ABSENT_REASON, "valueCode": "masked"}
