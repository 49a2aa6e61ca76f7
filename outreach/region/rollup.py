"""The region's table of a period: the exact counts of every site's submission in force, summed,
and only then published through disclosure control, like a site's export.

Rows are summed by measure, breakdown and category; a unit is a site's own, so breakdowns by
unit are not summed (each site's are in its submission, and stay in the region's store). Each
site's totals are a breakdown of their own, ``site`` (category: the site's name and org unit),
which the breakdown rule withholds whole when one site's figure is too small to publish.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlmodel import select

from outreach.errors import ValidationError
from outreach.exports.export import ExportResult, export_summary
from outreach.exports.preview import ExportChoice
from outreach.exports.rows import TOTAL, Kind
from outreach.exports.table import AggregateTable, PublishedSummary
from outreach.model import RegionSubmission, Site
from outreach.region.submission import export_period_of
from outreach.rules.disclosure import DEFAULT_POLICY_NAME
from outreach.rules.programme import load_programme
from outreach.stats.period import Period
from outreach.store.store import Store

SITE = "site"
"""The breakdown of each site's own totals in a regional table."""
NOT_SUMMED = ("unit",)
"""Breakdowns whose categories are a site's own."""
_Key = tuple[str, str, str]


@dataclass(frozen=True)
class SiteRows:
    """One site's exact rows for the period, as its submission gave them."""

    site: str
    org_unit: str
    rows: str
    """JSON, as kept in ``region_submission.rows``."""


def site_rows(store: Store, period: Period, programme: str) -> list[SiteRows]:
    """The rows of the submissions in force for ``period`` and ``programme``, by site."""
    with store.read() as session:
        found = session.exec(
            select(RegionSubmission.site, RegionSubmission.org_unit, RegionSubmission.rows)
            .where(
                RegionSubmission.period == period.label,
                RegionSubmission.programme == programme,
                RegionSubmission.replaced_by.is_(None),  # type: ignore[union-attr]
            )
            .order_by(RegionSubmission.site, RegionSubmission.org_unit)
        ).all()
    return [SiteRows(site, org_unit, rows) for site, org_unit, rows in found]


def region_table(
    region: str,
    sites: Sequence[SiteRows],
    period: Period,
    *,
    as_of: date,
    programme: str = "cervical-screening",
) -> AggregateTable:
    """The exact table of ``period`` summed over ``sites`` (the region's own figures are never
    published without :meth:`AggregateTable.publish`). ValidationError when no site sent one."""
    if not sites:
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
    sums: dict[_Key, list[int | None]] = {}
    kinds: dict[_Key, Kind] = {}
    per_site: list[tuple[str, list[tuple[_Key, Kind, list[int | None]]]]] = []
    for site in sites:
        totals = []
        # The rows were checked when the submission was added (rows_from_json); here they are
        # only summed, read as the plain JSON they are kept as, which is what keeps a region
        # of hundreds of sites quick.
        for item in json.loads(site.rows):
            counts = [
                item["numerator"],
                item["denominator"],
                item.get("initial_population"),
                item.get("exclusions"),
            ]
            key = (item["measure"], item["breakdown"], item["category"])
            breakdown = key[1]
            if breakdown == TOTAL:
                totals.append((key, Kind(item["kind"]), counts))
            if breakdown in NOT_SUMMED:
                continue
            found = sums.get(key)
            if found is None:
                # A copy: ``counts`` is also this site's own total, summed into in place below.
                sums[key] = list(counts)
                kinds[key] = Kind(item["kind"])
                continue
            found[0] += counts[0]
            found[1] += counts[1]
            # A population only some sites gave cannot be summed: it is left out, not guessed.
            if found[2] is not None:
                found[2] = None if counts[2] is None else found[2] + counts[2]
            if found[3] is not None:
                found[3] = None if counts[3] is None else found[3] + counts[3]
        per_site.append((f"{site.site} ({site.org_unit})", totals))
    for key, counts in sums.items():
        _add_row(table, key, kinds[key], counts)
    for label, totals in per_site:
        for (measure, _breakdown, _category), kind, counts in totals:
            _add_row(table, (measure, SITE, label), kind, counts)
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
    sites = site_rows(store, choice.period, programme)
    table = region_table(region, sites, choice.period, as_of=choice.as_of, programme=programme)
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
