"""Outreach activity over a period: conversations, barriers, outcomes, days from first
conversation to test, and follow-ups. Each figure is one grouped SQL query.

Definitions: ``outreach/stats/definitions.md`` ("Conversations" to "Follow-ups").
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import text
from sqlmodel import Session

from outreach.rules.programme import Programme, load_programme
from outreach.stats.coverage import ADEQUATE
from outreach.stats.pathway import stop_day
from outreach.stats.period import Period

# Identified people in each conversation of the period: the one-to-one person, or the
# identified attendees of a group session.
_PERIOD_PEOPLE = """
conv(id, person_id) AS MATERIALIZED (
    SELECT id, person_id FROM conversation WHERE occurred_on >= :start AND occurred_on <= :stop
),
people(conversation_id, person_id) AS (
    SELECT id, person_id FROM conv WHERE person_id IS NOT NULL
    UNION
    SELECT a.conversation_id, a.person_id
    FROM conversation_attendee a JOIN conv ON conv.id = a.conversation_id
)"""

PEOPLE_SQL = f"""
WITH {_PERIOD_PEOPLE}
SELECT count(DISTINCT person_id) FROM people
"""

# One pass over the period's conversations (index-only on ix_conversation_on_cover); totals,
# settings and outcomes are sums over these few groups.
GROUPS_SQL = """
SELECT kind, setting, outcome, count(*), sum(minutes), sum(attendees)
FROM conversation
WHERE occurred_on >= :start AND occurred_on <= :stop
GROUP BY kind, setting, outcome
"""

BY_MENTOR_SQL = """
SELECT m.name, count(*), coalesce(sum(c.minutes), 0)
FROM conversation c
JOIN conversation_mentor cm ON cm.conversation_id = c.id
JOIN mentor m ON m.id = cm.mentor_id
WHERE c.occurred_on >= :start AND c.occurred_on <= :stop
GROUP BY m.id
ORDER BY m.name
"""

BARRIERS_SQL = f"""
WITH {_PERIOD_PEOPLE}
SELECT b.code, count(DISTINCT b.conversation_id), count(DISTINCT people.person_id)
FROM conversation_barrier b
JOIN conv ON conv.id = b.conversation_id
LEFT JOIN people ON people.conversation_id = b.conversation_id
GROUP BY b.code
ORDER BY b.code
"""

DAYS_TO_TEST_SQL = f"""
WITH {_PERIOD_PEOPLE},
first(person_id, first_on) AS (
    SELECT DISTINCT people.person_id, c.occurred_on
    FROM people JOIN conversation c ON c.id = people.conversation_id
    WHERE NOT EXISTS (
        SELECT 1 FROM conversation e
        WHERE e.person_id = people.person_id AND e.occurred_on < c.occurred_on
    ) AND NOT EXISTS (
        SELECT 1 FROM conversation_attendee a JOIN conversation e ON e.id = a.conversation_id
        WHERE a.person_id = people.person_id AND e.occurred_on < c.occurred_on
    )
),
waits(days) AS (
    SELECT julianday((
        SELECT min(t.occurred_on) FROM screening_event t
        WHERE t.person_id = f.person_id AND t.programme = :programme AND t.event = 'test'
          AND t.occurred_on >= f.first_on AND t.occurred_on <= :as_of
          AND {ADEQUATE.format(e="t")}
    )) - julianday(f.first_on)
    FROM first f
),
tested(days) AS (SELECT days FROM waits WHERE days IS NOT NULL)
SELECT
    (SELECT count(*) FROM waits),
    (SELECT count(*) FROM tested),
    (SELECT avg(days) FROM (
        SELECT days FROM tested ORDER BY days
        LIMIT 2 - (SELECT count(*) FROM tested) % 2
        OFFSET ((SELECT count(*) FROM tested) - 1) / 2
    ))
"""

FOLLOW_UPS_SQL = """
WITH open_on(due_on) AS (
    SELECT due_on FROM follow_up
    WHERE programme = :programme AND substr(created_at, 1, 10) <= :as_of
      AND (status = 'open' OR (status = 'done' AND done_on > :as_of))
)
SELECT
    (SELECT count(*) FROM open_on),
    (SELECT count(*) FROM open_on WHERE due_on < :as_of),
    coalesce(sum(done_on IS NOT NULL), 0),
    coalesce(sum(done_on <= due_on), 0)
