"""The plain-words notes that travel with every export: policy, period, measures, suppression."""

from __future__ import annotations

from outreach.exports.measures import breakdown_label
from outreach.exports.secondary import BREAKDOWN, TOTAL_OF_PARTS
from outreach.exports.table import PublishedSummary

SUPPRESSED_IN_FHIR = (
    "In the FHIR file a figure that is not published is left out and its place carries the "
    "standard data-absent-reason extension: 'masked' for a count or score withheld so no one "
    "can be identified, 'not-applicable' for a score with nothing to divide (no one in its "
    "denominator). Counts are rounded one by one, so an initial population minus its "
    "exclusions can differ from the denominator by a few; a report where it does carries a "
    "note saying so."
)


ACROSS_EXPORTS = (
    "Counts of events (conversations, minutes, offers, referrals, outcomes) in a year add up "
    "to those of its quarters and months. This export was checked against the earlier "
    "exports made from this store: together they pin no figure shown as *. Exports made from "
    "another copy of the store cannot be seen, and combining them may narrow a figure shown "
    "as * here: when counts are small, share either a year, its quarters or its months."
)


def breakdown_rule(summary: PublishedSummary) -> list[str]:
    """The breakdown rule in plain words, and what it withheld in this export (nothing under a
    policy that suppresses nothing)."""
    policy = summary.policy
    if policy.suppress_to < policy.suppress_from:
        return []
    lines = [
        f"A breakdown is withheld when one of its cells is between {policy.suppress_from} and "
        f"{policy.suppress_to}, because its other cells and the total would otherwise reveal "
        "it. All its figures, percentages included, are then shown as * (in the CSV and JSON "
        f"files with the withheld reason '{BREAKDOWN}'), and the total is still published. "
        "Whether a breakdown is withheld depends only on which of its cells are *, never on "
        "the hidden counts. Breakdowns whose categories overlap (barriers: a conversation or a "
        "person can raise several; colposcopy attended within 2 weeks, which are also within "
        "6 weeks) add up to nothing published, so their small cells are shown as * one by one.",
        "The number of offers (the initial population of uptake, in the FHIR file) is withheld "
        "when the resolved or the pending offers are *, because it is their sum "
        f"(withheld reason '{TOTAL_OF_PARTS}'). In the same way, the initial population of "
        "coverage (eligible residents plus those clinically ceased) is withheld when the "
        "number clinically ceased is *.",
    ]
    withheld: list[str] = []
    for row in summary.rows:
        if row.withheld_reason != BREAKDOWN:
            continue
        name = f"{summary.info(row.measure).label} by {breakdown_label(row.breakdown).lower()}"
        if name not in withheld:
            withheld.append(name)
    if withheld:
        lines.append("Withheld in this export: " + "; ".join(withheld) + ".")
    return lines


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
        *breakdown_rule(summary),
        "Aggregates only: no names, references, notes or dates finer than a month. Periods are "
        "whole calendar months, quarters or years, never arbitrary ranges, and every figure is "
        "rounded or withheld on its own, so subtracting the exports of two neighbouring periods "
        "always leaves more than one possible difference.",
        ACROSS_EXPORTS,
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
        info = summary.info(row.measure)
        if info.definition:
            lines.append(f"{info.label}: {info.definition}")
    return lines
