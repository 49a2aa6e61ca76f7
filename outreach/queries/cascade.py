"""A cascade programme's definitions: who a period's cascade follows, the day each stage is
reached, and who is covered on a day. See ``outreach/stats/definitions.md`` ("Cascade").

Every stage and code comes from the programme's file (:mod:`outreach.rules.cascade`); the
statements are built here from it, so no programme is named in code.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date
from typing import Any

from sqlalchemy import (
    ColumnElement,
    FromClause,
    Integer,
    Select,
    and_,
    cast,
    exists,
    func,
    literal,
    null,
)
from sqlalchemy import select as core_select

from outreach.model import Person, Unit
from outreach.queries.equity import EQUITY_BREAKDOWNS
from outreach.queries.pathway import Value
from outreach.queries.population import aged_within, born_by, resident, resident_on, stay_until
from outreach.queries.render import events, stays
from outreach.rules.cascade import CascadeProgramme, Stage
from outreach.rules.screening import add_months

NO_UNIT = "(no unit)"
"""The unit breakdown's group for people whose stay names no unit."""

Breakdown = Callable[[ColumnElement[Any], ColumnElement[Any]], ColumnElement[Any]]
"""A breakdown: from a person's id and a day, the group they count in (a scalar SQL
expression; NULL is its own group)."""


def unit_on(person_id: ColumnElement[Any], day: ColumnElement[Any]) -> ColumnElement[Any]:
    """The unit of the person's stay on ``day`` (if stays overlap, the latest arrival, then the
    latest written)."""
    s = stays("bs")
    unit = Unit.__table__.alias("bu")  # type: ignore[attr-defined]
    return (
        core_select(func.coalesce(unit.c.name, NO_UNIT))
        .select_from(s.outerjoin(unit, unit.c.id == s.c.unit_id))
        .where(s.c.person_id == person_id, resident_on(s, day))
        .order_by(s.c.arrived_on.desc(), s.c.id.desc())
        .limit(1)
        .scalar_subquery()
    )


BREAKDOWNS: dict[str, Breakdown] = {"unit": unit_on, **EQUITY_BREAKDOWNS}
"""Breakdowns every measure can be split by, by name: the unit, and each equity field
(:data:`outreach.queries.equity.EQUITY_BREAKDOWNS`)."""


def aged_on(dob: ColumnElement[Any], day: ColumnElement[Any], low: int, high: int) -> Any:
    """Aged ``low`` to ``high`` (inclusive, whole years, ``rules.screening.age_on``) on a day
    held in a column: a 29 February birthday counts from 1 March."""
    years = cast(func.strftime("%Y", day), Integer) - cast(func.strftime("%Y", dob), Integer)
    age = years - cast(func.strftime("%m-%d", day) < func.strftime("%m-%d", dob), Integer)
    return and_(age >= low, age <= high)


def _person() -> FromClause:
    return Person.__table__.alias("cp")  # type: ignore[attr-defined]


def reached(step_events: FromClause, stage: Stage, *, programme: str) -> ColumnElement[bool]:
    """A row of ``step_events`` that is ``stage``'s step with one of its results."""
    e = step_events.c
    condition = and_(e.programme == programme, e.event == stage.step)
    if stage.results:
        condition = and_(condition, e.result.in_(stage.results))
    return condition


def cohort(programme: CascadeProgramme, *, start: Value, stop: Value) -> Select[Any]:
    """Who the cascade of a period follows: ``person_id``, ``day0`` (the cohort's day) and
    ``until`` (the last day a step counts for this row).

    ``arrival``: each stay that began in [start, stop], of someone in the programme's ages on
    the day of arrival, followed until the day they left (that day included).
    ``first_step``: each person with the first stage's step in [start, stop], in the ages on
    the first such day, followed from it.
    """
    person = _person()
    low, high = programme.min_age, programme.max_age
    if programme.cohort_from == "arrival":
        s = stays("cs")
        return (
            core_select(
                s.c.person_id.label("person_id"),
                s.c.arrived_on.label("day0"),
                stay_until(s).label("until"),
            )
            .select_from(s.join(person, person.c.id == s.c.person_id))
            .where(
                s.c.arrived_on >= start,
                s.c.arrived_on <= stop,
                aged_on(person.c.date_of_birth, s.c.arrived_on, low, high),
            )
        )
    e = events("ce")
    first = (
        core_select(e.c.person_id.label("person_id"), func.min(e.c.occurred_on).label("day0"))
        .where(reached(e, programme.stages[0], programme=programme.key))
        .where(e.c.occurred_on >= start, e.c.occurred_on <= stop)
        .group_by(e.c.person_id)
        .subquery("cf")
    )
    return (
        core_select(first.c.person_id, first.c.day0, literal("9999-12-31").label("until"))
        .select_from(first.join(person, person.c.id == first.c.person_id))
        .where(aged_on(person.c.date_of_birth, first.c.day0, low, high))
    )


