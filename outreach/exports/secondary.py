"""Secondary suppression: a breakdown with a suppressed cell is withheld whole.

The HES method suppresses each small count on its own. Where a breakdown's cells add up exactly
to a total that is also published, that is not enough: the other cells and the total bound the
suppressed one, sometimes to a single value (cells 8, 8 and 1 publish as 10, 10 and * with a
total of 15, and only 1 fits). Rounding cannot close that gap; only leaving out the total or the
breakdown can. Here the headline totals stay, and every additive breakdown that holds a
suppressed cell is withheld whole: each of its figures, rates included, is published as
suppressed with the reason :data:`BREAKDOWN`.

The decision reads only what is public anyway (which cells are suppressed), never a hidden
count: withholding a breakdown only when a cell would actually be pinned would itself tell.

Exact sums in the export table (see ``builder.py``):

- coverage eligible and covered, by age band and by unit, add up to the site's figures;
- conversations by kind and by setting, and conversation outcomes, add up to the conversations;
- a rate's initial population is its denominator plus its exclusions when both are given
  (uptake: offers = resolved offers + offers still pending; coverage: eligible + clinically
  ceased, for the site only). Here the total is the figure left out (reason :data:`TOTAL`),
  because the denominator is a headline figure (the resolved offers, the eligible) and the
  pending offers are published on their own as well.

Any other breakdown of a count or a rate is treated as additive too, so a breakdown added later
is protected until someone shows it is not. Breakdowns whose categories overlap
(:data:`OVERLAPPING`) add up to nothing published: only inequalities hold (a cell is at most the
conversations or people in the period; within 2 weeks is at most within 6 weeks), and with no
equality to push against them they leave a suppressed cell at least two values, so their cells
are suppressed one by one (``tests/test_export_attack.py`` checks this with the same attack).
Figures worked out from a breakdown's cells ("more people needed" for a unit's coverage target)
are worked out from the published cells after this rule (``table.py``), so they go with it.

What this does not cover: sums across separate exports. Counts of events in a year are the sum
of its quarters and months, and each export is checked on its own, so an intruder who holds a
year and its four quarters has a sum this rule never sees. The notes of every export say so.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from outreach.exports.rows import MONTH, TOTAL, Kind, PublishedRow
from outreach.rules.disclosure import SUPPRESSED, Published

BREAKDOWN = "breakdown"
"""Reason of a figure withheld with its whole breakdown."""
TOTAL_OF_PARTS = "total"
"""Reason of a total withheld because its parts are published and one is suppressed."""
REASONS = (BREAKDOWN, TOTAL_OF_PARTS)

COUNT_PARTS = ("numerator", "denominator", "initial_population", "exclusions")
"""The count figures of a row other than its value, in the order of :class:`PublishedRow`."""


@dataclass(frozen=True)
class SumOf:
    """The rows of ``measure`` by ``breakdown`` add up, figure by figure (numerator to
    numerator, denominator to denominator, count to count), to the total row of
    ``total_measure``."""

    measure: str
    breakdown: str
    total_measure: str


ADDITIVE: tuple[SumOf, ...] = (
    SumOf("coverage", "age_band", "coverage"),
    SumOf("coverage", "unit", "coverage"),
    SumOf("conversations", "kind", "conversations"),
    SumOf("conversations", "setting", "conversations"),
    SumOf("outcomes", "outcome", "conversations"),
)
"""The exact sums among the breakdowns the builder makes (each conversation has one kind, one
setting and one outcome; each eligible resident one age band and one unit)."""

OVERLAPPING: frozenset[tuple[str, str]] = frozenset(
    {
        # A conversation can raise several barriers, and a person can raise several.
        ("barriers", "barrier"),
        ("barrier_people", "barrier"),
        # Attended within 6 weeks includes those within 2 weeks.
        ("colposcopy_attended", "within"),
    }
)
"""Breakdowns whose categories overlap, so their cells add up to nothing published."""


def protect(rows: Sequence[PublishedRow]) -> tuple[PublishedRow, ...]:
    """``rows`` with every additive breakdown that holds a suppressed count withheld whole, and
    every total of published parts one of which is suppressed withheld on its own.

    Reads only which figures are suppressed, so the outcome never depends on a hidden count.
    """
    withheld = withheld_breakdowns(rows)
    return tuple(
        _withhold(row, BREAKDOWN, _published_parts(row))
        if (row.measure, row.breakdown) in withheld
        else _withhold_total_of_parts(row)
        for row in rows
    )


def withheld_breakdowns(rows: Iterable[PublishedRow]) -> set[tuple[str, str]]:
    """The (measure, breakdown) pairs that :func:`protect` withholds whole."""
    groups: dict[tuple[str, str], list[PublishedRow]] = {}
    for row in rows:
        if row.breakdown in (TOTAL, MONTH) or row.kind not in (Kind.count, Kind.rate):
            continue
        groups.setdefault((row.measure, row.breakdown), []).append(row)
    return {
        key
        for key, members in groups.items()
        if key not in OVERLAPPING and any(_has_suppressed_count(row) for row in members)
    }


def _has_suppressed_count(row: PublishedRow) -> bool:
    if row.kind is Kind.count:
        return row.value.suppressed
    return any(part is not None and part.suppressed for part in _counts(row))


def _counts(row: PublishedRow) -> list[Published | None]:
    return [getattr(row, name) for name in COUNT_PARTS]


def _published_parts(row: PublishedRow) -> tuple[str, ...]:
    return ("value", *(name for name in COUNT_PARTS if getattr(row, name) is not None))


def _withhold_total_of_parts(row: PublishedRow) -> PublishedRow:
    """A rate's initial population is its denominator plus its exclusions, when both are given:
    with one of those suppressed, the population is left out."""
    if row.kind is not Kind.rate or row.initial_population is None or row.exclusions is None:
        return row
    parts = (row.denominator, row.exclusions)
    if row.initial_population.suppressed or not any(p is not None and p.suppressed for p in parts):
        return row
    return _withhold(row, TOTAL_OF_PARTS, ("initial_population",))


def _withhold(row: PublishedRow, reason: str, parts: tuple[str, ...]) -> PublishedRow:
    # Made field by field rather than with dataclasses.replace, which costs several times as
    # much: a region's table withholds thousands of per-site rows each quarter.
    def part(name: str, figure: Published | None) -> Published | None:
        return SUPPRESSED if name in parts else figure

    value = part("value", row.value)
    assert value is not None
    return PublishedRow(
        row.measure,
        row.breakdown,
        row.category,
        row.kind,
        value,
        part("numerator", row.numerator),
        part("denominator", row.denominator),
        part("initial_population", row.initial_population),
        part("exclusions", row.exclusions),
        parts,
        reason,
    )
