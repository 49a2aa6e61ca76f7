"""The one aggregate table every export format is written from.

:class:`AggregateTable` holds exact counts, in memory only. :meth:`AggregateTable.publish` puts
every figure through a disclosure policy and returns a :class:`PublishedSummary`, the only
thing the writers ever see, so no format can show a raw count. Publishing ends with the
breakdown rule of :mod:`outreach.exports.secondary`, so every format withholds the same figures.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date

from outreach.exports.measures import MeasureInfo, measure_info
from outreach.exports.rows import ALL, TOTAL, Kind, PublishedRow
from outreach.exports.secondary import protect
from outreach.rules.disclosure import (
    SUPPRESSED,
    DisclosurePolicy,
    Published,
    publish_count,
    publish_median,
    publish_rate,
)
from outreach.stats.progress import needed_to_reach


@dataclass(frozen=True)
class ExportPeriod:
    """A whole calendar month, quarter or year, named by its label and its months."""

    label: str
    """``2024``, ``2024-Q3`` or ``2024-03``."""
    kind: str
    """``year``, ``quarter`` or ``month``."""
    first_month: str
    """``YYYY-MM`` of the first month in the period."""
    last_month: str
    """``YYYY-MM`` of the last month in the period."""


@dataclass(frozen=True)
class AggregateRow:
    """One exact figure, before disclosure control.

    A ``count`` uses ``numerator``; a ``rate`` uses ``numerator`` and ``denominator`` (and, when
    known, the ``initial_population`` and ``exclusions`` that led to the denominator); a
    ``median`` uses ``values``; a ``setting`` uses ``setting``; ``needed`` uses the target in
    ``setting``, and ``source``, the rate measure whose row of the same breakdown and category
    it is worked out from (``numerator`` and ``denominator`` are that row's, for when the table
    has no such row).
    """

    measure: str
    breakdown: str
    category: str
    kind: Kind
    numerator: int = 0
    denominator: int = 0
    values: tuple[float, ...] = ()
    setting: float | None = None
    initial_population: int | None = None
    exclusions: int | None = None
    source: str | None = None

    def __post_init__(self) -> None:
        if min(self.numerator, self.denominator) < 0:
            raise ValueError(f"{self.measure}: counts cannot be negative")
        if self.kind is Kind.rate and self.numerator > self.denominator:
            raise ValueError(f"{self.measure}: numerator is larger than denominator")
        if self.kind in (Kind.setting, Kind.needed) and self.setting is None:
            raise ValueError(f"{self.measure}: a setting or needed row needs its value")
        if self.kind is Kind.needed and self.source is None:
            raise ValueError(f"{self.measure}: a needed row names its source rate")


@dataclass(frozen=True)
class PublishedSummary:
    """Everything an export shows, with no raw count anywhere in it."""

    site: str
    programme: str
    programme_title: str
    period: ExportPeriod
    as_of: date
    policy: DisclosurePolicy
    rows: tuple[PublishedRow, ...]
    national_coverage: float | None = None
    national_coverage_source: str = ""
    catalogue: tuple[tuple[str, MeasureInfo], ...] = ()
    """Names and definitions of the measures only this programme has (a testing programme's
    stages); the shared catalogue (``measures.py``) names the rest."""
    site_org_units: tuple[tuple[str, str], ...] = ()
    """A region's table: each category of its per-site breakdown with that site's org unit
    code, so ADX and DHIS2 files can give each site's figures under its own org unit."""

    def info(self, measure: str) -> MeasureInfo:
        """How ``measure`` is named and explained in this export."""
        return dict(self.catalogue).get(measure) or measure_info(measure)

    def measure_rows(self, measure: str, breakdown: str | None = None) -> list[PublishedRow]:
        """The rows of ``measure``, in table order, optionally of one ``breakdown``."""
        return [
            row
            for row in self.rows
            if row.measure == measure and (breakdown is None or row.breakdown == breakdown)
        ]

    def total(self, measure: str) -> PublishedRow | None:
        """The ``total`` row of ``measure``, if the table has one."""
        rows = self.measure_rows(measure, TOTAL)
        return rows[0] if rows else None


