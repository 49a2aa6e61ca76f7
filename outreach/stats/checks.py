"""Checks of who is eligible and covered on given days: the one SQL statement behind the
coverage trend and reach, which look at nearly the same days over the same stays and so are
read together when the dashboard wants both.

Definitions: ``outreach/stats/definitions.md`` ("Coverage on a day D", "Reach").
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from functools import cache

from sqlalchemy import text
from sqlmodel import Session

from outreach.queries import (
    addressed,
    adequate_test,
    clinical_ceasing,
    events,
    outer,
    param,
    programme_applies,
    sql,
    stay_until,
    stays,
    tested_within,
)
from outreach.rules.equity import EQUITY_KEYS
from outreach.rules.programme import Programme
from outreach.stats.bounds import band_json

# Definitions written into the statement below (``outreach.queries``).
_CLINICAL_CEASING = sql(clinical_ceasing(events()), bare=True)
_ADEQUATE_TEST = sql(adequate_test(events("e")))
_STAY_UNTIL = sql(stay_until(stays()), bare=True)
_LATER_STAY_UNTIL = sql(stay_until(stays("l")))
_APPLIES = sql(programme_applies(outer("p")))

# The measures below check people on a few days each. Every check is one row, so what a row
# costs decides the speed: a lookup in an on-disk index costs about as much as everything else
# in the row together, and far less when the lookups come in person order (the pages they need
# are then already in the cache, decrypted). So:
# - ``span``: the stays overlapping [first, last] (a range of ix_stay_until_arrived, whose
#   expression ``queries.stay_until`` must be written exactly so), sorted by person;
# - ``ceased``: the first clinical ceasing of each person ceased by ``last``: few rows, read
#   from one range of ix_screening_event_on_person (migration 0005);
# - ``facts``: one row per stay, in that order, with what is known of the person once: date of
#   birth, the first clinical ceasing, and the latest adequate test up to the stay's last
#   possible check day. When that test is no later than the stay's first possible check day
#   (max(arrived_on, first)), it is the latest test on every day checked, and the check needs
#   no lookup at all (``settled``); otherwise each check looks its tests up itself. ``shared``:
#   another stay of the person begins during this one (see CHECKS_SQL).
# The lookups name the narrow indexes of migration 0006 (``INDEXED BY``: the planner would
# otherwise take the wider ones it has more equality columns for, or the table's rowid):
# ix_person_birth for birth dates, ix_screening_adequate (adequate tests only; its condition
# is ``queries.adequate_test``, which each lookup implies) for tests. The pages all the checks need
# then fit the page cache together, and are decrypted once rather than on every read.
BANDS_CTE = """
bands(d, band, dob_after, dob_upto, window_start) AS MATERIALIZED (
    SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4
    FROM json_each(:bands)
)"""

FACTS_CTE = f"""
span(id, person_id, unit_id, arrived_on, until) AS MATERIALIZED (
    SELECT id, person_id, unit_id, +arrived_on, {_STAY_UNTIL} FROM stay
    WHERE {_STAY_UNTIL} > :first AND arrived_on <= :last
    ORDER BY +person_id
),
ceased(person_id, first_on) AS MATERIALIZED (
    SELECT person_id, min(occurred_on) FROM screening_event
    WHERE programme = :programme AND {_CLINICAL_CEASING} AND occurred_on <= :last
    GROUP BY person_id
),
facts(id, person_id, unit_id, arrived_on, until, dob, ceased_on, latest, shared) AS MATERIALIZED (
    SELECT s.id, s.person_id, s.unit_id, s.arrived_on, s.until, +p.date_of_birth,
        ceased.first_on,
        (SELECT +e.occurred_on FROM screening_event e INDEXED BY ix_screening_adequate
         WHERE e.person_id = s.person_id AND e.programme = :programme AND {_ADEQUATE_TEST}
           AND e.occurred_on <= :last AND e.occurred_on < s.until
         ORDER BY e.occurred_on DESC LIMIT 1),
        EXISTS (
            SELECT 1 FROM stay l
            WHERE l.person_id = s.person_id AND l.arrived_on >= s.arrived_on
              AND l.arrived_on < s.until AND l.id != s.id
        )
    FROM span s CROSS JOIN person p INDEXED BY ix_person_birth ON p.id = s.person_id
    LEFT JOIN ceased ON ceased.person_id = s.person_id
    WHERE {_APPLIES}
)"""

# Covered on c.d, for a check ``c`` (person_id, d, latest, settled) in age band ``b``.
_TESTED = tested_within(
    outer("c").c.person_id,
    programme=param("programme"),
    day=outer("c").c.d,
    window_start=outer("b").c.window_start,
    alias="e",
)
COVERED = f"""CASE WHEN c.settled THEN coalesce(c.latest > b.window_start, 0) ELSE
    {sql(_TESTED, indexed_by={"e": "ix_screening_adequate"})} END"""

# Every check day is a ``grid`` row [day, for the trend, for reach]; the row with no day
# stands for each stay's arrival day, checked for reach when the stay begins in the reach
# period and the person is still resident at the end of that day. Each check is worked out
# once (``judged``) and counted by both measures:
# - trend: residents on each trend day, eligible, covered and clinically ceased (resident, the
#   programme applies, aged in a band, but ceased by that day) by day, band and unit; someone
#   with overlapping stays counts once, in the unit of the stay that began last (ties: the
#   later-recorded stay): a stay's check is dropped when a later stay of the same person is
#   resident that day, which needs a lookup only for the rare stays that another stay of the
#   person begins during;
# - reach: the distinct people eligible and uncovered on some reach check, each looked up once
#   for a one-to-one conversation in the reach period that addressed the programme (by a
#   person column for an equity breakdown: see ``checks_sql``).
_CHECKS_WITH = f"""
WITH {BANDS_CTE},
grid(d, trend, reach) AS MATERIALIZED (
    SELECT value ->> 0, value ->> 1, value ->> 2 FROM json_each(:days)
),
{FACTS_CTE},
checks(person_id, unit_id, d, dob, ceased_on, latest, settled, trend, reach) AS (
    SELECT f.person_id, f.unit_id, coalesce(g.d, f.arrived_on), f.dob, f.ceased_on, f.latest,
        f.latest IS NULL OR f.latest <= max(f.arrived_on, :first),
        CASE WHEN g.trend AND (:unit IS NULL OR f.unit_id = :unit) THEN NOT (f.shared AND EXISTS (
            SELECT 1 FROM stay l
            WHERE l.person_id = f.person_id AND l.arrived_on >= f.arrived_on
              AND l.arrived_on <= g.d AND l.id != f.id
              AND (l.arrived_on > f.arrived_on OR l.id > f.id)
              AND {_LATER_STAY_UNTIL} > g.d
        )) ELSE 0 END,
        g.reach
    FROM facts f CROSS JOIN grid g
        ON CASE WHEN g.d IS NULL
            THEN f.arrived_on >= :reach_first AND f.arrived_on <= :reach_last
                AND f.until > f.arrived_on
            ELSE g.d >= f.arrived_on AND g.d < f.until END
),
judged(d, band, unit_id, person_id, trend, reach, ceased, covered) AS @JUDGED@ (
    SELECT c.d, b.band, c.unit_id, c.person_id, c.trend, c.reach,
        coalesce(c.ceased_on <= c.d, 0),
        CASE WHEN c.ceased_on <= c.d THEN 0 ELSE {COVERED} END
    FROM checks c
    CROSS JOIN bands b ON b.d = c.d AND c.dob > b.dob_after AND c.dob <= b.dob_upto
    WHERE c.trend OR (c.reach AND (c.ceased_on IS NULL OR c.ceased_on > c.d))
)
@TREND@"""

_TREND = """SELECT 'trend', d, band, unit_id, count(*) - sum(ceased), sum(covered), sum(ceased)
FROM judged WHERE trend
GROUP BY d, band, unit_id
UNION ALL
"""

_ADDRESSED = sql(addressed(outer("c"), param("programme")))

_REACH = """SELECT 'reach', {group}, NULL, NULL, count(*),
    coalesce(sum(EXISTS (
        SELECT 1 FROM conversation c
        WHERE c.person_id = u.person_id AND c.kind = 'one_to_one'
          AND c.occurred_on >= :reach_first AND c.occurred_on <= :reach_last
          AND ({addressed})
    )), 0),
    0
