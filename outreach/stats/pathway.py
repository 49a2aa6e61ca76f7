"""Uptake, reach and colposcopy attendance over a period, each one SQL query.

Definitions: ``outreach/stats/definitions.md`` ("Uptake", "Reach", "Colposcopy").
Every measure looks only at events on or before ``as_of``; a period reaching past ``as_of``
is read up to ``as_of``.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import text
from sqlmodel import Session

from outreach.model.enums import ResultAction
from outreach.queries import adequate_test, events, sql
from outreach.rules.programme import Programme, load_programme
from outreach.stats.checks import Checked, check
from outreach.stats.coverage import percent
from outreach.stats.period import Period

# Offers and referrals are taken in person order (the index lookups for their tests and
# attendances then walk the index in order, so the pages they need stay in the cache).


def uptake_sql(group: str | None = None) -> str:
    """The uptake statement; with ``group`` (SQL of a person column, e.g. ``p.ethnicity``)
    one row per group, its value first, each offer counted in its person's group."""
    grp = f"(SELECT {group} FROM person p WHERE p.id = screening_event.person_id)"
    return f"""
WITH made(person_id, occurred_on, grp) AS MATERIALIZED (
    SELECT person_id, occurred_on, {grp if group else "NULL"} FROM screening_event
    WHERE programme = :programme AND event = 'offered'
      AND occurred_on >= :start AND occurred_on <= :stop
    ORDER BY +person_id
),
offers(grp, tested, window_end) AS (
    SELECT o.grp,
        EXISTS (
            SELECT 1 FROM screening_event t INDEXED BY ix_screening_adequate
            WHERE t.person_id = o.person_id AND t.programme = :programme
              AND {sql(adequate_test(events("t")))}
              AND t.occurred_on >= o.occurred_on
              AND t.occurred_on <= date(o.occurred_on, :window)
              AND t.occurred_on <= :as_of
        ),
        date(o.occurred_on, :window)
    FROM made o
)
SELECT {"grp, " if group else ""}count(*),
    coalesce(sum(tested), 0),
    coalesce(sum(NOT tested AND window_end < :as_of), 0)
FROM offers{" GROUP BY grp" if group else ""}
"""


UPTAKE_SQL = uptake_sql()

COLPOSCOPY_SQL = """
WITH made(person_id, occurred_on) AS MATERIALIZED (
    SELECT person_id, occurred_on FROM screening_event
    WHERE programme = :programme AND event = 'colposcopy_referred'
      AND occurred_on >= :start AND occurred_on <= :stop
    ORDER BY +person_id
),
referrals(days_to_attend, deadline) AS (
    SELECT
        (SELECT julianday(min(a.occurred_on)) - julianday(r.occurred_on)
         FROM screening_event a
         WHERE a.person_id = r.person_id AND a.programme = :programme
           AND a.event = 'colposcopy_attended'
           AND a.occurred_on >= r.occurred_on AND a.occurred_on <= :as_of),
        date(r.occurred_on, :long)
    FROM made r
)
SELECT count(*),
    coalesce(sum(days_to_attend <= :short_days), 0),
    coalesce(sum(days_to_attend <= :long_days), 0),
    coalesce(sum((days_to_attend IS NULL OR days_to_attend > :long_days)
                 AND deadline >= :as_of), 0)
FROM referrals
"""


@dataclass(frozen=True)
class Uptake:
    """Offers in the period: ``tested`` within the window, ``untested`` with the window
    passed, ``pending`` (window still open, no test yet). ``rate`` = tested / (tested +
    untested), a percentage, None with no denominator."""

    offers: int
    tested: int
    untested: int

    @property
    def pending(self) -> int:
        return self.offers - self.tested - self.untested

    @property
    def denominator(self) -> int:
        return self.tested + self.untested

    @property
    def rate(self) -> float | None:
        return percent(self.tested, self.denominator)


@dataclass(frozen=True)
class Reach:
    """Eligible residents not covered at some point in the period (``uncovered``) and those of
    them who had a one-to-one conversation in it (``reached``)."""

    uncovered: int
    reached: int

    @property
    def rate(self) -> float | None:
        return percent(self.reached, self.uncovered)


@dataclass(frozen=True)
class Colposcopy:
    """Colposcopy referrals in the period and how many were attended within 2 and 6 weeks
    (the 6-week count includes the 2-week one); ``pending``: not yet attended, 6 weeks not
    yet passed."""

    referred: int
    within_2_weeks: int
    within_6_weeks: int
    pending: int


def stop_day(period: Period, as_of: date) -> date:
    """The last day of ``period`` that is read on ``as_of``."""
    return min(period.end, as_of)


def uptake(
    session: Session, period: Period, *, as_of: date, programme: Programme | None = None
) -> Uptake:
    """Uptake of offers made in ``period`` (see definitions.md, "Uptake")."""
    programme = programme or load_programme()
    offers, tested, untested = session.execute(
        text(UPTAKE_SQL), uptake_params(programme, period, as_of)
    ).one()
    return Uptake(int(offers), int(tested), int(untested))


def uptake_params(programme: Programme, period: Period, as_of: date) -> dict[str, str]:
    """The parameters of :func:`uptake_sql` for offers made in ``period``, read on ``as_of``."""
    return {
        "programme": programme.key,
        "window": f"+{programme.uptake_window_days} days",
        "start": period.start.isoformat(),
        "stop": stop_day(period, as_of).isoformat(),
        "as_of": as_of.isoformat(),
    }


def reach_check_days(period: Period, as_of: date) -> list[date]:
    """The days everyone resident is checked on for :func:`reach`: the period's first day and
    each month end in it, up to ``as_of`` (the current month is checked on ``as_of``)."""
    stop = stop_day(period, as_of)
    if stop < period.start:
        return []
    days = {period.start, stop}
    days.update(end for end in period.month_ends() if end <= stop)
    return sorted(days)


def reach(
    session: Session, period: Period, *, as_of: date, programme: Programme | None = None
) -> Reach:
    """Reach of one-to-one conversations among the uncovered (see definitions.md, "Reach")."""
    programme = programme or load_programme()
    return reach_from(check(session, programme=programme, **reach_checks(period, as_of)))


def reach_checks(period: Period, as_of: date) -> dict[str, Any]:
    """The arguments of :func:`outreach.stats.checks.check` that ask for reach over
    ``period`` read on ``as_of``."""
    grid = reach_check_days(period, as_of)
    if not grid:
        return {}
    return {"reach_days": grid, "reach_first": period.start, "reach_last": grid[-1]}


def reach_from(checked: Checked) -> Reach:
    return Reach(checked.uncovered, checked.reached)


def colposcopy(
    session: Session, period: Period, *, as_of: date, programme: Programme | None = None
) -> Colposcopy:
    """Colposcopy referrals made in ``period`` and their attendance by ``as_of``."""
    programme = programme or load_programme()
    short = programme.colposcopy_days[ResultAction.colposcopy_2_weeks]
    long = programme.colposcopy_days[ResultAction.colposcopy_6_weeks]
    row = session.execute(
        text(COLPOSCOPY_SQL),
        {
            "programme": programme.key,
            "start": period.start.isoformat(),
            "stop": stop_day(period, as_of).isoformat(),
            "as_of": as_of.isoformat(),
            "short_days": short,
            "long_days": long,
            "long": f"+{long} days",
        },
    ).one()
    return Colposcopy(*(int(value) for value in row))
