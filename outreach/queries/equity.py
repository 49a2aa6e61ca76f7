"""Breaking a measure down by a person's equity field (``outreach.rules.equity``).

A breakdown here is the group a person counts in: the code of one of their equity fields,
read from their own row. Coverage on a day is built from the definitions of
:mod:`outreach.queries.population` (eligible, tested within the age band's window), so each
group's figures add up to the site's.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Date, Integer, Select, case, cast, func, literal
from sqlalchemy import select as core_select

from outreach.model import Person
from outreach.queries.population import born_by, eligible, tested_within
from outreach.rules.equity import EQUITY_KEYS, equity_field
from outreach.rules.programme import Programme
from outreach.rules.screening import add_months

Breakdown = Callable[[ColumnElement[Any], ColumnElement[Any]], ColumnElement[Any]]


def person_field(key: str) -> Breakdown:
    """The breakdown by the equity field ``key``: from a person's id (and a day, unused: the
    fields are not dated), the code recorded for them."""
    field = equity_field(key)

    def group(person_id: ColumnElement[Any], day: ColumnElement[Any]) -> ColumnElement[Any]:
        p = Person.__table__.alias("ep")  # type: ignore[attr-defined]
        return core_select(p.c[field.key]).where(p.c.id == person_id).scalar_subquery()

    return group


EQUITY_BREAKDOWNS: dict[str, Breakdown] = {
    equity_field(key).by: person_field(key) for key in EQUITY_KEYS
}
"""The equity breakdowns by their ``--by`` name (ethnicity, disability, learning-disability,
language, interpreter)."""


def coverage_by(programme: Programme, day: date, key: str) -> Select[Any]:
    """Rows of (code, eligible, covered) on ``day`` for the equity field ``key``: residents
    eligible on ``day`` (``queries.eligible``), and those of them with an adequate test in
    their age band's window (``queries.tested_within``), grouped by the field's code."""
    person = Person.__table__  # type: ignore[attr-defined]
    ages = programme.eligibility
    # The age band's window on the day: the oldest band the birth date reaches wins.
    bands = list(programme.age_bands)
    window: ColumnElement[Any] = literal(add_months(day, -bands[0].coverage_months), Date)
    if len(bands) > 1:
        window = case(
            *(
                (
                    person.c.date_of_birth <= born_by(band.min_age, day),
                    literal(add_months(day, -band.coverage_months), Date),
                )
                for band in reversed(bands[1:])
            ),
            else_=window,
        )
    covered = tested_within(
        person.c.id, programme=programme.key, day=day, window_start=window, alias="et"
    )
    counted = (
        core_select(person.c[key].label("grp"), cast(covered, Integer).label("covered"))
        .where(
            eligible(
                person,
                programme=programme.key,
                day=day,
                born_after=born_by(ages.max_age + 1, day),
                born_by=born_by(ages.min_age, day),
            )
        )
        .subquery("ecov")
    )
    return core_select(
        counted.c.grp, func.count(), func.coalesce(func.sum(counted.c.covered), 0)
    ).group_by(counted.c.grp)
