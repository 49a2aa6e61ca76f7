"""Hand-written SQL for the figures the dashboard, search and export show, written from
``outreach/stats/definitions.md`` as someone with the schema and no application would write
them: one plain statement per figure, the tables' own indexes, no hints.

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

ADEQUATE = (
    "(e.hpv IN ('negative', 'positive') OR "
    "(e.hpv IS NULL AND e.cytology IS NOT NULL AND e.cytology != 'inadequate'))"
)

CEASED_BY = """EXISTS (
    SELECT 1 FROM screening_event e
    WHERE e.person_id = {person} AND e.programme = :programme AND e.event = 'ceased'
      AND e.reason IN ('no_cervix', 'radiotherapy') AND e.occurred_on <= {day})"""

TESTED_WITHIN = f"""EXISTS (
    SELECT 1 FROM screening_event e
    WHERE e.person_id = {{person}} AND e.programme = :programme AND e.event = 'test'
      AND e.occurred_on > {{after}} AND e.occurred_on <= {{upto}} AND {ADEQUATE})"""

# Residents on :d, one row each (overlapping stays: the stay that began last, ties the
# later-recorded), aged in a band, the programme applying; ceased clinically or not.
COVERAGE_SQL = f"""
WITH bands(band, dob_after, dob_upto, window_start) AS (
    SELECT value ->> 1, value ->> 2, value ->> 3, value ->> 4 FROM json_each(:bands)
),
resident(person_id, unit_id, latest) AS (
    SELECT person_id, unit_id,
        row_number() OVER (PARTITION BY person_id ORDER BY arrived_on DESC, id DESC)
    FROM stay WHERE arrived_on <= :d AND (left_on IS NULL OR left_on > :d)
),
aged(person_id, unit_id, band, window_start, ceased) AS (
    SELECT r.person_id, r.unit_id, b.band, b.window_start,
        {CEASED_BY.format(person="r.person_id", day=":d")}
    FROM resident r JOIN person p ON p.id = r.person_id
    JOIN bands b ON p.date_of_birth > b.dob_after AND p.date_of_birth <= b.dob_upto
    WHERE r.latest = 1 AND p.has_cervix != 'no'
)
SELECT band, unit_id, count(*) - sum(ceased),
    coalesce(sum(NOT a.ceased AND {
    TESTED_WITHIN.format(person="a.person_id", after="a.window_start", upto=":d")
}), 0),
    sum(a.ceased)
FROM aged a GROUP BY band, unit_id
"""

CONVERSATIONS_SQL = """
SELECT kind, setting, outcome, count(*), coalesce(sum(minutes), 0), coalesce(sum(attendees), 0)
FROM conversation WHERE occurred_on BETWEEN :start AND :stop
GROUP BY kind, setting, outcome
"""

PEOPLE_SQL = """
SELECT count(DISTINCT person_id) FROM (
    SELECT person_id FROM conversation
    WHERE occurred_on BETWEEN :start AND :stop AND person_id IS NOT NULL
    UNION ALL
    SELECT a.person_id FROM conversation c JOIN conversation_attendee a ON a.conversation_id = c.id
    WHERE c.occurred_on BETWEEN :start AND :stop AND c.kind = 'group'
)
"""

MENTORS_SQL = """
SELECT m.name, count(*), coalesce(sum(c.minutes), 0)
FROM conversation c JOIN conversation_mentor cm ON cm.conversation_id = c.id
JOIN mentor m ON m.id = cm.mentor_id
WHERE c.occurred_on BETWEEN :start AND :stop
GROUP BY m.name
"""

BARRIERS_SQL = """
SELECT b.code, count(DISTINCT c.id), count(DISTINCT coalesce(a.person_id, c.person_id))
FROM conversation c JOIN conversation_barrier b ON b.conversation_id = c.id
LEFT JOIN conversation_attendee a ON c.kind = 'group' AND a.conversation_id = c.id
WHERE c.occurred_on BETWEEN :start AND :stop
GROUP BY b.code
"""

# first_contact is the schema's table of each person's first identified conversation.
DAYS_TO_TEST_SQL = f"""
SELECT julianday((
    SELECT min(e.occurred_on) FROM screening_event e
    WHERE e.person_id = f.person_id AND e.programme = :programme AND e.event = 'test'
      AND e.occurred_on >= f.first_on AND e.occurred_on <= :as_of AND {ADEQUATE}
)) - julianday(f.first_on)
FROM first_contact f WHERE f.first_on BETWEEN :start AND :stop
"""

FOLLOW_UPS_SQL = """
WITH open_on(due_on, resident) AS (
    SELECT f.due_on, EXISTS (
        SELECT 1 FROM stay s WHERE s.person_id = f.person_id AND s.arrived_on <= :stop
          AND (s.left_on IS NULL OR s.left_on > :stop))
    FROM follow_up f
    WHERE f.programme = :programme AND f.opened_on <= :stop
      AND (f.status = 'open' OR (f.status = 'done' AND f.done_on > :stop)
        OR (f.status = 'cancelled' AND f.cancelled_on > :stop))
)
SELECT (SELECT count(*) FROM open_on WHERE resident),
    (SELECT count(*) FROM open_on WHERE resident AND due_on < :stop),
    (SELECT count(*) FROM follow_up WHERE programme = :programme AND status = 'done'
        AND done_on BETWEEN :start AND :stop),
    (SELECT count(*) FROM follow_up WHERE programme = :programme AND status = 'done'
        AND done_on BETWEEN :start AND :stop AND done_on <= original_due_on),
    (SELECT count(*) FROM open_on WHERE NOT resident)
