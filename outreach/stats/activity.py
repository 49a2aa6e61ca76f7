"""Outreach activity over a period: conversations, barriers, outcomes, days from first
conversation to test, and follow-ups: one SQL statement for the conversation figures, one for
the follow-ups.

Definitions: ``outreach/stats/definitions.md`` ("Conversations" to "Follow-ups").
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import text
from sqlmodel import Session

from outreach.clock import today as clock_today
from outreach.queries import (
    addressed,
    addressed_first,
    adequate_test,
    events,
    open_on,
    outer,
    param,
    sql,
    stay_until,
    stays,
)
from outreach.rules.cascade import CascadeProgramme
from outreach.rules.programme import Programme, load_programme
from outreach.stats.month_activity import MonthCounts, months_in, plan_counts
from outreach.stats.pathway import stop_day
from outreach.stats.period import Period

# The conversations about the programme asked for (migration 0024): those whose first
# programme it is (their outcome and barriers are its own), and those that addressed it
# further (a conversation_programme row with its outcome; its barriers in
# conversation_programme_barrier).
_ADDRESSED = addressed(outer("c"), param("programme"))
_FIRST = addressed_first(outer("c"), param("programme"))
_STAY_UNTIL = sql(stay_until(stays()), bare=True)

# The conversation figures of the period in one statement, so the period's conversations are
# read once. Counts of distinct people: ``people`` holds the identified people of each
# conversation (the person of a one-to-one, or an identified attendee of a group session: only
# group sessions list attendees), read once, so not materialised; the barrier rows give the
# people raising each barrier.
# ``first``: the people whose first identified conversation ever falls in the period, a range
# of ix_first_contact_on (the table is kept by triggers, migration 0006), and ``waits`` the
# days from that to each one's first adequate test by as-of, one seek each in
# ix_screening_adequate. ``conv`` holds the period's conversations sorted by id: the barrier,
# mentor and attendee rows are then looked up in index order, which keeps the pages they need
# in the cache. Each row is tagged with the figure it belongs to.
# The additive counts (by kind, setting, outcome, mentor and barrier) come by month from
# ``outreach.stats.month_activity``, which keeps those of ended months. When some months of
# the period are not kept, PERIOD_COUNTING_SQL also counts them, from the conversations on or
# after ``:count_from`` (the first day of the first month not kept): the counts of
# ``month_activity.MONTHLY_SQL``, read from the same ``conv`` rows instead of a second pass
# over the month (a conversation's outcome for the programme is its own where the programme is
# its first, its further programme's row's otherwise: the service never records a first
# programme again as a further one). The columns only those counts read are left NULL before
# ``:count_from``; when no month is kept, PERIOD_ALL_SQL reads them for every conversation.
# When every month is kept, PERIOD_SQL leaves them out altogether.
_CONV = f"""
WITH conv(id, kind, person_id, occurred_on, first) AS MATERIALIZED (
    SELECT c.id, c.kind, c.person_id, c.occurred_on, {sql(_FIRST)}
    FROM conversation c INDEXED BY ix_conversation_on_cover
    WHERE c.occurred_on >= :start AND c.occurred_on <= :stop AND ({sql(_ADDRESSED)})
    ORDER BY +c.id
),
"""


def _conv_counting(gated: bool) -> str:
    """The ``conv`` CTE of the counting statements. ``gated``: the columns only the monthly
    counts read are NULL before ``:count_from``; otherwise every conversation is counted, for
    a period none of whose months is kept (the running month alone, for one), sparing five
    comparisons a conversation."""

    def counted(value: str) -> str:
        return f"CASE WHEN c.occurred_on >= :count_from THEN {value} END" if gated else value

    before = "WHEN c.occurred_on < :count_from THEN NULL " if gated else ""
    return f"""
