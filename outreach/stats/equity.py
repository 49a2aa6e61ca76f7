"""Who is being missed: every measure of a programme broken down by one equity field
(``outreach.rules.equity``), each group's rate beside the site's overall rate and the gap
between them in percentage points.

Cervical screening: coverage on the day read, uptake of the period's offers and reach over
the period (the uncovered eligible who had a one-to-one conversation, as the dashboard counts
it). A cascade programme: coverage (where it defines it), each stage of the cascade (reached
of those who reached the stage before), each headline measure and reach over the period (the
people its cascade follows who had a one-to-one conversation about it). Every group of the field is
listed, "not stated" and "declined" included, so the groups of a measure add up to its
overall counts (the exports rely on it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import text
from sqlmodel import Session

from outreach.clock import today
from outreach.queries.equity import coverage_by
from outreach.rules.cascade import CascadeProgramme, load_any
from outreach.rules.disclosure import NHS_HES_2018, DisclosurePolicy
from outreach.rules.equity import EquityField, equity_field
from outreach.rules.programme import Programme
from outreach.stats import cascade as cascade_stats
from outreach.stats.checks import check
from outreach.stats.coverage import percent
from outreach.stats.pathway import reach_checks, uptake_params, uptake_sql
from outreach.stats.period import Period
from outreach.stats.programme_talks import reach_by
from outreach.store.store import Store

Counts = dict[str | None, tuple[int, int]]
"""Group code -> (numerator, denominator)."""


@dataclass(frozen=True)
class GroupFigure:
    """One group of a measure: ``numerator`` of ``denominator``, and ``gap``, its rate minus
    the overall rate in percentage points (None when either rate is undefined)."""

    code: str
    label: str
    numerator: int
    denominator: int
    gap: float | None

    @property
    def rate(self) -> float | None:
        return percent(self.numerator, self.denominator)

    def to_json(self) -> dict[str, Any]:
        return {
            "code": self.code,
            "label": self.label,
            "numerator": self.numerator,
            "denominator": self.denominator,
            "rate": self.rate,
            "gap": self.gap,
        }


@dataclass(frozen=True)
class MeasureBreakdown:
    """One measure, overall and by group (every code of the field, in its order)."""

    key: str
    label: str
    numerator: int
    denominator: int
    groups: tuple[GroupFigure, ...]
    finding: bool = False
    """What a test found (a positivity stage, ``finding = true`` in the programme file): a
    group's difference from the site here is epidemiology, not a group being missed."""

    @property
    def rate(self) -> float | None:
        return percent(self.numerator, self.denominator)

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label,
            "numerator": self.numerator,
            "denominator": self.denominator,
            "rate": self.rate,
            "finding": self.finding,
            "groups": [g.to_json() for g in self.groups],
        }


@dataclass(frozen=True)
class Missed:
    """A group below the site's rate on a measure (for "who is being missed"); ``small``:
    the group is too small to publish (its size would be suppressed under the default
    disclosure policy), so its gap is the least certain."""

    measure: str
    group: GroupFigure
    small: bool = False


@dataclass(frozen=True)
class EquityFigures:
    """A programme's measures broken down by the equity field ``by``."""

    programme: str
    title: str
    by: str
    label: str
    as_of: date
    period: str
    measures: tuple[MeasureBreakdown, ...]

    def missed(self, policy: DisclosurePolicy = NHS_HES_2018) -> list[Missed]:
        """Every group below its measure's overall rate, the biggest gap first (ties: the
        larger group first, then the measure's and the field's order); the groups too small
        to publish under ``policy`` (a size it suppresses: 1 to 7 people by default) come
        after all the others, in the same order. A measure that is a finding (positivity) is
        left out: fewer positives in a group is not a group being missed."""
        found = [
            (small, g.gap, -g.denominator, m_index, g_index, Missed(m.label, g, small))
            for m_index, m in enumerate(self.measures)
            if not m.finding
            for g_index, g in enumerate(m.groups)
            if g.gap is not None and g.gap < 0
            for small in [policy.suppresses(g.denominator)]
        ]
        found.sort(key=lambda row: row[:5])
        return [row[-1] for row in found]

    def to_json(self) -> dict[str, Any]:
        return {
            "programme": self.programme,
            "by": self.by,
            "as_of": self.as_of.isoformat(),
            "period": self.period,
            "measures": [m.to_json() for m in self.measures],
        }


