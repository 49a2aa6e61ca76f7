"""FHIR R4: a Bundle (type collection) of one summary MeasureReport per published rate.

Each report has ``group.population`` counts with the measure-population codes and a
``measureScore`` in percent, and a ``stratifier`` for every breakdown of the measure other
than the month (age band, unit, ...). A figure that is not published is left out, and its
element carries the standard ``data-absent-reason`` extension saying why: ``not-applicable``
for a score with nothing to divide (a denominator of 0), ``masked`` for a count or score kept
back by disclosure control.

Counts are rounded one by one (a total after summing, as the HES method asks), so a group's
initial population minus its exclusions can differ from its denominator by a few. Where it
does, the group carries a note (extension :data:`ROUNDING_NOTE`) saying so and why, rather than
a figure moved to make the sum work.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from outreach.exports.measures import breakdown_label
from outreach.exports.notes import policy_line
from outreach.exports.rows import MONTH, TOTAL, Kind, PublishedRow
from outreach.exports.table import PublishedSummary
from outreach.rules.disclosure import Published

POPULATION_SYSTEM = "http://terminology.hl7.org/CodeSystem/measure-population"
IMPROVEMENT_SYSTEM = "http://terminology.hl7.org/CodeSystem/measure-improvement-notation"
DATA_ABSENT_REASON = "http://hl7.org/fhir/StructureDefinition/data-absent-reason"
UCUM = "http://unitsofmeasure.org"
MEASURE_BASE = "urn:outreach:Measure:"
"""Canonical URLs of our measures: ``urn:outreach:Measure:<programme>-<measure>``."""
POLICY_EXTENSION = "urn:outreach:StructureDefinition:disclosure-policy"
ROUNDING_NOTE = "urn:outreach:StructureDefinition:rounding-note"
"""A group's note that its populations, each rounded on its own, do not add up exactly."""
MASKED = "masked"
NOT_APPLICABLE = "not-applicable"


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
    info = summary.info(total.measure)
    group: dict[str, Any] = {
        "code": {"text": info.label},
        "population": _populations(total),
        **_score(total),
    }
    note = rounding_note(summary, total)
    if note is not None:
        group["extension"] = [{"url": ROUNDING_NOTE, "valueString": note}]
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
                    **_score(row),
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
            population["extension"] = [_absent(MASKED)]
        else:
            population["count"] = published.value
        populations.append(population)
    return populations


def rounding_note(summary: PublishedSummary, row: PublishedRow) -> str | None:
    """Why the row's published initial population minus exclusions is not its published
    denominator, or None when they agree (or one of them is not published)."""
    initial, excluded, denominator = (
        None if part is None else part.value
        for part in (row.initial_population, row.exclusions, row.denominator)
    )
    if not (
        isinstance(initial, int) and isinstance(excluded, int) and isinstance(denominator, int)
    ):
        return None
    if initial - excluded == denominator:
        return None
    return (
        f"Under disclosure control {summary.policy.name} each count is rounded on its own, so "
        f"the initial population ({initial}) minus the exclusions ({excluded}) is "
        f"{initial - excluded}, not the denominator ({denominator}); the exact counts agree."
    )


def absent_reason(row: PublishedRow) -> str | None:
    """Why ``row``'s score is not published: ``not-applicable`` when there is nothing to
    divide (its denominator is published as 0), ``masked`` when disclosure control keeps it
    back; None when it is published."""
    if row.value.value is not None:
        return None
    denominator = row.denominator
    if denominator is not None and denominator.value == 0:
        return NOT_APPLICABLE
    return MASKED


def _score(row: PublishedRow) -> dict[str, Any]:
    reason = absent_reason(row)
    if reason is not None:
        return {"extension": [_absent(reason)]}
    score: Published = row.value
    return {"measureScore": {"value": score.value, "unit": "%", "system": UCUM, "code": "%"}}


def _absent(reason: str) -> dict[str, Any]:
    return {"url": DATA_ABSENT_REASON, "valueCode": reason}
