"""Hand-written SQL for the figures the dashboard, search and export show, written from
``outreach/stats/definitions.md`` as someone who knows the schema and SQLite well would write
them for speed, with the same indexes the application has: each figure's rows read once from
the narrowest index that covers them (``INDEXED BY`` where the planner would pick a wider one),
sets that are looked up many times materialised first, lookups made in person order so the
pages they need stay in the cache. What the hand SQL does not have is the application's kept
figures of ended months (``month_coverage``, ``month_activity``): it counts every figure from
the rows each time.

The hand SQL counts the conversations whose first programme is any (the benchmark's data has
only cervical screening's, and the plain copy of a store built before migration 0024 has no
programme in its rows), so it skips the programme test the application makes on each.

The benchmark runs them on any DB-API connection to the same data (the plain copy, or the
keyed store's own connection) and checks that they return the application's numbers, so the
ratio it prints compares equal work. Dates that need month arithmetic (age bands, test
windows) come from ``outreach.stats.bounds.band_rows``, the definitions' own arithmetic.
"""

from __future__ import annotations

import json
import statistics
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from outreach.rules.programme import Programme
from outreach.stats.bounds import band_rows
from outreach.stats.pathway import reach_check_days, stop_day
from outreach.stats.period import Period

# The condition of the partial index ix_screening_adequate, written so a lookup implies it.
ADEQUATE = (
    "e.event = 'test' AND (e.hpv IN ('negative', 'positive') OR "
    "(e.hpv IS NULL AND e.cytology IS NOT NULL AND e.cytology != 'inadequate'))"
)

# The expression of ix_stay_until_arrived: the first day a stay no longer counts.
UNTIL = "coalesce(left_on, '9999-12-31')"

TESTED_WITHIN = f"""EXISTS (
    SELECT 1 FROM screening_event e INDEXED BY ix_screening_adequate
    WHERE e.person_id = {{person}} AND e.programme = :programme AND {ADEQUATE}
      AND e.occurred_on > {{after}} AND e.occurred_on <= {{upto}})"""

# The first clinical ceasing of each person ceased by :last: few rows, one range of
# ix_screening_event_on_person.
CEASED_CTE = """ceased(person_id, first_on) AS MATERIALIZED (
    SELECT person_id, min(occurred_on) FROM screening_event
        INDEXED BY ix_screening_event_on_person
    WHERE programme = :programme AND event = 'ceased' AND reason IN ('no_cervix', 'radiotherapy')
      AND occurred_on <= :last
    GROUP BY person_id
)"""

# Residents on each of :days (one row each: of overlapping stays, the one that began last,
# ties the later-recorded), aged in a band on that day, the programme applying; ceased
# clinically by then or not. The stays come from one range of ix_stay_until_arrived, the birth
# dates from ix_person_birth, and each resident's tests are one seek in ix_screening_adequate,
# made in person order.
COVERAGE_SQL = f"""
WITH bands(d, band, dob_after, dob_upto, window_start) AS MATERIALIZED (
    SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4 FROM json_each(:bands)
),
days(d) AS MATERIALIZED (SELECT value FROM json_each(:days)),
here(person_id, unit_id, d, latest) AS MATERIALIZED (
    SELECT s.person_id, s.unit_id, days.d,
        row_number() OVER (PARTITION BY s.person_id, days.d ORDER BY s.arrived_on DESC, s.id DESC)
    FROM stay s INDEXED BY ix_stay_until_arrived
    CROSS JOIN days ON s.arrived_on <= days.d AND coalesce(s.left_on, '9999-12-31') > days.d
    WHERE coalesce(s.left_on, '9999-12-31') > :first AND s.arrived_on <= :last
),
{CEASED_CTE},
aged(person_id, unit_id, d, band, window_start, ceased) AS MATERIALIZED (
    SELECT h.person_id, h.unit_id, h.d, b.band, b.window_start, coalesce(x.first_on <= h.d, 0)
    FROM here h CROSS JOIN person p INDEXED BY ix_person_birth ON p.id = h.person_id
    JOIN bands b ON b.d = h.d AND p.date_of_birth > b.dob_after AND p.date_of_birth <= b.dob_upto
    LEFT JOIN ceased x ON x.person_id = h.person_id
    WHERE h.latest = 1 AND p.has_cervix != 'no'
    ORDER BY h.person_id
)
SELECT d, band, unit_id, count(*) - sum(ceased),
    coalesce(sum(NOT ceased AND {
    TESTED_WITHIN.format(person="a.person_id", after="a.window_start", upto="a.d")
}), 0),
    sum(ceased)
FROM aged a GROUP BY d, band, unit_id
"""

