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
from outreach.exports.builder import export_period, national_source
from outreach.exports.cascade_table import catalogue, headline_measure, stage_measure
from outreach.exports.equity_rows import UNIT, breakdown_names, export_breakdown, parse_by
from outreach.exports.export import ExportResult, export_summary
from outreach.exports.measures import measure_info
from outreach.exports.preview import CERVICAL, ExportChoice
from outreach.exports.rows import SITE, TOTAL, Kind
from outreach.exports.table import AggregateTable, PublishedSummary
from outreach.model import Site
from outreach.rules.cascade import COVERAGE, CascadeProgramme, load_cascade
from outreach.rules.disclosure import DEFAULT_POLICY_NAME
from outreach.rules.programme import load_programme
from outreach.stats.period import Period
from outreach.store.store import Store

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
    SELECT s.site || ' (' || s.org_unit || ')', s.org_unit, t.measure, t.kind, t.numerator,
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
    """Each site's ``total`` rows: its label (name and org unit), org unit, measure, kind and
    counts."""


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
    programme: str = CERVICAL,
    by: Sequence[str] = (),
) -> AggregateTable:
    """The exact table of ``period`` from ``summed`` (the region's own figures are never
    published without :meth:`AggregateTable.publish`). ValidationError when no site sent one.

    The equity breakdowns the sites sent are in the table only when named in ``by`` (their
    ``--by`` names), as a site's export adds them. A testing programme's targets, the people
    still needed to reach them and its national figure come from its file, the same for every
    site: they are worked out again from the summed counts.
    """
    if not summed.site_totals and not summed.sums:
        raise ValidationError(
            "period",
            f"no site's submission for {period.label} is kept ({programme}): add them with "
            "outreach region add FILE…",
        )
    rules = None if programme == CERVICAL else load_cascade(programme)
    table = AggregateTable(
        site=region,
        programme=programme,
        programme_title=load_programme(programme).title if rules is None else rules.title,
        period=export_period(period),
        as_of=as_of,
        catalogue={} if rules is None else catalogue(rules),
    )
    targets: dict[str, float] = {}
    if rules is not None:
        national = rules.national
        if national.measure == COVERAGE:
            table.national_coverage = national.value
            table.national_coverage_source = national_source(
                national.area, national.as_of, national.source
            )
        targets = {
            headline_measure(m.key): m.target for m in rules.measures if m.target is not None
        }
    left_out = _equity_left_out(by)
    totals_done = False
    for measure, breakdown, category, kind, *counts in summed.sums:
        if breakdown in left_out:
            continue
        if breakdown != TOTAL and not totals_done:
            totals_done = True
            _national(table, rules)
        _add_row(table, (measure, breakdown, category), Kind(kind), counts)
        target = targets.get(measure)
        if target is not None and breakdown == TOTAL:
            numerator, denominator = counts[0] or 0, counts[1] or 0
            table.set_value(f"{measure}_target", target)
            table.needed(f"{measure}_target_needed", target, measure, numerator, denominator)
    if not totals_done:
        _national(table, rules)
    for label, org_unit, measure, kind, *counts in summed.site_totals:
        table.site_org_units[label] = org_unit
        _add_row(table, (measure, SITE, label), Kind(kind), counts)
    return table


def _national(table: AggregateTable, rules: CascadeProgramme | None) -> None:
    """A testing programme's national figure (when it is not coverage, which the table
    carries beside its rows), after the region's totals as in a site's export."""
    if rules is not None and rules.national.measure != COVERAGE:
        table.set_value(f"national_{rules.national.measure}", rules.national.value)


def _equity_left_out(by: Sequence[str]) -> set[str]:
    """The breakdown ids of the equity fields not named in ``by``."""
    chosen = {export_breakdown(name).name for name in by}
    return {
        split.name
        for split in map(export_breakdown, breakdown_names())
        if split.field is not None and split.name not in chosen
    }


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


def region_summary(store: Store, choice: ExportChoice) -> PublishedSummary:
    """The region's published table of ``choice`` (its programme and breakdowns): summed
    exactly, then disclosure control."""
    with store.read() as session:
        region = session.exec(select(Site.name)).one()
    summed = summed_rows(store, choice.period, choice.programme)
    table = region_table(
        region,
        summed,
        choice.period,
        as_of=choice.as_of,
        programme=choice.programme,
        by=choice.by,
    )
    return table.publish(choice.policy)


def not_combined(programme: str) -> str:
    """The note naming what a site's export of ``programme`` has that the region's cannot:
    figures that do not add up across sites, so no site sends them."""
    if programme == CERVICAL:
        names = [
            measure_info("days_to_test").label,
            "each site's own targets and the people still needed to reach them",
        ]
        instead = ""
    else:
        rules = load_cascade(programme)
        info = catalogue(rules)
        names = [info[f"{stage_measure(stage.key)}_days"].label for stage in rules.stages]
        instead = (
            " The share of people who reached a stage within the programme's standard (the "
            "on-time figures) is made of counts, so it is combined exactly instead."
        )
    return (
        "Not in the region's figures, because the sites' figures cannot be combined into the "
        "region's: " + "; ".join(names) + ". The median of the sites' medians is not the "
        "median of their people, and a site sends only counts, never a person's days or "
        "dates." + instead
    )


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
    programme: str = CERVICAL,
    by: Sequence[str] = (),
) -> ExportResult:
    """Export the region's table of ``programme`` for ``period`` like a site's export (signed
    by the region's store, one audit row, the same formats and checks), from the sites'
    submissions; ``by`` adds the equity breakdowns the sites sent. Its notes name the
    figures of a site's export that cannot be combined across sites (:func:`not_combined`).
    Refuses (ValidationError on ``by``) a breakdown by unit: units are each site's own."""
    if UNIT in parse_by(by):
        raise ValidationError(
            "by",
            "a unit is a site's own, so the region has no breakdown by unit; its figures are "
            "broken down by site already",
        )
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
        programme=programme,
        by=by,
        extra_notes=(not_combined(programme),),
    )