WITH conv(id, kind, person_id, occurred_on, first, setting, outcome, minutes, attendees, month)
AS MATERIALIZED (
    SELECT c.id, c.kind, c.person_id, c.occurred_on, {sql(_FIRST)},
        {counted("c.setting")},
        CASE {before}WHEN {sql(_FIRST)} THEN c.outcome ELSE (
            SELECT cp.outcome FROM conversation_programme cp
            WHERE cp.conversation_id = c.id AND cp.programme = :programme
        ) END,
        {counted("c.minutes")},
        {counted("c.attendees")},
        {counted("substr(c.occurred_on, 1, 7)")}
    FROM conversation c INDEXED BY ix_conversation_on_cover
    WHERE c.occurred_on >= :start AND c.occurred_on <= :stop AND ({sql(_ADDRESSED)})
    ORDER BY +c.id
),
"""


_FIGURES_WITH = f"""people(person_id) AS NOT MATERIALIZED (
    SELECT person_id FROM conv WHERE person_id IS NOT NULL
    UNION ALL
    SELECT a.person_id
    FROM conv CROSS JOIN conversation_attendee a ON a.conversation_id = conv.id
    WHERE conv.kind = 'group'
),
-- First identified conversation ever in the period (and by as-of): kept by triggers.
first(person_id, first_on) AS MATERIALIZED (
    SELECT person_id, first_on FROM first_contact
    WHERE first_on >= :start AND first_on <= :stop
),
waits(days) AS MATERIALIZED (
    SELECT julianday((
        SELECT min(e.occurred_on) FROM screening_event e INDEXED BY ix_screening_adequate
        WHERE e.person_id = f.person_id AND e.programme = :programme
          AND {sql(adequate_test(events("e")))}
          AND e.occurred_on >= f.first_on AND e.occurred_on <= :as_of
    )) - julianday(f.first_on)
    FROM first f
),
tested(days) AS (SELECT days FROM waits WHERE days IS NOT NULL)
"""

_BARRIERS = """SELECT 'barrier', code, count(DISTINCT person_id), NULL, NULL, NULL, NULL, NULL
FROM (
    SELECT b.code, coalesce(a.person_id, c.person_id) AS person_id
    FROM conv c CROSS JOIN conversation_barrier b ON b.conversation_id = c.id
    LEFT JOIN conversation_attendee a ON c.kind = 'group' AND a.conversation_id = c.id
    WHERE c.first
    UNION ALL
    SELECT b.code, coalesce(a.person_id, c.person_id)
    FROM conv c CROSS JOIN conversation_programme_barrier b
        ON b.conversation_id = c.id AND b.programme = :programme
    LEFT JOIN conversation_attendee a ON c.kind = 'group' AND a.conversation_id = c.id
    WHERE NOT c.first
)
GROUP BY code
"""

_FIGURES = """UNION ALL
SELECT 'people', NULL,
    (SELECT count(DISTINCT person_id) FROM people),
    (SELECT count(*) FROM waits),
    (SELECT count(*) FROM tested),
    NULL, NULL, NULL
UNION ALL
SELECT 'median', NULL, NULL, NULL, (
    SELECT avg(days) FROM (
        SELECT days FROM tested ORDER BY days
        LIMIT 2 - (SELECT count(*) FROM tested) % 2
        OFFSET ((SELECT count(*) FROM tested) - 1) / 2
    )
), NULL, NULL, NULL
"""

# Each barrier raised with its conversation, person and month (NULL before ``:count_from``),
# read once for the people raising each barrier and for the months' counts.
_RAISED = """raised(month, code, conversation_id, person_id) AS MATERIALIZED (
    SELECT c.month, b.code, c.id, coalesce(a.person_id, c.person_id)
    FROM conv c CROSS JOIN conversation_barrier b ON b.conversation_id = c.id
    LEFT JOIN conversation_attendee a ON c.kind = 'group' AND a.conversation_id = c.id
    WHERE c.first
    UNION ALL
    SELECT c.month, b.code, c.id, coalesce(a.person_id, c.person_id)
    FROM conv c CROSS JOIN conversation_programme_barrier b
        ON b.conversation_id = c.id AND b.programme = :programme
    LEFT JOIN conversation_attendee a ON c.kind = 'group' AND a.conversation_id = c.id
    WHERE NOT c.first
),
"""

_RAISED_BARRIERS = """
SELECT 'barrier', code, count(DISTINCT person_id), NULL, NULL, NULL, NULL, NULL
FROM raised
GROUP BY code
"""

_COUNTS = """UNION ALL
SELECT 'held', month, kind, setting, outcome, count(*), sum(minutes), sum(attendees)
FROM conv WHERE month IS NOT NULL
GROUP BY month, kind, setting, outcome
UNION ALL
SELECT 'mentor', c.month, cm.mentor_id, NULL, NULL,
    count(*), coalesce(sum(c.minutes), 0), NULL