FROM follow_up
WHERE programme = :programme AND status = 'done' AND done_on >= :start AND done_on <= :stop
"""


@dataclass(frozen=True)
class Conversations:
    """Conversations held in the period; ``people`` counts distinct identified people;
    ``by_mentor`` and ``by_setting`` map a name or code to (conversations, minutes)."""

    count: int
    people: int
    one_to_one: int
    group: int
    attendees: int
    minutes: int
    by_mentor: dict[str, tuple[int, int]] = field(default_factory=dict)
    by_setting: dict[str, tuple[int, int]] = field(default_factory=dict)


@dataclass(frozen=True)
class DaysToTest:
    """People whose first identified conversation fell in the period, how many had an adequate
    test on or after it (by as-of), and the median days between the two."""

    people: int
    tested: int
    median_days: float | None


@dataclass(frozen=True)
class FollowUps:
    """Follow-ups open on as-of, of them overdue (due before as-of), and those completed in
    the period, of them on or before their due date."""

    open: int
    overdue: int
    completed: int
    completed_on_time: int


@dataclass(frozen=True)
class Activity:
    conversations: Conversations
    barriers: dict[str, tuple[int, int]]
    """Barrier code -> (conversations, distinct identified people)."""
    outcomes: dict[str, int]
    days_to_test: DaysToTest
    follow_ups: FollowUps


def _params(period: Period, as_of: date, programme: Programme) -> dict[str, str]:
    return {
        "start": period.start.isoformat(),
        "stop": stop_day(period, as_of).isoformat(),
        "as_of": as_of.isoformat(),
        "programme": programme.key,
    }


def conversations(session: Session, period: Period, *, as_of: date) -> Conversations:
    return _conversations_and_outcomes(session, period, as_of=as_of)[0]


def outcomes(session: Session, period: Period, *, as_of: date) -> dict[str, int]:
    return _conversations_and_outcomes(session, period, as_of=as_of)[1]


def _conversations_and_outcomes(
    session: Session, period: Period, *, as_of: date
) -> tuple[Conversations, dict[str, int]]:
    params = _params(period, as_of, load_programme())
    kinds: dict[str, int] = {}
    settings: dict[str, tuple[int, int]] = {}
    by_outcome: dict[str, int] = {}
    count = minutes = attendees = 0
    for kind, setting, outcome, n, spent, came in session.execute(text(GROUPS_SQL), params):
        count, minutes, attendees = count + n, minutes + spent, attendees + came
        kinds[kind] = kinds.get(kind, 0) + n
        old = settings.get(setting, (0, 0))
        settings[setting] = (old[0] + n, old[1] + spent)
        by_outcome[outcome] = by_outcome.get(outcome, 0) + n
    people = session.execute(text(PEOPLE_SQL), params).scalar_one()
    mentors = {r[0]: (r[1], r[2]) for r in session.execute(text(BY_MENTOR_SQL), params)}
    found = Conversations(
        count=count,
        people=int(people),
        one_to_one=kinds.get("one_to_one", 0),
        group=kinds.get("group", 0),
        attendees=attendees,
        minutes=minutes,
        by_mentor=mentors,
        by_setting=dict(sorted(settings.items())),
    )
    return found, dict(sorted(by_outcome.items()))


def barriers(session: Session, period: Period, *, as_of: date) -> dict[str, tuple[int, int]]:
    params = _params(period, as_of, load_programme())
    return {r[0]: (r[1], r[2]) for r in session.execute(text(BARRIERS_SQL), params)}


def days_to_test(
    session: Session, period: Period, *, as_of: date, programme: Programme | None = None
) -> DaysToTest:
    params = _params(period, as_of, programme or load_programme())
    people, tested, median = session.execute(text(DAYS_TO_TEST_SQL), params).one()
    return DaysToTest(int(people), int(tested), None if median is None else float(median))


def follow_ups(
    session: Session, period: Period, *, as_of: date, programme: Programme | None = None
) -> FollowUps:
    params = _params(period, as_of, programme or load_programme())
    row = session.execute(text(FOLLOW_UPS_SQL), params).one()
    return FollowUps(*(int(value) for value in row))


def activity(
    session: Session, period: Period, *, as_of: date, programme: Programme | None = None
) -> Activity:
    """Every outreach figure for ``period`` read on ``as_of``."""
    programme = programme or load_programme()
    held, by_outcome = _conversations_and_outcomes(session, period, as_of=as_of)
    return Activity(
        conversations=held,
        barriers=barriers(session, period, as_of=as_of),
        outcomes=by_outcome,
        days_to_test=days_to_test(session, period, as_of=as_of, programme=programme),
        follow_ups=follow_ups(session, period, as_of=as_of, programme=programme),
    )