FROM (SELECT DISTINCT person_id FROM judged WHERE reach AND NOT ceased AND NOT covered) u{join}
"""


@cache
def checks_sql(reach_by: str | None = None, *, trend: bool = True) -> str:
    """The checks statement; with ``reach_by`` (an equity field's person column), reach is
    counted once per value of that column, each row carrying the value where the site's
    statement has NULL. Without ``trend`` (no trend day asked for, so no trend row) the
    statement counts reach alone: ``judged`` is read once, so it is not materialised, and
    only the distinct people it yields are held (at 1,000,000 people a year's checks held
    whole took 22 MB more at their peak)."""
    with_ = _CHECKS_WITH.replace(
        "@JUDGED@", "MATERIALIZED" if trend else "NOT MATERIALIZED"
    ).replace("@TREND@", _TREND if trend else "")
    if reach_by is None:
        return with_ + _REACH.format(group="NULL", join="", addressed=_ADDRESSED)
    if reach_by not in EQUITY_KEYS:
        # A column name goes into the statement's text: only the fields' own, never input.
        raise ValueError(f"not an equity field: {reach_by!r}")
    join = f"\nJOIN person rp ON rp.id = u.person_id\nGROUP BY rp.{reach_by}"
    return with_ + _REACH.format(group=f"rp.{reach_by}", join=join, addressed=_ADDRESSED)


CHECKS_SQL = checks_sql()


@dataclass(frozen=True)
class Checked:
    """``cells``: (day, band, unit id, eligible, covered, ceased) for each trend day, band and
    unit with anyone eligible or clinically ceased (resident, the programme applies, aged in a
    band, but ceased clinically by that day, so not eligible); ``uncovered`` and ``reached``:
    the reach counts (0 when no reach period was asked for); ``reach_groups``: with an
    equity breakdown, (uncovered, reached) by the person's code (they add up to the two)."""

    cells: list[tuple[str, str, int | None, int, int, int]]
    uncovered: int
    reached: int
    reach_groups: dict[str | None, tuple[int, int]] = field(default_factory=dict)


def check(
    session: Session,
    *,
    programme: Programme,
    trend_days: Sequence[date] = (),
    unit: int | None = None,
    reach_days: Sequence[date] = (),
    reach_first: date | None = None,
    reach_last: date | None = None,
    reach_by: str | None = None,
) -> Checked:
    """Coverage cells on ``trend_days`` (of ``unit``'s residents if given) and reach over
    [``reach_first``, ``reach_last``] checked on ``reach_days`` and on arrival days in that
    range, from one statement; reach also by the equity field ``reach_by`` (a person column
    of ``outreach.rules.equity``) when given."""
    wants_reach = reach_first is not None and reach_last is not None and bool(reach_days)
    trend = set(trend_days)
    reach = set(reach_days) if wants_reach else set()
    days = sorted(trend | reach)
    if not days:
        return Checked([], 0, 0)
    grid: list[list[str | int | None]] = [
        [day.isoformat(), int(day in trend), int(day in reach)] for day in days
    ]
    band_days = set(days)
    if wants_reach:
        assert reach_first is not None and reach_last is not None
        grid.append([None, 0, 1])
        band_days.update(
            reach_first + timedelta(days=n) for n in range((reach_last - reach_first).days + 1)
        )
    rows = session.execute(
        text(checks_sql(reach_by, trend=bool(trend))),
        {
            "days": json.dumps(grid, separators=(",", ":")),
            "bands": band_json(programme, sorted(band_days)),
            "programme": programme.key,
            # The reach period's first and last days are among its check days.
            "first": days[0].isoformat(),
            "last": days[-1].isoformat(),
            "unit": unit,
            "reach_first": reach_first.isoformat() if wants_reach and reach_first else None,
            "reach_last": reach_last.isoformat() if wants_reach and reach_last else None,
        },
    ).all()
    cells = []
    uncovered = reached = 0
    groups: dict[str | None, tuple[int, int]] = {}
    for part, d, band, unit_id, n, k, ceased in rows:
        if part == "trend":
            cells.append((d, band, unit_id, int(n), int(k), int(ceased)))
        else:
            uncovered, reached = uncovered + int(n), reached + int(k)
            if reach_by is not None and int(n):
                groups[d] = (int(n), int(k))
    return Checked(cells, uncovered, reached, groups)