def breakdown(
    field: EquityField, key: str, label: str, counts: Counts, *, finding: bool = False
) -> MeasureBreakdown:
    """A measure from its counts by group code: every code of ``field`` in order (a code
    the field does not know, from an older or newer version, after them)."""
    numerator = sum(n for n, _ in counts.values())
    denominator = sum(d for _, d in counts.values())
    overall = percent(numerator, denominator)
    codes = [*field.codes, *sorted(str(c) for c in counts if c not in field.codes)]
    groups = []
    for code in codes:
        n, d = counts.get(code, (0, 0))
        rate = percent(n, d)
        gap = None if rate is None or overall is None else rate - overall
        groups.append(GroupFigure(code, field.label_of(code), n, d, gap))
    return MeasureBreakdown(key, label, numerator, denominator, tuple(groups), finding)


def cervical_breakdowns(
    session: Session, programme: Programme, field: EquityField, period: Period, day: date
) -> list[MeasureBreakdown]:
    """Coverage on ``day``, uptake of ``period``'s offers and reach over ``period`` (the
    dashboard's: the uncovered eligible who had a one-to-one conversation), by ``field``."""
    cover: Counts = {
        code: (int(covered), int(eligible))
        for code, eligible, covered in session.execute(coverage_by(programme, day, field.key))
    }
    offers: Counts = {
        code: (int(tested), int(tested) + int(untested))
        for code, _, tested, untested in session.execute(
            text(uptake_sql(f"p.{field.key}")), uptake_params(programme, period, day)
        )
    }
    checked = check(session, programme=programme, reach_by=field.key, **reach_checks(period, day))
    reach: Counts = {code: (reached, of) for code, (of, reached) in checked.reach_groups.items()}
    return [
        breakdown(field, "coverage", "Coverage", cover),
        breakdown(field, "uptake", "Uptake", offers),
        breakdown(field, "reach", "Reach", reach),
    ]


def cascade_breakdowns(
    session: Session, programme: CascadeProgramme, field: EquityField, period: Period, day: date
) -> list[MeasureBreakdown]:
    """Coverage (if the programme has it), each stage, each measure and reach over
    ``period``, by ``field``."""
    measures: list[MeasureBreakdown] = []
    cover = cascade_stats.coverage(session, programme, day, breakdown=field.by)
    if cover is not None:
        counts = {code: (c, e) for code, (e, c) in cover.groups.items()}
        measures.append(breakdown(field, "coverage", "Coverage", counts))
    figures = cascade_stats.cascade(session, programme, period, as_of=day, breakdown=field.by)
    for index, stage in enumerate(programme.stages):
        counts = {
            code: (g.stages[index].count, g.stages[index].of) for code, g in figures.groups.items()
        }
        measures.append(
            breakdown(field, f"stage:{stage.key}", stage.label, counts, finding=stage.finding)
        )
    for index, measure in enumerate(programme.measures):
        counts = {
            code: (g.measures[index].numerator, g.measures[index].denominator)
            for code, g in figures.groups.items()
        }
        measures.append(breakdown(field, f"measure:{measure.key}", measure.label, counts))
    # Reach as the programme's conversation figures count it: the people its cascade follows
    # who had a one-to-one about it in the period.
    reach = reach_by(session, programme, period, as_of=day, field=field.key)
    counts = {code: (reached, followed) for code, (followed, reached) in reach.items()}
    measures.append(breakdown(field, "reach", "Reach", counts))
    return measures


def equity_figures(
    store: Store,
    by: str,
    *,
    programme: str = "cervical-screening",
    as_of: date | None = None,
    period: Period | None = None,
) -> EquityFigures:
    """Every measure of ``programme`` broken down by the equity field ``by`` (its key or
    ``--by`` name), read in one transaction: coverage on ``as_of`` (default today), the
    period's figures for ``period`` (default: the calendar year holding ``as_of``)."""
    field = equity_field(by)
    rules = load_any(programme)
    day = as_of or today()
    chosen = period or Period.year(day.year)
    with store.read() as session:
        if isinstance(rules, CascadeProgramme):
            measures = cascade_breakdowns(session, rules, field, chosen, day)
        else:
            measures = cervical_breakdowns(session, rules, field, chosen, day)
    return EquityFigures(
        programme=rules.key,
        title=rules.title,
        by=field.by,
        label=field.label,
        as_of=day,
        period=chosen.label,
        measures=tuple(measures),
    )
