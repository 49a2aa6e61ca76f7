"""The plain-words notes that travel with every export: policy, period, measures, suppression."""

from __future__ import annotations

from outreach.exports.measures import measure_info
from outreach.exports.table import PublishedSummary

SUPPRESSED_IN_FHIR = (
    "In the FHIR file a suppressed count or score is left out and its place carries the "
    "standard data-absent-reason extension with the code 'masked' (withheld so no one can be "
    "identified)."
)


def policy_line(summary: PublishedSummary) -> str:
    return f"Disclosure control: {summary.policy.name}."


def notes(summary: PublishedSummary) -> list[str]:
    """The notes, one paragraph each, in the order they are shown."""
    period = summary.period
    lines = [
        f"{summary.programme_title} at {summary.site}, {period.kind} {period.label} "
        f"({period.first_month} to {period.last_month}), counted as of "
        f"{summary.as_of.isoformat()}.",
        policy_line(summary) + " " + summary.policy.description,
        "A * means the figure is withheld because it is too small to publish safely. "
        "Every figure is rounded on its own, so figures may not add up to the totals shown.",
        "Aggregates only: no names, references, notes or dates finer than a month. Periods are "
        "whole calendar months, quarters or years, so two exports can never be subtracted to "
        "single out a few people.",
        SUPPRESSED_IN_FHIR,
    ]
    if summary.national_coverage is not None:
        lines.append(
            f"National coverage for comparison: {summary.national_coverage:.1f}% "
            f"({summary.national_coverage_source})."
        )
    seen: set[str] = set()
    for row in summary.rows:
        if row.measure in seen:
            continue
        seen.add(row.measure)
        info = measure_info(row.measure)
        if info.definition:
            lines.append(f"{info.label}: {info.definition}")
    return lines
