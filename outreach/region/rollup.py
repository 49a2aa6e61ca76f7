"""The region's table of a period: the exact counts of every site's submission in force, summed,
and only then published through disclosure control, like a site's export.

Rows are summed by measure, breakdown and category; a unit is a site's own, so breakdowns by
unit are not summed (each site's are in its submission, and stay in the region's store). Each
site's totals are a breakdown of their own, ``site`` (category: the site's name and org unit),
which the breakdown rule withholds whole when one site's figure is too small to publish.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

from sqlalchemy import text
from sqlmodel import select

from outreach.errors import ValidationError
from outreach.exports.export import ExportResult, export_summary
from outreach.exports.preview import ExportChoice
from outreach.exports.rows import Kind
from outreach.exports.table import AggregateTable, PublishedSummary
from outreach.model import Site
from outreach.region.submission import export_period_of
from outreach.rules.disclosure import DEFAULT_POLICY_NAME
from outreach.rules.programme import load_programme
from outreach.stats.period import Period
from outreach.store.store import Store

SITE = "site"
"""The breakdown of each site's own totals in a regional table."""
_Key = tuple[str, str, str]


_SUMS = text(
    """
    SELECT measure, breakdown, category, kind, numerator, denominator,
           CASE WHEN population_sites = sites THEN initial_population END,
           CASE WHEN exclusion_sites = sites THEN exclusions END
    FROM region_sum
    WHERE period = :period AND programme = :programme
    ORDER BY position, measure, breakdown, category
    """
)
_SITE_TOTALS = text(
    """
    SELECT s.site || ' (' || s.org_unit || ')', t.measure, t.kind, t.numerator,
           t.denominator, t.initial_population, t.exclusions
    FROM region_submission AS s JOIN region_site_total AS t ON t.submission_id = s.id
    WHERE s.period = :period AND s.programme = :programme AND s.replaced_by IS NULL
    ORDER BY s.site, s.org_unit, t.position
    """
)


@dataclass(frozen=True)
class SummedRows:
    """The exact figures of the submissions in force for a period and programme."""

    sums: Sequence[Sequence[Any]]
    """measure, breakdown, category, kind, numerator, denominator, initial population and
    exclusions, summed over the sites (``outreach.region.sums`` keeps them)."""
    site_totals: Sequence[Sequence[Any]]
    """Each site's ``total`` rows: its label (name and org unit), measure, kind and counts."""


def summed_rows(store: Store, period: Period, programme: str) -> SummedRows:
    """The kept sums and the per-site totals of ``period`` and ``programme``."""
    params = {"period": period.label, "programme": programme}
    with store.read() as session:
        conn = session.connection()
        return SummedRows(
            conn.execute(_SUMS, params).all(), conn.execute(_SITE_TOTALS, params).all()
        )


def region_table(
    region: str,
    summed: SummedRows,
    period: Period,
    *,
    as_of: date,
    programme: str = "cervical-screening",
) -> AggregateTable:
    """The exact table of ``period`` from ``summed`` (the region's own figures are never
    published without :meth:`AggregateTable.publish`). ValidationError when no site sent one."""
    if not summed.site_totals and not summed.sums:
        raise ValidationError(
            "period",
            f"no site's submission for {period.label} is kept: add them with "
            "outreach region add FILE…",
        )
    title = load_programme(programme).title
    table = AggregateTable(
        site=region,
        programme=programme,
        programme_title=title,
        period=export_period_of(period),
        as_of=as_of,
    )
    for measure, breakdown, category, kind, *counts in summed.sums:
        _add_row(table, (measure, breakdown, category), Kind(kind), counts)
    for label, measure, kind, *counts in summed.site_totals:
        _add_row(table, (measure, SITE, label), Kind(kind), counts)
    return table


def _add_row(table: AggregateTable, key: _Key, kind: Kind, counts: Iterable[int | None]) -> None:
    numerator, denominator, initial, exclusions = counts
    measure, breakdown, category = key
    if kind is Kind.rate:
        table.rate(
            measure,
            numerator or 0,
            denominator or 0,
            breakdown,
            category,
            initial_population=initial,
            exclusions=exclusions,
        )
    else:
        table.count(measure, numerator or 0, breakdown, category)


def region_summary(
    store: Store, choice: ExportChoice, *, programme: str = "cervical-screening"
) -> PublishedSummary:
    """The region's published table of ``choice``: summed exactly, then disclosure control."""
    with store.read() as session:
        region = session.exec(select(Site.name)).one()
    summed = summed_rows(store, choice.period, programme)
    table = region_table(region, summed, choice.period, as_of=choice.as_of, programme=programme)
    return table.publish(choice.policy)


def export_region(
    store: Store,
    *,
    period: Period | str,
    out: Path,
    formats: Sequence[str],
    policy: str = DEFAULT_POLICY_NAME,
    as_of: date | None = None,
    force: bool = False,
    mapping: Path | None = None,
) -> ExportResult:
    """Export the region's table of ``period`` like a site's export (signed by the region's
    store, one audit row, the same formats and checks), from the sites' submissions."""
    return export_summary(
        store,
        period=period,
        out=out,
        formats=formats,
        policy=policy,
        as_of=as_of,
        force=force,
        mapping=mapping,
        summary_source=lambda choice: region_summary(store, choice),
    )