def stage_days(
    programme: CascadeProgramme,
    *,
    start: Value,
    stop: Value,
    as_of: Value,
    breakdown: Breakdown | None = None,
) -> Select[Any]:
    """One row per member of the period's :func:`cohort`: ``grp`` (the breakdown's group, or
    NULL), ``day0``, then ``d1`` ... ``dN``, the day each stage was reached (NULL when not).

    Stage k is reached on the earliest day of its step (with one of its results) on or after
    the day stage k-1 was reached (``day0`` for the first), on or before both ``until`` and
    ``as_of``; a stage not reached leaves every later stage unreached.
    """
    base = cohort(programme, start=start, stop=stop).subquery("c0")
    group = breakdown(base.c.person_id, base.c.day0) if breakdown else null()
    current = core_select(base.c.person_id, base.c.day0, base.c.until, group.label("grp")).subquery(
        "s0"
    )
    before = "day0"
    for number, stage in enumerate(programme.stages, start=1):
        e = events(f"e{number}")
        day = (
            core_select(func.min(e.c.occurred_on))
            .where(
                e.c.person_id == current.c.person_id,
                reached(e, stage, programme=programme.key),
                e.c.occurred_on >= current.c[before],
                e.c.occurred_on <= current.c.until,
                e.c.occurred_on <= as_of,
            )
            .scalar_subquery()
        )
        current = core_select(*current.c, day.label(f"d{number}")).subquery(f"s{number}")
        before = f"d{number}"
    names = ["grp", "day0", *(f"d{n}" for n in range(1, len(programme.stages) + 1))]
    return core_select(*(current.c[name] for name in names))


def covered_on(
    programme: CascadeProgramme, day: date, *, breakdown: Breakdown | None = None
) -> Select[Any]:
    """Rows of (``grp``, eligible, covered) on ``day``: residents in the programme's ages, and
    those of them with the coverage step (one of its results) in the ``months`` before it
    (after the same day that many months earlier, up to ``day``). Needs ``programme.coverage``.
    """
    rule = programme.coverage
    assert rule is not None, "the programme measures no coverage"
    person = Person.__table__  # type: ignore[attr-defined]
    e = events("cv")
    covered = exists(
        core_select(1).where(
            e.c.person_id == person.c.id,
            e.c.programme == programme.key,
            e.c.event == rule.step,
            e.c.result.in_(rule.results),
            e.c.occurred_on > add_months(day, -rule.months),
            e.c.occurred_on <= day,
        )
    )
    group = breakdown(person.c.id, literal(day)) if breakdown else null()
    counted = (
        # As an integer: summed as a boolean, SQLAlchemy would read any count back as True.
        core_select(group.label("grp"), cast(covered, Integer).label("covered"))
        .where(
            resident(person.c.id, day),
            aged_within(
                person.c.date_of_birth,
                born_after=born_by(programme.max_age + 1, day),
                born_by=born_by(programme.min_age, day),
            ),
        )
        .subquery("cov")
    )
    return core_select(
        counted.c.grp, func.count(), func.coalesce(func.sum(counted.c.covered), 0)
    ).group_by(counted.c.grp)


def breakdown_named(name: str | None) -> Breakdown | None:
    """The breakdown called ``name`` (None for none); ValueError for an unknown name."""
    if name is None:
        return None
    if name not in BREAKDOWNS:
        raise ValueError(f"no breakdown {name!r} (one of {', '.join(BREAKDOWNS)})")
    return BREAKDOWNS[name]


def known_breakdowns() -> Mapping[str, Breakdown]:
    """Every breakdown by name."""
    return dict(BREAKDOWNS)