# The period's conversations read once from ix_conversation_on_cover (every column the figures
# need is in it), then each figure from that set; mentor, barrier and attendee rows are
# looked up by their primary keys. People whose first identified conversation ever falls in
# the period are a range of ix_first_contact_on, each one's first adequate test one seek.
CONVERSATIONS_SQL = f"""
WITH conv(id, kind, person_id, setting, outcome, minutes, attendees) AS MATERIALIZED (
    SELECT id, kind, person_id, setting, outcome, minutes, attendees
    FROM conversation INDEXED BY ix_conversation_on_cover
    WHERE occurred_on >= :start AND occurred_on <= :stop
    ORDER BY +id
)
SELECT 'held', kind, setting, outcome, count(*), coalesce(sum(minutes), 0),
    coalesce(sum(attendees), 0)
FROM conv GROUP BY kind, setting, outcome
UNION ALL
SELECT 'people', NULL, NULL, NULL, count(DISTINCT person_id), NULL, NULL FROM (
    SELECT person_id FROM conv WHERE person_id IS NOT NULL
    UNION ALL
    SELECT a.person_id FROM conv c CROSS JOIN conversation_attendee a ON a.conversation_id = c.id
    WHERE c.kind = 'group'
)
UNION ALL
SELECT 'mentor', m.name, NULL, NULL, count(*), coalesce(sum(c.minutes), 0), NULL
FROM conv c CROSS JOIN conversation_mentor cm ON cm.conversation_id = c.id
JOIN mentor m ON m.id = cm.mentor_id
GROUP BY m.name
UNION ALL
SELECT 'barrier', b.code, NULL, NULL, count(DISTINCT c.id),
    count(DISTINCT coalesce(a.person_id, c.person_id)), NULL
FROM conv c CROSS JOIN conversation_barrier b ON b.conversation_id = c.id
LEFT JOIN conversation_attendee a ON c.kind = 'group' AND a.conversation_id = c.id
GROUP BY b.code
UNION ALL
SELECT 'wait', NULL, NULL, NULL, julianday((
    SELECT min(e.occurred_on) FROM screening_event e INDEXED BY ix_screening_adequate
    WHERE e.person_id = f.person_id AND e.programme = :programme AND {ADEQUATE}
      AND e.occurred_on >= f.first_on AND e.occurred_on <= :as_of
)) - julianday(f.first_on), NULL, NULL
FROM first_contact f INDEXED BY ix_first_contact_on
WHERE f.first_on >= :start AND f.first_on <= :stop
"""

# Open on :stop: one range of ix_follow_up_open_until (its expression written exactly), each
# person looked up in the residents on :stop (one range of ix_stay_until_arrived, held in a
# temporary index); done in the period: one range of ix_follow_up_done_on.
FOLLOW_UPS_SQL = f"""
WITH here(person_id) AS MATERIALIZED (
    SELECT person_id FROM stay INDEXED BY ix_stay_until_arrived
    WHERE {UNTIL} > :stop AND arrived_on <= :stop
),
open_on(due_on, resident) AS MATERIALIZED (
    SELECT f.due_on, f.person_id IN here
    FROM follow_up f INDEXED BY ix_follow_up_open_until
    WHERE f.programme = :programme AND f.opened_on <= :stop
      AND CASE f.status WHEN 'open' THEN '9999-12-31' WHEN 'done' THEN f.done_on
          WHEN 'cancelled' THEN f.cancelled_on END > :stop
)
SELECT (SELECT count(*) FROM open_on WHERE resident),
    (SELECT count(*) FROM open_on WHERE resident AND due_on < :stop),
    count(*), coalesce(sum(done_on <= original_due_on), 0),
    (SELECT count(*) FROM open_on WHERE NOT resident)
FROM follow_up INDEXED BY ix_follow_up_done_on
WHERE programme = :programme AND status = 'done' AND done_on >= :start AND done_on <= :stop
"""

