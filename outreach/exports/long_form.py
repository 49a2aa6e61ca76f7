"""The summary as long-form records: one published figure per record, shared by CSV and JSON."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from outreach.exports.rows import Kind, PublishedRow
from outreach.exports.table import PublishedSummary
from outreach.rules.disclosure import Published


@dataclass(frozen=True)
class Figure:
    """One published figure: ``value`` is None exactly when ``suppressed``; ``withheld_reason``
    is set when the breakdown rule withheld it (``breakdown`` or ``total``)."""

    measure: str
    breakdown: str
    category: str
    value: int | float | None
    suppressed: bool
    withheld_reason: str | None = None


def figures(summary: PublishedSummary) -> Iterator[Figure]:
    """Every published figure; a rate gives its percentage, then its numerator and denominator
    as ``<measure>.<numerator name>`` and ``<measure>.<denominator name>``."""
    for row in summary.rows:
        yield _figure(row, row.measure, row.value, "value")
        if row.kind is Kind.rate:
            info = summary.info(row.measure)
            if row.numerator is not None:
                name = f"{row.measure}.{info.numerator}"
                yield _figure(row, name, row.numerator, "numerator")
            if row.denominator is not None:
                name = f"{row.measure}.{info.denominator}"
                yield _figure(row, name, row.denominator, "denominator")


def _figure(row: PublishedRow, measure: str, published: Published, part: str) -> Figure:
    return Figure(
        measure,
        row.breakdown,
        row.category,
        published.value,
        published.suppressed,
        row.reason_for(part),
    )
