"""Build the aggregate table of one export from the stats, in one read transaction.

Coverage is measured on the last day of the period, with its monthly trend over the period
and the 12 months before it; uptake, reach, colposcopy and outreach activity over the period,
read on ``as_of``. Mentor names are never exported: peer mentors are people too.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session, select

from outreach.clock import today
from outreach.exports.rows import MONTH, TOTAL
from outreach.exports.table import AggregateTable, ExportPeriod
from outreach.model import Site, TargetMeasure
from outreach.rules.programme import Programme, load_programme
from outreach.stats.activity import activity_of, counted_figures, follow_ups
from outreach.stats.coverage import Coverage, coverage_from, coverage_on, month_end_days
from outreach.stats.month_activity import MonthCounts
from outreach.stats.month_cache import Cell, check_with_kept
from outreach.stats.pathway import Reach, Uptake, colposcopy, reach_checks, reach_from, uptake
from outreach.stats.period import Period
from outreach.stats.targets import TargetRow, targets_in

CONTEXT_MONTHS = 12
"""Months of coverage trend shown before the period, for context."""


def export_period(period: Period) -> ExportPeriod:
    """The period as the export names it: by label and months, never by day."""
    return ExportPeriod(
        label=period.label,
        kind=period.kind,
        first_month=period.start.strftime("%Y-%m"),
        last_month=period.end.strftime("%Y-%m"),
    )


def site_table(
    session: Session, key: str, title: str, period: Period, as_of: date
) -> AggregateTable:
    """An empty table of this store's site for programme ``key`` (called ``title``)."""
    site = session.exec(select(Site)).one()
    return AggregateTable(
        site=site.name,
        programme=key,
        programme_title=title,
        period=export_period(period),
        as_of=as_of,
    )


def national_source(area: str, as_of: date, source: str) -> str:
    """How an export names the source of a national comparison figure."""
    return f"{area}, {as_of:%B %Y}: {source}"


def build_table(
    session: Session, period: Period, *, as_of: date, programme: Programme | None = None
) -> AggregateTable:
    """The exact figures of an export of ``period`` read on ``as_of`` (after the period)."""
    return build_counted(session, period, as_of=as_of, programme=programme).table


@dataclass(frozen=True)
class Built:
    """An export's exact figures, with what it counted afresh that the store may keep:
    ``cells``, the coverage cells of ended month ends (``month_cache.keep``), and ``months``,
    the conversation counts of ended months (``month_activity.keep``)."""

    table: AggregateTable
    cells: dict[date, list[Cell]]
    months: dict[str, MonthCounts]


def build_counted(
    session: Session, period: Period, *, as_of: date, programme: Programme | None = None
) -> Built:
    """:func:`build_table`, with what it counted afresh that the store did not keep, for
    the caller to keep. The trend and the conversation counts read the kept month ends and
    months instead of counting them again."""
    programme = programme or load_programme()
    national = programme.national_coverage
    table = site_table(session, programme.key, programme.title, period, as_of)
    table.national_coverage = national.value
    table.national_coverage_source = national_source(national.area, national.as_of, national.source)
    # The trend and reach check nearly the same stays: one statement reads both.
    days = month_end_days(period.end, len(list(period.months())) + CONTEXT_MONTHS)
    counted = check_with_kept(
        session,
        programme=programme,
        trend_days=days,
        today=today(),
        **reach_checks(period, as_of),
    )
    checked = counted.checked
    trend = coverage_from(session, checked, days, programme)
    at_end = trend[-1]
    _coverage(table, at_end)
    for point in trend:
        table.rate("coverage_trend", point.covered, point.eligible, MONTH, f"{point.day:%Y-%m}")
    period_uptake = uptake(session, period, as_of=as_of, programme=programme)
    table.rate(
        "uptake",
        period_uptake.tested,
        period_uptake.denominator,
        initial_population=period_uptake.offers,
        exclusions=period_uptake.pending,
    )
    table.count("uptake_pending", period_uptake.pending)
    period_reach = reach_from(checked)
    table.rate(
        "reach",
        period_reach.reached,
        period_reach.uncovered,
        initial_population=period_reach.uncovered,
    )
    months = _activity(table, session, period, as_of, programme)
    _targets(table, session, period, programme, at_end, period_uptake, period_reach)
    return Built(table, counted.fresh, months)