# Checked on the fixed days, and each stay beginning in the period on its arrival day: the
# stays overlapping the period are one range of ix_stay_until_arrived; each check is judged
# as in COVERAGE_SQL, and each person uncovered at some check is looked up once in
# ix_conversation_one_to_one.
REACH_SQL = f"""
WITH bands(d, dob_after, dob_upto, window_start) AS MATERIALIZED (
    SELECT value ->> 0, value ->> 2, value ->> 3, value ->> 4 FROM json_each(:bands)
),
days(d) AS MATERIALIZED (SELECT value FROM json_each(:days)),
span(person_id, arrived_on, until) AS MATERIALIZED (
    SELECT person_id, arrived_on, {UNTIL} FROM stay INDEXED BY ix_stay_until_arrived
    WHERE {UNTIL} > :start AND arrived_on <= :last
),
checks(person_id, d) AS MATERIALIZED (
    SELECT s.person_id, days.d FROM span s CROSS JOIN days
        ON s.arrived_on <= days.d AND s.until > days.d
    UNION
    SELECT person_id, arrived_on FROM span
    WHERE arrived_on >= :start AND arrived_on <= :last AND until > arrived_on
),
{CEASED_CTE},
uncovered(person_id) AS MATERIALIZED (
    SELECT DISTINCT c.person_id
    FROM checks c CROSS JOIN person p INDEXED BY ix_person_birth ON p.id = c.person_id
    JOIN bands b ON b.d = c.d AND p.date_of_birth > b.dob_after AND p.date_of_birth <= b.dob_upto
    LEFT JOIN ceased x ON x.person_id = c.person_id
    WHERE p.has_cervix != 'no' AND (x.first_on IS NULL OR x.first_on > c.d)
      AND NOT {TESTED_WITHIN.format(person="c.person_id", after="b.window_start", upto="c.d")}
)
SELECT count(*), coalesce(sum(EXISTS (
    SELECT 1 FROM conversation v INDEXED BY ix_conversation_one_to_one
    WHERE v.person_id = u.person_id AND v.kind = 'one_to_one'
      AND v.occurred_on >= :start AND v.occurred_on <= :last)), 0)
FROM uncovered u
"""

_TESTED_BY = f"""EXISTS (
    SELECT 1 FROM screening_event e
    WHERE e.person_id = {{person}} AND e.programme = :programme AND {ADEQUATE}
      AND e.occurred_on > {{after}} AND e.occurred_on <= {{upto}})"""

UPTAKE_SQL = f"""
WITH offers(tested, due) AS (
    SELECT {
    _TESTED_BY.format(
        person="o.person_id",
        after="date(o.occurred_on, '-1 day')",
        upto="min(date(o.occurred_on, '+183 days'), :as_of)",
    )
},
        date(o.occurred_on, '+183 days')
    FROM screening_event o
    WHERE o.programme = :programme AND o.event = 'offered'
      AND o.occurred_on BETWEEN :start AND :stop
)
SELECT count(*), coalesce(sum(tested), 0), coalesce(sum(NOT tested AND due < :as_of), 0)
FROM offers
"""

COLPOSCOPY_SQL = """
WITH referred(days, deadline) AS (
    SELECT (SELECT julianday(min(a.occurred_on)) FROM screening_event a
            WHERE a.person_id = r.person_id AND a.programme = :programme
              AND a.event = 'colposcopy_attended' AND a.occurred_on >= r.occurred_on
              AND a.occurred_on <= :as_of) - julianday(r.occurred_on),
        date(r.occurred_on, '+42 days')
    FROM screening_event r
    WHERE r.programme = :programme AND r.event = 'colposcopy_referred'
      AND r.occurred_on BETWEEN :start AND :stop
)
SELECT count(*), coalesce(sum(days <= 14), 0), coalesce(sum(days <= 42), 0),
    coalesce(sum((days IS NULL OR days > 42) AND deadline >= :as_of), 0)
FROM referred
"""


@dataclass(frozen=True)
class Place:
    """Where the hand SQL runs and what it is asked about."""

    conn: Any
    programme: Programme
    as_of: date
    period: Period

    def params(self, **more: Any) -> dict[str, Any]:
        return {
            "programme": self.programme.key,
            "as_of": self.as_of.isoformat(),
            "start": self.period.start.isoformat(),
            "stop": stop_day(self.period, self.as_of).isoformat(),
            **more,
        }


Cell = tuple[int, int]


def coverage_cells(
    place: Place, days: list[date]
) -> list[tuple[str, str, int | None, int, int, int]]:
    """(day, band, unit id, eligible, covered, clinically ceased) on each of ``days``, from one
    statement."""
    if not days:
        return []
    params = place.params(
        days=json.dumps([d.isoformat() for d in days]),
        bands=json.dumps(band_rows(place.programme, days)),
        first=min(days).isoformat(),
        last=max(days).isoformat(),
    )
    return [tuple(row) for row in place.conn.execute(COVERAGE_SQL, params)]


