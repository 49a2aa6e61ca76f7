"""Finding people: text and status filters, paged in SQL so it stays quick on a large store.

The status filters are :mod:`outreach.services.status` written in SQL (correlated
subqueries on the per-person indexes); :func:`matches` states each filter in terms of
:class:`~outreach.services.status.PersonStatus`, and the tests hold the two to agreement.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from functools import cache
from typing import Any

from sqlalchemy import literal_column
from sqlalchemy import text as sql_text
from sqlmodel import col, select

from outreach.clock import today
from outreach.model import DecisionKind, Person
from outreach.queries import (
    born_by,
    ceased_by,
    decision_in_force,
    do_not_approach,
    eligible,
    has_left,
    next_test_due_by,
    outer,
    param,
    resident,
    sql,
    tested_within,
    waiting_to_revisit,
)
from outreach.rules.programme import Programme, load_programme
from outreach.rules.screening import add_months
from outreach.services.errors import ValidationError
from outreach.services.lookups import PROGRAMME
from outreach.services.name_search import text_match
from outreach.services.status import PersonStatus, statuses_of
from outreach.store.store import Store

MAX_PAGE = 500


class PeopleFilter(StrEnum):
    """Which people a search lists. Every filter but ``all`` and ``left`` means residents."""

    all = "all"
    resident = "resident"
    due = "due"
    overdue = "overdue"
    never_screened = "never_screened"
    covered = "covered"
    declined = "declined"
    do_not_approach = "do_not_approach"
    left = "left"


def matches(which: PeopleFilter, status: PersonStatus) -> bool:
    """Whether a person with ``status`` is listed under ``which``."""
    return {
        PeopleFilter.all: True,
        PeopleFilter.resident: status.resident,
        PeopleFilter.due: status.due,
        PeopleFilter.overdue: status.overdue,
        PeopleFilter.never_screened: status.never_screened,
        PeopleFilter.covered: status.covered,
        PeopleFilter.declined: status.resident and status.decision == DecisionKind.informed_decline,
        PeopleFilter.do_not_approach: status.resident and status.do_not_approach,
        PeopleFilter.left: status.left,
    }[which]


@dataclass(frozen=True)
class PersonRow:
    """One line of a people list."""

    id: int
    ref: str
    name: str
    unit: str | None
    status: str
    """A few words: "overdue since 2023-04-01", "covered, next due 2027-01-05",
    "left on 2026-03-01" (see PersonStatus.summary)."""
    detail: PersonStatus


@dataclass(frozen=True)
class PeoplePage:
    rows: list[PersonRow]
    offset: int
    limit: int
    has_more: bool
    """Whether another page follows."""


# Definitions written into the filters (``outreach.queries``), about the person ``p`` on
# :as_of.
_PERSON = outer("p")
_ON = {"person_id": _PERSON.c.id, "programme": param("programme"), "day": param("as_of")}
_RESIDENT = sql(resident(_PERSON.c.id, param("as_of")))
_LEFT = sql(has_left(_PERSON.c.id, param("as_of")))
_CEASED = sql(ceased_by(**_ON, clinical=False))
_ELIGIBLE = sql(
    eligible(
        _PERSON,
        programme=param("programme"),
        day=param("as_of"),
        born_after=param("dob_oldest"),
        born_by=param("dob_youngest"),
    )
)
_DO_NOT_APPROACH = sql(do_not_approach(**_ON))
_WAITING = sql(waiting_to_revisit(**_ON))
_DECISION_KIND = sql(decision_in_force(lambda d: d.c.kind, **_ON))
# The unary + keeps SQLite off the (programme, event, occurred_on) index, which would read
# every test in the store to satisfy the ORDER BY; by person it reads a handful.
_LATEST_TEST = (
    "(SELECT s.id FROM screening_event s WHERE s.person_id = p.id "
    "AND +s.programme = :programme AND +s.event = 'test' AND s.occurred_on <= :as_of "
    "ORDER BY s.occurred_on DESC, s.id DESC LIMIT 1)"
)


@cache
def _tested_within(window: str) -> str:
    """An adequate test of ``p`` after the window start ``window`` (SQL) and by :as_of; the
    few windows there are written once per process."""
    return sql(tested_within(**_ON, window_start=literal_column(f"({window})")))


def _status_sql(programme: Programme, day: date) -> tuple[dict[PeopleFilter, str], dict[str, Any]]:
    """The WHERE clause of each filter and the parameters they share."""
    ages = programme.eligibility
    params: dict[str, Any] = {
        "as_of": day.isoformat(),
        "dob_youngest": born_by(ages.min_age, day).isoformat(),
        "dob_oldest": born_by(ages.max_age + 1, day).isoformat(),
    }
    # Coverage window by age band on the day: band k applies from dob <= band_k_dob.
    window = "CASE"
    for index, band in reversed(list(enumerate(programme.age_bands))):
        params[f"band{index}_dob"] = born_by(band.min_age, day).isoformat()
        params[f"band{index}_start"] = add_months(day, -band.coverage_months).isoformat()
        if index:
            window += f" WHEN p.date_of_birth <= :band{index}_dob THEN :band{index}_start"
    window += " ELSE :band0_start END"
    covered = f"(({_ELIGIBLE}) AND {_tested_within(window)})"
    worklist = f"(({_ELIGIBLE}) AND NOT {_CEASED} AND NOT {_DO_NOT_APPROACH} AND NOT {_WAITING})"
    due_on = next_test_due_by(programme, params)
    due = (
        f"({worklist} AND ({_LATEST_TEST} IS NULL OR EXISTS (SELECT 1 FROM screening_event lt "
        f"WHERE lt.id = {_LATEST_TEST} AND {due_on})))"
    )
    return (
        {
            PeopleFilter.all: "1",
            PeopleFilter.resident: _RESIDENT,
            PeopleFilter.left: f"({_LEFT})",
            PeopleFilter.covered: covered,
            PeopleFilter.due: due,
            PeopleFilter.overdue: f"({due} AND NOT {covered})",
            PeopleFilter.never_screened: f"({worklist} AND {_LATEST_TEST} IS NULL)",
            PeopleFilter.declined: f"({_RESIDENT} AND {_DECISION_KIND} = 'informed_decline')",
            PeopleFilter.do_not_approach: f"({_RESIDENT} AND {_DO_NOT_APPROACH})",
        },
        params,
    )


def search_people(
    store: Store,
    *,
    text: str = "",
    filter: PeopleFilter | str = PeopleFilter.all,
    as_of: date | None = None,
    offset: int = 0,
    limit: int = 50,
    programme: str = PROGRAMME,
) -> PeoplePage:
    """People whose reference starts with ``text`` or whose name contains it (ignoring case in
    every script),
    under ``filter`` on ``as_of`` (default today), ordered by reference, one page at a time."""
    try:
        which = PeopleFilter(filter)
    except ValueError:
        allowed = ", ".join(f.value for f in PeopleFilter)
        raise ValidationError("filter", f"{filter!r} is not one of {allowed}") from None
    if offset < 0:
        raise ValidationError("offset", "must be 0 or more")
    if not 1 <= limit <= MAX_PAGE:
        raise ValidationError("limit", f"must be between 1 and {MAX_PAGE}")
    day = as_of or today()
    clauses, params = _status_sql(load_programme(programme), day)
    params.update(programme=programme, limit=limit + 1, offset=offset)
    where = [clauses[which]]
    needle = text.strip()
    order = "p.ref"
    with store.read() as session:
        if needle:
            # Names compared folded on both sides (outreach.wording.fold): "émile" finds
            # "Émile"; the people to compare come from an index where it helps, and are then
            # sorted (+p.ref) rather than found by walking everyone in reference order.
            match = text_match(session.connection(), needle, params, paged=True)
            where.append(match.where)
            order = "+p.ref" if match.indexed else order
        query = (
            f"SELECT p.id FROM person p WHERE {' AND '.join(where)} "
            f"ORDER BY {order} LIMIT :limit OFFSET :offset"
        )
        ids = [row[0] for row in session.connection().execute(sql_text(query), params)]
        has_more = len(ids) > limit
        ids = ids[:limit]
        people = {p.id: p for p in session.exec(select(Person).where(col(Person.id).in_(ids)))}
        ordered = [people[i] for i in ids]
        statuses = statuses_of(session, ordered, day, programme)
    rows = [
        PersonRow(
            id=pid,
            ref=person.ref,
            name=person.display_name,
            unit=statuses[pid].unit,
            status=statuses[pid].summary,
            detail=statuses[pid],
        )
        for person in ordered
        if (pid := person.id) is not None
    ]
    return PeoplePage(rows=rows, offset=offset, limit=limit, has_more=has_more)
