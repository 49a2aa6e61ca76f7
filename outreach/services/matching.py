"""Matching a person from a few typed letters, for the pickers of the data-entry forms.

Unlike a people search, this never leaves the choice to list order: residents come before
people who have left, each match says where the person stands (resident, left on a date, do
not approach, declined until a date), and the answer says how many residents matched, so that
a picker can take a match on its own only when it is the one resident meant.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import text as sql_text
from sqlmodel import Session, col, select

from outreach.clock import today
from outreach.model import Person, Stay, Unit
from outreach.queries import outer, param, resident, sql
from outreach.rules.screening import age_on
from outreach.services.errors import ValidationError
from outreach.services.lookups import PROGRAMME, person_by_ref
from outreach.services.name_search import first_found
from outreach.services.status import statuses_of
from outreach.store.store import Store

MAX_MATCHES = 50

RANKED = 500
"""At most this many matches (of names, and of references) are ranked; for text more people
match, the picker says so ("more than 500") and lists the best of the first the index gives."""

_RESIDENT = sql(resident(outer("p").c.id, param("as_of")))


@dataclass(frozen=True)
class PersonMatch:
    """One person as a picker lists them, with where they stand on ``as_of``."""

    ref: str
    name: str
    date_of_birth: date
    age: int
    unit: str | None
    """The unit of the current stay, or of the last one for someone who has left."""
    resident: bool
    left_on: date | None
    """For someone not resident: the day their last stay ended (None if they never arrived)."""
    do_not_approach: bool
    decided_on: date | None
    """The day the decision in force was taken (do not approach or informed decline)."""
    declined_until: date | None
    """The revisit date of an informed decline still in force (after ``as_of``)."""

    @property
    def standing(self) -> str:
        """Where the person stands, in words: "resident", "left on 2021-05-02",
        "resident, do not approach", "resident, declined until 2027-03-25"."""
        if self.resident:
            parts = ["resident"]
        elif self.left_on is not None:
            parts = [f"left on {self.left_on.isoformat()}"]
        else:
            parts = ["not resident"]
        if self.do_not_approach:
            parts.append("do not approach")
        elif self.declined_until is not None:
            parts.append(f"declined until {self.declined_until.isoformat()}")
        return ", ".join(parts)

    @property
    def caution(self) -> str | None:
        """Why choosing this person needs a second, explicit confirmation, or None.

        Someone who has left (or is not resident) is probably not the person meant; someone
        marked do not approach asked not to be approached."""
        reasons = []
        if not self.resident:
            reasons.append(
                f"left on {self.left_on.isoformat()}" if self.left_on else "is not resident"
            )
        if self.do_not_approach:
            since = f" since {self.decided_on.isoformat()}" if self.decided_on else ""
            reasons.append(f"is marked do not approach{since}")
        if not reasons:
            return None
        return " and ".join(reasons)


@dataclass(frozen=True)
class PersonMatches:
    """The answer to one typed text: the first matches and how many residents matched."""

    text: str
    rows: list[PersonMatch]
    """Residents first (by name ignoring A-Z case, then reference), then everyone else (most
    recently left first)."""
    residents: int
    """How many residents match, counted up to 2: 1 means exactly one."""
    has_more: bool
    """Whether more people match than ``rows`` holds."""
    more_than: int | None = None
    """Set when more than this many people match: the rows are then the best of the first
    ones the index gave, not of every match, and ``residents`` counts only those."""

    @property
    def only_resident(self) -> PersonMatch | None:
        """The one resident matching, when exactly one does (never when only some of the
        matches were ranked)."""
        if self.more_than is not None:
            return None
        if self.residents != 1 or not self.rows or not self.rows[0].resident:
            return None
        return self.rows[0]


def match_people(
    store: Store,
    *,
    text: str,
    as_of: date | None = None,
    limit: int = 6,
    programme: str = PROGRAMME,
) -> PersonMatches:
    """People whose reference starts with ``text`` or whose name contains it, ignoring case
    in every script, residents on ``as_of`` (default today) first. When more than
    :data:`RANKED` names (or references) match, only the first :data:`RANKED` of each that the
    index gives are ranked, and the answer says more match (``more_than``)."""
    if not 1 <= limit <= MAX_MATCHES:
        raise ValidationError("limit", f"must be between 1 and {MAX_MATCHES}")
    needle = text.strip()
    if not needle:
        return PersonMatches(text=text, rows=[], residents=0, has_more=False)
    day = as_of or today()
    params: dict[str, Any] = {"as_of": day.isoformat(), "limit": limit + 1}
    last_left = "(SELECT max(s3.left_on) FROM stay s3 WHERE s3.person_id = p.id)"
    # One pass over the people: the matches with their standing, the first page in order,
    # and (as a window sum over every match) how many residents. Names are ordered with
    # SQLite's NOCASE, not fold(): a Python call per match would slow a short, common text.
    with store.read() as session:
        # A reference starts with the text typed; a name contains it, both folded alike
        # (fold()); the people to test come from an index, at most RANKED of each, so that
        # a letter or two matching most of a large store is ranked as quickly as a name.
        found_first = first_found(session.connection(), needle, params, cap=RANKED)
        matches = found_first.where
        listed = (
            "SELECT id, sum(resident) OVER () AS residents FROM (SELECT p.id, p.ref, "
            f"p.display_name AS name, {_RESIDENT} AS resident, {last_left} AS last_left "
            f"FROM person p WHERE {matches}) "
            "ORDER BY resident DESC, CASE WHEN resident THEN NULL ELSE last_left END DESC, "
            "name COLLATE NOCASE, ref LIMIT :limit"
        )
        found = list(session.connection().execute(sql_text(listed), params))
        ids = [row[0] for row in found]
        residents = min(2, int(found[0][1] or 0)) if found else 0
        rows = _matches(session, ids[:limit], day, programme)
    if not found_first.complete:
        return PersonMatches(
            text=text, rows=rows, residents=residents, has_more=True, more_than=RANKED
        )
    return PersonMatches(text=text, rows=rows, residents=residents, has_more=len(ids) > limit)


def match_person(
    store: Store, ref: str, *, as_of: date | None = None, programme: str = PROGRAMME
) -> PersonMatch:
    """The person with reference ``ref`` as a picker shows them, or ValidationError."""
    day = as_of or today()
    with store.read() as session:
        person = person_by_ref(session, ref)
        assert person.id is not None
        return _matches(session, [person.id], day, programme)[0]


def _matches(session: Session, ids: list[int], day: date, programme: str) -> list[PersonMatch]:
    if not ids:
        return []
    people = {p.id: p for p in session.exec(select(Person).where(col(Person.id).in_(ids)))}
    ordered = [people[i] for i in ids]
    statuses = statuses_of(session, ordered, day, programme)
    last_stays: dict[int, Stay] = {}
    for stay in session.exec(
        select(Stay).where(col(Stay.person_id).in_(ids)).order_by(col(Stay.arrived_on))
    ):
        last_stays[stay.person_id] = stay
    rows = []
    for person in ordered:
        assert person.id is not None
        status = statuses[person.id]
        last = last_stays.get(person.id)
        unit = status.unit
        if unit is None and last is not None and last.unit_id is not None:
            unit = _unit_name(session, last.unit_id)
        # The status already read the decision in force: no query per person for it.
        declined = status.waiting_to_revisit
        rows.append(
            PersonMatch(
                ref=person.ref,
                name=person.display_name,
                date_of_birth=person.date_of_birth,
                age=age_on(person.date_of_birth, day),
                unit=unit,
                resident=status.resident,
                left_on=None if status.resident or last is None else last.left_on,
                do_not_approach=status.do_not_approach,
                decided_on=status.decided_on if status.do_not_approach or declined else None,
                declined_until=status.revisit_on if declined else None,
            )
        )
    return rows


def _unit_name(session: Session, unit_id: int) -> str | None:
    unit = session.get(Unit, unit_id)
    return unit.name if unit else None