def coverage(
    place: Place, day: date
) -> tuple[int, int, int, dict[str, Cell], dict[int | None, Cell]]:
    """(eligible, covered, clinically ceased, by band, by unit id) on ``day``."""
    by_band: dict[str, list[int]] = {}
    by_unit: dict[int | None, list[int]] = {}
    eligible = covered = ceased = 0
    for _, band, unit, n, k, c in coverage_cells(place, [day]):
        eligible, covered, ceased = eligible + n, covered + k, ceased + c
        for cell in (by_band.setdefault(band, [0, 0]), by_unit.setdefault(unit, [0, 0])):
            cell[0] += n
            cell[1] += k
    return (
        eligible,
        covered,
        ceased,
        {k: (v[0], v[1]) for k, v in by_band.items() if v[0]},
        {k: (v[0], v[1]) for k, v in by_unit.items() if v[0]},
    )


def trend(place: Place, days: list[date]) -> list[tuple[int, int]]:
    """(eligible, covered) on each of ``days``, from one statement."""
    totals = {d.isoformat(): [0, 0] for d in days}
    for day, _, _, n, k, _ in coverage_cells(place, days):
        totals[day][0] += n
        totals[day][1] += k
    return [(totals[d.isoformat()][0], totals[d.isoformat()][1]) for d in days]


def conversations(place: Place) -> dict[str, Any]:
    """The period's conversation figures: counts by kind, setting, outcome and mentor,
    minutes, attendees, people, barriers and days from first conversation to test, from one
    statement."""
    kinds: dict[str, int] = {}
    settings: dict[str, list[int]] = {}
    outcomes: dict[str, int] = {}
    mentors: dict[str, tuple[int, int]] = {}
    barriers: dict[str, tuple[int, int]] = {}
    waits: list[float | None] = []
    count = minutes = attendees = people = 0
    for part, key, setting, outcome, n, m, a in place.conn.execute(
        CONVERSATIONS_SQL, place.params()
    ):
        if part == "held":
            count, minutes, attendees = count + n, minutes + m, attendees + a
            kinds[key] = kinds.get(key, 0) + n
            cell = settings.setdefault(setting, [0, 0])
            cell[0] += n
            cell[1] += m
            outcomes[outcome] = outcomes.get(outcome, 0) + n
        elif part == "people":
            people = n
        elif part == "mentor":
            mentors[key] = (n, m)
        elif part == "barrier":
            barriers[key] = (n, m)
        else:
            waits.append(n)
    tested = [days for days in waits if days is not None]
    return {
        "count": count,
        "people": people,
        "one_to_one": kinds.get("one_to_one", 0),
        "group": kinds.get("group", 0),
        "minutes": minutes,
        "attendees": attendees,
        "by_setting": {k: (v[0], v[1]) for k, v in sorted(settings.items())},
        "by_mentor": dict(sorted(mentors.items())),
        "outcomes": dict(sorted(outcomes.items())),
        "barriers": dict(sorted(barriers.items())),
        "days_to_test": (
            len(waits),
            len(tested),
            float(statistics.median(tested)) if tested else None,
        ),
    }


def follow_ups(place: Place) -> tuple[int, ...]:
    """(open, overdue, completed, completed on time, open of people not resident)."""
    return tuple(int(v) for v in place.conn.execute(FOLLOW_UPS_SQL, place.params()).fetchone())


def reach(place: Place) -> tuple[int, int]:
    """(not covered at some check in the period, of them reached one to one)."""
    days = reach_check_days(place.period, place.as_of)
    if not days:
        return (0, 0)
    stop = days[-1]
    every = [place.period.start + timedelta(n) for n in range((stop - place.period.start).days + 1)]
    params = place.params(
        days=json.dumps([d.isoformat() for d in days]),
        bands=json.dumps(band_rows(place.programme, every)),
        last=stop.isoformat(),
    )
    n, k = place.conn.execute(REACH_SQL, params).fetchone()
    return int(n), int(k)


def uptake(place: Place) -> tuple[int, int, int]:
    """(offers, tested within 183 days, untested with the 183 days passed)."""
    n, t, u = place.conn.execute(UPTAKE_SQL, place.params()).fetchone()
    return int(n), int(t), int(u)


def colposcopy(place: Place) -> tuple[int, int, int, int]:
    """(referred, attended within 2 weeks, within 6 weeks, pending)."""
    row = place.conn.execute(COLPOSCOPY_SQL, place.params()).fetchone()
    return tuple(int(v) for v in row)  # type: ignore[return-value]