def _coverage(table: AggregateTable, at_end: Coverage) -> None:
    """The site's coverage with its FHIR populations: the initial population is everyone
    eligible but for the clinical ceasing rule, the exclusions those it removes. The
    breakdowns give eligible and covered only: the clinically ceased are a handful, and a
    breakdown holding one small count is withheld whole (secondary.py)."""
    table.rate(
        "coverage",
        at_end.covered,
        at_end.eligible,
        initial_population=at_end.eligible + at_end.ceased,
        exclusions=at_end.ceased,
    )
    for band, (eligible, covered) in at_end.by_age_band.items():
        table.rate("coverage", covered, eligible, "age_band", band)
    for unit, (eligible, covered) in at_end.by_unit.items():
        table.rate("coverage", covered, eligible, "unit", unit)


def _activity(
    table: AggregateTable, session: Session, period: Period, as_of: date, programme: Programme
) -> dict[str, MonthCounts]:
    figures, months = counted_figures(session, period, as_of=as_of, programme=programme)
    done = activity_of(figures, follow_ups(session, period, as_of=as_of, programme=programme))
    talks = done.conversations
    table.count("conversations", talks.count)
    table.count("conversations", talks.one_to_one, "kind", "one-to-one")
    table.count("conversations", talks.group, "kind", "group")
    for code, (count, _minutes) in talks.by_setting.items():
        table.count("conversations", count, "setting", programme.settings.get(code, code))
    table.count("people_reached", talks.people)
    table.count("conversation_minutes", talks.minutes)
    for code, (count, people) in done.barriers.items():
        label = programme.barrier_codes.get(code, code)
        table.count("barriers", count, "barrier", label)
        table.count("barrier_people", people, "barrier", label)
    for code, count in done.outcomes.items():
        table.count("outcomes", count, "outcome", programme.outcome_codes.get(code, code))
    days = done.days_to_test
    table.count("first_conversations", days.people)
    table.count("tested_after_conversation", days.tested)
    if days.median_days is not None:
        # The median of n copies of the median is the median: the policy's minimum number of
        # values then decides, in rules/disclosure.py, whether it may be published.
        table.median("days_to_test", (days.median_days,) * days.tested)
    else:
        table.median("days_to_test", ())
    follow = done.follow_ups
    table.rate("follow_ups_on_time", follow.completed_on_time, follow.completed)
    table.count("follow_ups_open", follow.open)
    table.count("follow_ups_overdue", follow.overdue)
    colpo = colposcopy(session, period, as_of=as_of, programme=programme)
    table.count("colposcopy_referred", colpo.referred)
    table.count("colposcopy_attended", colpo.within_2_weeks, "within", "2 weeks")
    table.count("colposcopy_attended", colpo.within_6_weeks, "within", "6 weeks")
    table.count("colposcopy_pending", colpo.pending)
    return months


def _targets(
    table: AggregateTable,
    session: Session,
    period: Period,
    programme: Programme,
    at_end: Coverage,
    period_uptake: Uptake,
    period_reach: Reach,
) -> None:
    latest: dict[tuple[str, str | None], TargetRow] = {}
    for target in targets_in(session, programme=programme.key):
        latest[(target.measure, target.unit)] = target
    for (measure, unit), target in latest.items():
        breakdown, category = (TOTAL, "all") if unit is None else ("unit", unit)
        if measure == TargetMeasure.coverage:
            scope = (
                at_end
                if target.unit_id is None
                else coverage_on(session, period.end, unit=target.unit_id, programme=programme)
            )
            numerator, denominator = scope.covered, scope.eligible
        elif measure == TargetMeasure.uptake:
            numerator, denominator = period_uptake.tested, period_uptake.denominator
        else:
            numerator, denominator = period_reach.reached, period_reach.uncovered
        table.set_value(f"{measure}_target", target.value, breakdown, category)
        if target.baseline is not None:
            table.set_value(f"{measure}_baseline", target.baseline, breakdown, category)
        if unit is not None and measure != TargetMeasure.coverage:
            continue  # uptake and reach are measured for the site only
        table.needed(
            f"{measure}_target_needed",
            target.value,
            str(measure),
            numerator,
            denominator,
            breakdown,
            category,
        )
