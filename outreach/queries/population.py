"""Who is counted: resident on a day, eligible, covered. See ``outreach/stats/definitions.md``."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, FromClause, and_, exists, func, literal_column, or_
from sqlalchemy import select as core_select

from outreach.model import HasCervix
from outreach.queries.pathway import FOREVER, Value, adequate_test, ceased_by
from outreach.queries.render import Columns, events, stays
from outreach.rules.screening import add_months


def stay_until(stay: FromClause) -> ColumnElement[Any]:
    """The first day a stay no longer counts (its ``left_on``, or :data:`FOREVER`): the
    expression of ix_stay_until_arrived (migration 0003), which a query must repeat to read
    that index."""
    return func.coalesce(stay.c.left_on, literal_column(f"'{FOREVER}'"))


def resident_on(stay: FromClause, day: Value) -> ColumnElement[bool]:
    """A stay during which the person is resident on ``day``: arrived on or before it, and
    not yet left (a stay's last day is the day before ``left_on``)."""
    return and_(stay.c.arrived_on <= day, or_(stay.c.left_on.is_(None), stay.c.left_on > day))


def is_resident_on(arrived_on: date, left_on: date | None, day: date) -> bool:
    """:func:`resident_on` for one stay in Python."""
    return arrived_on <= day and (left_on is None or left_on > day)


def resident(person_id: Value, day: Value, *, alias: str = "s") -> ColumnElement[bool]:
    """Whether the person has a stay resident on ``day``."""
    s = stays(alias)
    return exists(
        core_select(1).select_from(s).where(s.c.person_id == person_id, resident_on(s, day))
    )


def has_left(person_id: Value, day: Value, *, alias: str = "s") -> ColumnElement[bool]:
    """Whether the person has left by ``day``: not resident, and a stay of theirs ended on or
    before it."""
    s = stays(f"{alias}2")
    ended = exists(
        core_select(1).select_from(s).where(s.c.person_id == person_id, s.c.left_on <= day)
    )
    return and_(~resident(person_id, day, alias=alias), ended)


def has_left_by(stays: Iterable[tuple[date, date | None]], day: date) -> bool:
    """:func:`has_left` for one person's stays (``(arrived_on, left_on)``) in Python."""
    spans = list(stays)
    resident_then = any(is_resident_on(arrived, left, day) for arrived, left in spans)
    return not resident_then and any(left is not None and left <= day for _, left in spans)


def programme_applies(people: Columns) -> ColumnElement[bool]:
    """The programme applies to the person: they have a cervix, or it is not known."""
    return people.c.has_cervix != HasCervix.no.value


def born_by(years: int, day: date) -> date:
    """The last birth date of someone at least ``years`` old on ``day`` (``rules.screening.
    age_on``: a 29 February birthday counts from 1 March)."""
    return add_months(day, -12 * years)


def aged_within(
    date_of_birth: ColumnElement[Any], *, born_after: Value, born_by: Value
) -> ColumnElement[bool]:
    """A birth date in (``born_after``, ``born_by``]: with ``born_by(min_age, D)`` and
    ``born_by(max_age + 1, D)``, aged min_age to max_age on D."""
    return and_(date_of_birth <= born_by, date_of_birth > born_after)


def eligible(
    people: Columns,
    *,
    programme: Value,
    day: Value,
    born_after: Value,
    born_by: Value,
) -> ColumnElement[bool]:
    """Eligible on ``day`` (``rules.screening.is_eligible`` and resident): resident, the
    programme applies, not clinically ceased by then, and born in (``born_after``,
    ``born_by``] (the programme's eligible ages on ``day``)."""
    return and_(
        resident(people.c.id, day),
        programme_applies(people),
        ~ceased_by(people.c.id, programme=programme, day=day, clinical=True),
        aged_within(people.c.date_of_birth, born_after=born_after, born_by=born_by),
    )


def tested_within(
    person_id: Value, *, programme: Value, day: Value, window_start: Value, alias: str = "t"
) -> ColumnElement[bool]:
    """Whether the person has an adequate test after ``window_start`` and on or before
    ``day``: covered on ``day``, for someone eligible whose age band's window starts then."""
    t = events(alias)
    return exists(
        core_select(1)
        .select_from(t)
        .where(
            t.c.person_id == person_id,
            t.c.programme == programme,
            adequate_test(t),
            t.c.occurred_on <= day,
            t.c.occurred_on > window_start,
        )
    )