@dataclass
class AggregateTable:
    """The exact figures of one export, in the order they are shown."""

    site: str
    programme: str
    programme_title: str
    period: ExportPeriod
    as_of: date
    rows: list[AggregateRow] = field(default_factory=list)
    national_coverage: float | None = None
    national_coverage_source: str = ""
    catalogue: dict[str, MeasureInfo] = field(default_factory=dict)
    """Names and definitions of this programme's own measures (see ``PublishedSummary``)."""
    site_org_units: dict[str, str] = field(default_factory=dict)
    """A region's per-site categories with each site's org unit code (see
    ``PublishedSummary``)."""

    def add(self, row: AggregateRow) -> None:
        self.rows.append(row)

    def count(self, measure: str, n: int, breakdown: str = TOTAL, category: str = ALL) -> None:
        self.add(AggregateRow(measure, breakdown, category, Kind.count, numerator=n))

    def rate(
        self,
        measure: str,
        numerator: int,
        denominator: int,
        breakdown: str = TOTAL,
        category: str = ALL,
        *,
        initial_population: int | None = None,
        exclusions: int | None = None,
    ) -> None:
        self.add(
            AggregateRow(
                measure,
                breakdown,
                category,
                Kind.rate,
                numerator=numerator,
                denominator=denominator,
                initial_population=initial_population,
                exclusions=exclusions,
            )
        )

    def median(
        self, measure: str, values: Sequence[float], breakdown: str = TOTAL, category: str = ALL
    ) -> None:
        self.add(AggregateRow(measure, breakdown, category, Kind.median, values=tuple(values)))

    def set_value(
        self, measure: str, value: float, breakdown: str = TOTAL, category: str = ALL
    ) -> None:
        self.add(AggregateRow(measure, breakdown, category, Kind.setting, setting=value))

    def needed(
        self,
        measure: str,
        target: float,
        source: str,
        numerator: int,
        denominator: int,
        breakdown: str = TOTAL,
        category: str = ALL,
    ) -> None:
        """People still needed for the ``source`` rate of this breakdown and category to reach
        ``target`` (a percentage)."""
        self.add(
            AggregateRow(
                measure,
                breakdown,
                category,
                Kind.needed,
                numerator=numerator,
                denominator=denominator,
                setting=target,
                source=source,
            )
        )

    def publish(self, policy: DisclosurePolicy) -> PublishedSummary:
        """Every row through ``policy``, then the breakdown rule: the only way figures leave
        this table."""
        return PublishedSummary(
            site=self.site,
            programme=self.programme,
            programme_title=self.programme_title,
            period=self.period,
            as_of=self.as_of,
            policy=policy,
            rows=_with_needed(self.rows, protect([publish_row(r, policy) for r in self.rows])),
            national_coverage=self.national_coverage,
            national_coverage_source=self.national_coverage_source,
            catalogue=tuple(self.catalogue.items()),
            site_org_units=tuple(self.site_org_units.items()),
        )


def publish_row(row: AggregateRow, policy: DisclosurePolicy) -> PublishedRow:
    """One row through ``policy`` on its own, before the breakdown rule (which needs the whole
    table): not safe to publish by itself."""

    def optional(n: int | None) -> Published | None:
        return None if n is None else publish_count(n, policy)

    base = (row.measure, row.breakdown, row.category, row.kind)
    if row.kind is Kind.count:
        return PublishedRow(*base, value=publish_count(row.numerator, policy))
    if row.kind is Kind.rate:
        return PublishedRow(
            *base,
            value=publish_rate(row.numerator, row.denominator, policy),
            numerator=publish_count(row.numerator, policy),
            denominator=publish_count(row.denominator, policy),
            initial_population=optional(row.initial_population),
            exclusions=optional(row.exclusions),
        )
    if row.kind is Kind.median:
        return PublishedRow(*base, value=publish_median(row.values, policy))
    if row.kind is Kind.needed:
        # Filled in by _with_needed once the source rows are final.
        return PublishedRow(
            *base,
            value=SUPPRESSED,
            numerator=publish_count(row.numerator, policy),
            denominator=publish_count(row.denominator, policy),
        )
    assert row.setting is not None
    return PublishedRow(*base, value=Published(value=round(row.setting, 1), suppressed=False))


def _with_needed(
    exact: Sequence[AggregateRow], published: Sequence[PublishedRow]
) -> tuple[PublishedRow, ...]:
    """``published`` with each needed row worked out from its source row's numerator and
    denominator as published (after the breakdown rule), so it adds nothing to them. It is
    withheld (with the source's reason) exactly when one of those two counts is, and then it
    carries no number; a figure of the source it is not computed from (a coverage target's
    initial population, withheld when the clinically ceased are few) leaves it alone. With a
    denominator of 0 there is no figure (``*``, not withheld). A needed row whose source row is
    not in the table uses its own counts, published the same way."""
    rows = {(r.measure, r.breakdown, r.category): r for r in published}
    result = []
    for row, out in zip(exact, published, strict=True):
        if row.kind is not Kind.needed:
            result.append(out)
            continue
        assert row.setting is not None and row.source is not None
        source = rows.get((row.source, row.breakdown, row.category), out)
        numerator, denominator = source.numerator, source.denominator
        value = SUPPRESSED
        withheld = any(part in source.withheld for part in ("numerator", "denominator"))
        if (
            not withheld
            and numerator is not None
            and denominator is not None
            and isinstance(numerator.value, int)
            and isinstance(denominator.value, int)
            # Nobody in the denominator: no figure (0 would say the target is met).
            and denominator.value > 0
        ):
            needed = needed_to_reach(row.setting, numerator.value, denominator.value)
            value = Published(value=needed, suppressed=False)
        result.append(
            replace(
                out,
                value=value,
                numerator=None,
                denominator=None,
                withheld=("value",) if withheld else (),
                withheld_reason=source.withheld_reason if withheld else None,
            )
        )
    return tuple(result)
