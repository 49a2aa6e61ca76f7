"""Everything the stats screen, ``outreach stats`` and the export show, read in one go.

:func:`dashboard` is the one entry point: the CLI, the TUI dashboard and the export call it
and format its :class:`Dashboard`. Definitions: ``outreach/stats/definitions.md``.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import text
from sqlmodel import Session

from outreach.clock import today
from outreach.model.enums import TargetMeasure
from outreach.rules.programme import Programme, load_programme
from outreach.stats import month_activity
from outreach.stats.activity import (
    Activity,
    FollowUps,
    activity_of,
    counted_figures,
    follow_ups,
    months_to_count,
)
from outreach.stats.checks import Checked
from outreach.stats.coverage import Coverage, coverage_from, coverage_on, month_end_days
from outreach.stats.month_activity import MonthCounts, months_in
from outreach.stats.month_cache import Cell, Counted, check_with_kept, keep
from outreach.stats.pathway import (
    Colposcopy,
    Reach,
    Uptake,
    colposcopy,
    reach_checks,
    reach_from,
    stop_day,
    uptake,
)
from outreach.stats.period import Period
from outreach.stats.progress import TargetProgress, progress
from outreach.stats.targets import targets_in
from outreach.store.heap import give_back_freed_memory
from outreach.store.store import Store

TREND_MONTHS = 12


@dataclass(frozen=True)
class Dashboard:
    """The measures on ``as_of`` (coverage, trend, targets) and over ``period``."""

    as_of: date
    period: Period
    programme: str
    coverage: Coverage
    trend: list[Coverage]
    uptake: Uptake
    reach: Reach
    colposcopy: Colposcopy
    activity: Activity
    targets: list[TargetProgress]

    def to_json(self) -> dict[str, Any]:
        """A JSON-ready dict (dates as ISO text, rates as percentages or null)."""
        return _as_json(self)


def dashboard(
    store: Store,
    *,
    as_of: date | None = None,
    period: Period | None = None,
    programme: Programme | None = None,
) -> Dashboard:
    """Every measure on ``as_of`` (default today) and over ``period`` (default the calendar
    year holding ``as_of``), all read from one state of the store so the figures agree.

    The coverage and reach checks, the follow-ups and colposcopy (half the work) are read on
    the store's aside connection while a pooled one reads the conversation figures and
    uptake, so the two run on two cores and each keeps its own pages cached. Each has its
    own read transaction; both must have seen the same latest audit row (every saved change
    writes one, in its transaction), or the aside figures are read again in this one. When
    the conversation figures must count more than :data:`MONTHS_BESIDE` months afresh (a
    year's first dashboard), the aside figures are read after them, in the same transaction,
    so the two never hold their rows in memory at once.
    """
    programme = programme or load_programme()
    as_of = as_of or today()
    period = period or Period.containing(as_of, "year")
    used: list[_Aside] = []
    months: dict[str, MonthCounts] = {}
    with ThreadPoolExecutor(max_workers=1) as pool:
        # A period of a few months (the screen's month) is read side by side from the start;
        # a longer one once its kept months say how many are left to count.
        short = len(months_in(period.start, stop_day(period, as_of))) <= MONTHS_BESIDE
        apart = pool.submit(_aside_read_apart, store, as_of, period, programme) if short else None
        with store.read() as session:
            seen = _last_audit(session)
            if (
                apart is None
                and months_to_count(session, period, as_of=as_of, programme=programme)
                <= MONTHS_BESIDE
            ):
                apart = pool.submit(_aside_read_apart, store, as_of, period, programme)

            def aside() -> _Aside:
                if apart is None:
                    result = _aside_in(session, as_of, period, programme)
                else:
                    their_seen, result = apart.result()
                    if their_seen != seen:
                        result = _aside_in(session, as_of, period, programme)
                used.append(result)
                return result

            board = _dashboard(session, as_of, period, programme, aside, months)
    # Ended month ends and months counted now are kept for the next dashboard, unless a
    # change was saved since they were read (outreach.stats.month_cache, month_activity).
    keep(store, programme, used[0].fresh, seen)
    month_activity.keep(store, months, seen)
    give_back_freed_memory()
    return board


MONTHS_BESIDE = 4
"""The most months the conversation figures may count afresh (rather than read kept) with
the aside figures read beside them. Counting a year's months holds each conversation of the
year in memory until the statement ends: at 1,000,000 people that read alone peaked 150 MB
over the process's 84 MB, the aside figures alone 75 MB over it, and the two side by side
311 MB in all, one after the other 234 MB (6.3 s against 9.7 s). That happens once, at the
first dashboard of a year (its months are kept after); on other days only the running month
is counted, and a change to old conversations sends back the months it touches."""


def _last_audit(session: Session) -> int | None:
    # The first read of a transaction fixes what it sees: read first, it marks that state.
    return session.execute(text("SELECT max(id) FROM audit")).scalar_one_or_none()


def _checks(session: Session, as_of: date, period: Period, programme: Programme) -> Counted:
    # The trend and reach check nearly the same days over the same stays: one statement, less
    # the ended month ends the store keeps.
    return check_with_kept(
        session,
        programme=programme,
        trend_days=month_end_days(as_of, TREND_MONTHS),
        today=today(),
        **reach_checks(period, as_of),
    )


@dataclass(frozen=True)
class _Aside:
    """The figures the dashboard reads on its second connection; ``fresh``: the cells of
    ended month ends it counted rather than read kept."""

    checks: Checked
    follow_ups: FollowUps
    colposcopy: Colposcopy
    fresh: dict[date, list[Cell]] = field(default_factory=dict)


def _aside_in(session: Session, as_of: date, period: Period, programme: Programme) -> _Aside:
    counted = _checks(session, as_of, period, programme)
    return _Aside(
        checks=counted.checked,
        fresh=counted.fresh,
        follow_ups=follow_ups(session, period, as_of=as_of, programme=programme),
        colposcopy=colposcopy(session, period, as_of=as_of, programme=programme),
    )


def _aside_read_apart(
    store: Store, as_of: date, period: Period, programme: Programme
) -> tuple[int | None, _Aside]:
    with store.read_aside() as session:
        seen = _last_audit(session)
        return seen, _aside_in(session, as_of, period, programme)


def _dashboard(
    session: Session,
    as_of: date,
    period: Period,
    programme: Programme,
    aside: Callable[[], _Aside],
    months: dict[str, MonthCounts] | None = None,
) -> Dashboard:
    """The dashboard from ``session``, with the checks, follow-ups and colposcopy from
    ``aside`` (asked for last, so a read running apart has the most time to finish); the
    ended months' conversation counts it counted rather than read kept go into ``months``."""
    figures, fresh = counted_figures(session, period, as_of=as_of, programme=programme)
    if months is not None:
        months.update(fresh)
    period_uptake = uptake(session, period, as_of=as_of, programme=programme)
    apart = aside()
    checks = apart.checks
    period_activity = activity_of(figures, apart.follow_ups)
    period_colposcopy = apart.colposcopy
    trend = coverage_from(session, checks, month_end_days(as_of, TREND_MONTHS), programme)
    # The trend's last point is as_of itself: no second query for today's coverage.
    current = trend[-1]
    period_reach = reach_from(checks)
    targets = []
    for target in targets_in(session, programme=programme.key):
        if target.measure == TargetMeasure.coverage:
            cov = (
                current
                if target.unit_id is None
                else coverage_on(session, as_of, unit=target.unit_id, programme=programme)
            )
            numerator, denominator = cov.covered, cov.eligible
        elif target.measure == TargetMeasure.uptake:
            numerator, denominator = period_uptake.tested, period_uptake.denominator
        else:
            numerator, denominator = period_reach.reached, period_reach.uncovered
        targets.append(progress(target, numerator=numerator, denominator=denominator, as_of=as_of))
    return Dashboard(
        as_of=as_of,
        period=period,
        programme=programme.key,
        coverage=current,
        trend=trend,
        uptake=period_uptake,
        reach=period_reach,
        colposcopy=period_colposcopy,
        activity=period_activity,
        targets=targets,
    )


def _pair(cell: tuple[int, int]) -> dict[str, Any]:
    eligible, covered = cell
    return {
        "eligible": eligible,
        "covered": covered,
        "rate": 100.0 * covered / eligible if eligible else None,
    }


def _coverage(cov: Coverage) -> dict[str, Any]:
    return {
        "day": cov.day.isoformat(),
        "eligible": cov.eligible,
        "covered": cov.covered,
        "rate": cov.rate,
        "by_age_band": {k: _pair(v) for k, v in cov.by_age_band.items()},
        "by_unit": {k: _pair(v) for k, v in cov.by_unit.items()},
    }


def _as_json(board: Dashboard) -> dict[str, Any]:
    act = board.activity
    conv = act.conversations
    return {
        "as_of": board.as_of.isoformat(),
        "programme": board.programme,
        "period": {
            "label": board.period.label,
            "kind": board.period.kind,
            "start": board.period.start.isoformat(),
            "end": board.period.end.isoformat(),
        },
        "coverage": _coverage(board.coverage),
        "trend": [
            {"day": c.day.isoformat(), "eligible": c.eligible, "covered": c.covered, "rate": c.rate}
            for c in board.trend
        ],
        "uptake": {
            "offers": board.uptake.offers,
            "tested": board.uptake.tested,
            "untested": board.uptake.untested,
            "pending": board.uptake.pending,
            "rate": board.uptake.rate,
        },
        "reach": {
            "uncovered": board.reach.uncovered,
            "reached": board.reach.reached,
            "rate": board.reach.rate,
        },
        "colposcopy": {
            "referred": board.colposcopy.referred,
            "within_2_weeks": board.colposcopy.within_2_weeks,
            "within_6_weeks": board.colposcopy.within_6_weeks,
            "pending": board.colposcopy.pending,
        },
        "conversations": {
            "count": conv.count,
            "people": conv.people,
            "one_to_one": conv.one_to_one,
            "group": conv.group,
            "attendees": conv.attendees,
            "minutes": conv.minutes,
            "by_mentor": {
                k: {"conversations": c, "minutes": m} for k, (c, m) in conv.by_mentor.items()
            },
            "by_setting": {
                k: {"conversations": c, "minutes": m} for k, (c, m) in conv.by_setting.items()
            },
        },
        "barriers": {k: {"conversations": c, "people": p} for k, (c, p) in act.barriers.items()},
        "outcomes": dict(act.outcomes),
        "days_to_test": {
            "people": act.days_to_test.people,
            "tested": act.days_to_test.tested,
            "median_days": act.days_to_test.median_days,
        },
        "follow_ups": {
            "open": act.follow_ups.open,
            "overdue": act.follow_ups.overdue,
            "completed": act.follow_ups.completed,
            "completed_on_time": act.follow_ups.completed_on_time,
            "open_left": act.follow_ups.open_left,
        },
        "targets": [
            {
                "measure": p.target.measure,
                "unit": p.target.unit,
                "value": p.value,
                "target": p.target.value,
                "baseline": p.target.baseline,
                "baseline_on": p.target.baseline_on.isoformat() if p.target.baseline_on else None,
                "target_on": p.target.target_on.isoformat(),
                "gap": p.gap,
                "needed": p.needed,
                "expected": p.expected,
                "on_track": p.on_track,
            }
            for p in board.targets
        ],
    }