FROM conv c CROSS JOIN conversation_mentor cm ON cm.conversation_id = c.id
WHERE c.month IS NOT NULL
GROUP BY 2, cm.mentor_id
UNION ALL
SELECT 'raised', month, code, NULL, NULL, count(DISTINCT conversation_id), NULL, NULL
FROM raised WHERE month IS NOT NULL
GROUP BY month, code
"""

PERIOD_SQL = _CONV + _FIGURES_WITH + _BARRIERS + _FIGURES
_COUNTING_TAIL = _RAISED + _FIGURES_WITH + _RAISED_BARRIERS + _FIGURES + _COUNTS
PERIOD_COUNTING_SQL = _conv_counting(gated=True) + _COUNTING_TAIL
PERIOD_ALL_SQL = _conv_counting(gated=False) + _COUNTING_TAIL
"""PERIOD_COUNTING_SQL for a period whose months are all counted (``:count_from`` is the
period's start): the same rows."""

# Open and overdue are read on the period's last day read (``stop``: the as-of date while the
# period runs, its end once it has ended), from the dates in the data: opened on or before
# that day (``opened_on``, the date of the step, conversation or decision that asked for it)
# and neither done nor cancelled by then. When a row was typed (``created_at``) never counts:
# history entered late must count as it stood on its own dates. They count residents on that
# day, as the worklist lists them; the open follow-ups of people not resident then are counted
# apart.
# On time is judged against the original due date, which rescheduling does not move.
# The follow-ups open on ``stop`` are one range of ix_follow_up_open_until and those done in
# the period one range of ix_follow_up_done_on (migration 0026), neither reading the table;
# the residents on ``stop`` are one range of ix_stay_until_arrived, held in a temporary
# index that each open follow-up's person is looked up in (most open follow-ups belong to
# people who have left, so a lookup per follow-up in the stays would cost more).
FOLLOW_UPS_SQL = f"""
WITH here(person_id) AS MATERIALIZED (
    SELECT person_id FROM stay WHERE {_STAY_UNTIL} > :stop AND arrived_on <= :stop
),
open_on(due_on, resident) AS MATERIALIZED (
    SELECT f.due_on, f.person_id IN here
    FROM follow_up f
    WHERE f.programme = :programme AND {sql(open_on(outer("f"), param("stop")))}
)
SELECT
    (SELECT count(*) FROM open_on WHERE resident),
    (SELECT count(*) FROM open_on WHERE resident AND due_on < :stop),
    coalesce(sum(done_on IS NOT NULL), 0),
    coalesce(sum(done_on <= original_due_on), 0),
    (SELECT count(*) FROM open_on WHERE NOT resident)
FROM follow_up INDEXED BY ix_follow_up_done_on
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
    """Follow-ups of residents open on the period's last day read (the as-of date while the
    period runs, its end once it has ended), of them overdue (due before that day); those
    completed in the period, of them on or before their original due date; and the follow-ups
    open on that day of people not resident then (``open_left``, in neither open nor
    overdue). Open is decided by the follow-up's own dates (opened, done), never by when it
    was typed."""

    open: int
    overdue: int
    completed: int
    completed_on_time: int
    open_left: int


@dataclass(frozen=True)
class Activity:
    conversations: Conversations
    barriers: dict[str, tuple[int, int]]
    """Barrier code -> (conversations, distinct identified people)."""
    outcomes: dict[str, int]
    days_to_test: DaysToTest
    follow_ups: FollowUps


def _params(period: Period, as_of: date, programme: Programme | CascadeProgramme) -> dict[str, str]:
    return {
        "start": period.start.isoformat(),
        "stop": stop_day(period, as_of).isoformat(),
        "as_of": as_of.isoformat(),
        "programme": programme.key,
    }


@dataclass(frozen=True)
class PeriodFigures:
    """The conversation figures of a period: everything in :class:`Activity` but the
    follow-ups."""

    conversations: Conversations
    outcomes: dict[str, int]
    barriers: dict[str, tuple[int, int]]
    days_to_test: DaysToTest


def period_figures(
    session: Session, period: Period, *, as_of: date, programme: Programme | CascadeProgramme
) -> PeriodFigures:
    """The conversation figures of ``period``, reading the counts of the ended months the
    store keeps."""
    return counted_figures(session, period, as_of=as_of, programme=programme)[0]


def months_to_count(
    session: Session,
    period: Period,
    *,
    as_of: date,
    programme: Programme | CascadeProgramme,
    today: date | None = None,
) -> int:
    """How many months of ``period`` :func:`counted_figures` would count afresh now: from
    the first month not kept to the period's last day by ``as_of`` (usually the running month
    alone; a year's twelve the first time)."""
    stop = stop_day(period, as_of)
    plan = plan_counts(
        session,
        period.start,
        stop,
        today if today is not None else clock_today(),
        programme.key,
    )
    return len(months_in(plan.count_from, stop)) if plan.count_from <= stop else 0


