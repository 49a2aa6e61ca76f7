"""A testing programme's conversations over a period: those that addressed it, their
outcomes and barriers (its own), and reach among the people its cascade follows.

Definitions: ``outreach/stats/definitions.md``, "Conversations about a cascade programme".
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import case, func, literal, select
from sqlmodel import Session

from outreach.model import Person
from outreach.queries import talked_one_to_one
from outreach.queries.cascade import cohort
from outreach.rules.cascade import CascadeProgramme
from outreach.stats.activity import Conversations, period_figures
from outreach.stats.pathway import Reach, stop_day
from outreach.stats.period import Period


@dataclass(frozen=True)
class ProgrammeConversations:
    """The conversations of a period that addressed the programme, each with the programme's
    own outcome (``outcomes``: code -> conversations) and barriers (code -> (conversations,
    distinct identified people)); ``reach``: the people the cascade follows in the period
    (``uncovered``) and those of them with a one-to-one about the programme in it."""

    conversations: Conversations
    outcomes: dict[str, int]
    barriers: dict[str, tuple[int, int]]
    reach: Reach

    def to_json(self) -> dict[str, Any]:
        held = self.conversations
        return {
            "count": held.count,
            "one_to_one": held.one_to_one,
            "group": held.group,
            "attendees": held.attendees,
            "people": held.people,
            "minutes": held.minutes,
            "outcomes": self.outcomes,
            "barriers": {
                code: {"conversations": n, "people": p} for code, (n, p) in self.barriers.items()
            },
            "reach": {
                "followed": self.reach.uncovered,
                "reached": self.reach.reached,
                "rate": self.reach.rate,
            },
        }


def programme_conversations(
    session: Session, programme: CascadeProgramme, period: Period, *, as_of: date
) -> ProgrammeConversations:
    """The conversations of ``period`` (read up to ``as_of``) that addressed ``programme``."""
    figures = period_figures(session, period, as_of=as_of, programme=programme)
    return ProgrammeConversations(
        conversations=figures.conversations,
        outcomes=figures.outcomes,
        barriers=figures.barriers,
        reach=reach(session, programme, period, as_of=as_of),
    )


def reach(session: Session, programme: CascadeProgramme, period: Period, *, as_of: date) -> Reach:
    """The distinct people in the programme's cohort of ``period`` and those of them with a
    one-to-one conversation about the programme dated in the period (up to ``as_of``)."""
    people, reached = reach_by(session, programme, period, as_of=as_of).get(None, (0, 0))
    return Reach(people, reached)


def reach_by(
    session: Session,
    programme: CascadeProgramme,
    period: Period,
    *,
    as_of: date,
    field: str | None = None,
) -> dict[str | None, tuple[int, int]]:
    """:func:`reach` by the code of the person's column ``field`` (an equity field's key):
    code -> (people followed, people reached); without ``field``, one entry under None. The
    groups add up to :func:`reach` (a person has one code)."""
    start, stop = period.start, stop_day(period, as_of)
    if stop < start:
        return {}
    followed = cohort(programme, start=start, stop=stop).subquery("co")
    talked = talked_one_to_one(followed.c.person_id, literal(programme.key), start=start, stop=stop)
    counts = (
        func.count(func.distinct(followed.c.person_id)),
        func.count(func.distinct(case((talked, followed.c.person_id)))),
    )
    if field is None:
        people, reached = session.execute(select(*counts)).one()
        return {None: (int(people), int(reached))}
    person = Person.__table__  # type: ignore[attr-defined]
    statement = (
        select(person.c[field], *counts)
        .select_from(followed.join(person, person.c.id == followed.c.person_id))
        .group_by(person.c[field])
    )
    return {code: (int(n), int(r)) for code, n, r in session.execute(statement)}