"""

# Checked on the fixed days, and each stay beginning in the period on its arrival day.
REACH_SQL = f"""
WITH bands(d, dob_after, dob_upto, window_start) AS (
    SELECT value ->> 0, value ->> 2, value ->> 3, value ->> 4 FROM json_each(:bands)
),
days(d) AS (SELECT value FROM json_each(:days)),
checks(person_id, d) AS (
    SELECT s.person_id, days.d FROM days JOIN stay s
        ON s.arrived_on <= days.d AND (s.left_on IS NULL OR s.left_on > days.d)
    UNION
    SELECT person_id, arrived_on FROM stay
    WHERE arrived_on BETWEEN :start AND :stop AND (left_on IS NULL OR left_on > arrived_on)
),
uncovered(person_id) AS (
    SELECT DISTINCT c.person_id FROM checks c JOIN person p ON p.id = c.person_id
    JOIN bands b ON b.d = c.d AND p.date_of_birth > b.dob_after AND p.date_of_birth <= b.dob_upto
    WHERE p.has_cervix != 'no'
      AND NOT {CEASED_BY.format(person="c.person_id", day="c.d")}
      AND NOT {TESTED_WITHIN.format(person="c.person_id", after="b.window_start", upto="c.d")}
)
SELECT count(*), coalesce(sum(EXISTS (
    SELECT 1 FROM conversation v WHERE v.person_id = u.person_id AND v.kind = 'one_to_one'
      AND v.occurred_on BETWEEN :start AND :stop)), 0)
FROM uncovered u
"""

UPTAKE_SQL = f"""
WITH offers(tested, due) AS (
    SELECT {
    TESTED_WITHIN.format(
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


def coverage(
    place: Place, day: date
) -> tuple[int, int, int, dict[str, Cell], dict[int | None, Cell]]:
    """(eligible, covered, clinically ceased, by band, by unit id) on ``day``."""
    bands = json.dumps(band_rows(place.programme, [day]))
    rows = place.conn.execute(COVERAGE_SQL, place.params(d=day.isoformat(), bands=bands)).fetchall()
    by_band: dict[str, list[int]] = {}
    by_unit: dict[int | None, list[int]] = {}
    eligible = covered = ceased = 0
    for band, unit, n, k, c in rows:
        eligible, covered, ceased = eligible + n, covered + k, ceased + c
        for table, key in ((by_band, band), (by_unit, unit)):
            cell = table.setdefault(key, [0, 0])
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
    """(eligible, covered) on each of ``days``: the coverage statement once a day."""
    return [coverage(place, day)[:2] for day in days]


def conversations(place: Place) -> dict[str, Any]:
    """The period's conversation figures: counts by kind, setting, outcome and mentor,
    minutes, attendees, people, barriers and days from first conversation to test."""
    params = place.params()
    kinds: dict[str, int] = {}
    settings: dict[str, list[int]] = {}
    outcomes: dict[str, int] = {}
    count = minutes = attendees = 0
    for kind, setting, outcome, n, m, a in place.conn.execute(CONVERSATIONS_SQL, params):
        count, minutes, attendees = count + n, minutes + m, attendees + a
        kinds[kind] = kinds.get(kind, 0) + n
        cell = settings.setdefault(setting, [0, 0])
        cell[0] += n
        cell[1] += m
        outcomes[outcome] = outcomes.get(outcome, 0) + n
    people = place.conn.execute(PEOPLE_SQL, params).fetchone()[0]
    mentors = {name: (n, m) for name, n, m in place.conn.execute(MENTORS_SQL, params)}
    barriers = {code: (n, p) for code, n, p in place.conn.execute(BARRIERS_SQL, params)}
    waits = [row[0] for row in place.conn.execute(DAYS_TO_TEST_SQL, params)]
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