def counted_figures(
    session: Session,
    period: Period,
    *,
    as_of: date,
    programme: Programme | CascadeProgramme,
    today: date | None = None,
) -> tuple[PeriodFigures, dict[str, MonthCounts]]:
    """:func:`period_figures`, with the counts of the ended months (ended before ``today``,
    default the clock's today) that were counted now, for the caller to keep
    (``month_activity.keep``)."""
    params = _params(period, as_of, programme)
    plan = plan_counts(
        session,
        period.start,
        date.fromisoformat(params["stop"]),
        today if today is not None else clock_today(),
        programme.key,
    )
    params["count_from"] = plan.count_from.isoformat()
    counted: dict[str, MonthCounts] = {}
    raising: dict[str, int] = {}
    people = first = tested = 0
    median: float | None = None
    stop = date.fromisoformat(params["stop"])
    if plan.count_from > stop:
        statement = PERIOD_SQL
    elif plan.count_from > period.start:
        statement = PERIOD_COUNTING_SQL
    else:
        statement = PERIOD_ALL_SQL
    for part, key, a, b, c, n, spent, came in session.execute(text(statement), params):
        if part == "barrier":
            raising[key] = int(a)
        elif part == "people":
            people, first, tested = a, b, c
        elif part == "median":
            median = None if c is None else float(c)
        else:
            month = counted.setdefault(key, MonthCounts())
            if part == "held":
                month.held[(a, b, c)] = [int(n), int(spent), int(came)]
            elif part == "mentor":
                month.mentors[int(a)] = [int(n), int(spent)]
            else:
                month.barriers[a] = int(n)
    summed = plan.summed(counted)
    counts = summed.counts
    # Barrier code -> (conversations raising it, distinct people raising it).
    raised = {code: (counts.barriers.get(code, 0), n) for code, n in raising.items()}
    kinds: dict[str, int] = {}
    settings: dict[str, tuple[int, int]] = {}
    by_outcome: dict[str, int] = {}
    count = minutes = attendees = 0
    for (kind, setting, outcome), (n, spent, came) in counts.held.items():
        count, minutes, attendees = count + n, minutes + spent, attendees + came
        kinds[kind] = kinds.get(kind, 0) + n
        old = settings.get(setting, (0, 0))
        settings[setting] = (old[0] + n, old[1] + spent)
        by_outcome[outcome] = by_outcome.get(outcome, 0) + n
    mentors: dict[str, tuple[int, int]] = {}
    if counts.mentors:
        names = dict(
            session.execute(
                text("SELECT id, name FROM mentor WHERE id IN (SELECT value FROM json_each(:ids))"),
                {"ids": json.dumps(sorted(counts.mentors))},
            ).all()
        )
        for mentor, (n, spent) in counts.mentors.items():
            # Two mentors of one name are one row, as the screen shows them by name.
            old = mentors.get(names[mentor], (0, 0))
            mentors[names[mentor]] = (old[0] + n, old[1] + spent)
    held = Conversations(
        count=count,
        people=int(people),
        one_to_one=kinds.get("one_to_one", 0),
        group=kinds.get("group", 0),
        attendees=attendees,
        minutes=minutes,
        by_mentor=dict(sorted(mentors.items())),
        by_setting=dict(sorted(settings.items())),
    )
    figures = PeriodFigures(
        conversations=held,
        outcomes=dict(sorted(by_outcome.items())),
        barriers=dict(sorted(raised.items())),
        days_to_test=DaysToTest(int(first), int(tested), median),
    )
    return figures, summed.fresh


def follow_ups(
    session: Session, period: Period, *, as_of: date, programme: Programme | None = None
) -> FollowUps:
    """The follow-up figures of ``period`` read on ``as_of`` (definitions.md, "Follow-ups")."""
    params = _params(period, as_of, programme or load_programme())
    row = session.execute(text(FOLLOW_UPS_SQL), params).one()
    return FollowUps(*(int(value) for value in row))


def activity(
    session: Session, period: Period, *, as_of: date, programme: Programme | None = None
) -> Activity:
    """Every outreach figure for ``period`` read on ``as_of``."""
    programme = programme or load_programme()
    figures = period_figures(session, period, as_of=as_of, programme=programme)
    return activity_of(figures, follow_ups(session, period, as_of=as_of, programme=programme))


def activity_of(figures: PeriodFigures, follow_ups: FollowUps) -> Activity:
    """The :class:`Activity` made of a period's conversation figures and follow-ups (read
    apart, perhaps on two connections)."""
    return Activity(
        conversations=figures.conversations,
        barriers=figures.barriers,
        outcomes=figures.outcomes,
        days_to_test=figures.days_to_test,
        follow_ups=follow_ups,
    )
