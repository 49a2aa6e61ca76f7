"""People and their stays: adding, correcting, arriving and leaving.

Searching lives in :mod:`outreach.services.search` and the profile in
:mod:`outreach.services.profile`; both are re-exported here.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func
from sqlmodel import Session, col, select

from outreach.clock import now
from outreach.model import HasCervix, LeftReason, Person, Stay, Unit
from outreach.rules.equity import EQUITY_KEYS, NOT_STATED, equity_field
from outreach.rules.limits import NAME_MAX, REF_MAX, arrival_age_problem, text_problem
from outreach.services.dates import not_in_future
from outreach.services.errors import ValidationError
from outreach.services.lookups import (
    choice,
    not_before_1900,
    not_before_birth,
    open_stay,
    person_by_ref,
    plain_line,
    ref_spellings,
)
from outreach.services.profile import PersonProfile, person_profile
from outreach.services.search import PeopleFilter, PeoplePage, PersonRow, search_people
from outreach.store.action import Actions
from outreach.wording import fold

__all__ = [
    "AddPerson",
    "PeopleFilter",
    "PeoplePage",
    "PersonProfile",
    "PersonRow",
    "RecordArrival",
    "RecordLeaving",
    "UpdatePerson",
    "add_person",
    "ensure_unit",
    "open_stay",
    "person_by_ref",
    "person_profile",
    "record_arrival",
    "record_leaving",
    "search_people",
    "update_person",
]


UNIT_LIMIT = 100
"""The longest unit name accepted, in characters."""


def ensure_unit(session: Session, name: str) -> Unit:
    """The unit called ``name`` (ignoring case and surrounding space), created if new."""
    text = plain_line(name, "unit", limit=UNIT_LIMIT)
    if not text:
        raise ValidationError("unit", "a unit name is needed")
    # Folded alike in SQL and Python: SQLite's lower() folds ASCII only, so "É" and "é"
    # were two units and the second spelling failed on the unique name.
    unit = session.exec(select(Unit).where(func.fold(Unit.name) == fold(text))).first()
    if unit is None:
        unit = Unit(name=text)
        session.add(unit)
        session.flush()
    return unit


def _check_ref(session: Session, ref: str, *, field: str = "ref") -> str:
    text = plain_line(ref, field)
    if not text:
        raise ValidationError(field, "a reference is needed")
    problem = text_problem(text, REF_MAX)
    if problem:
        raise ValidationError(field, problem)
    taken = session.exec(select(Person.id).where(col(Person.ref).in_(ref_spellings(text)))).first()
    if taken is not None:
        raise ValidationError(field, f"{text!r} is already used by another person")
    return text


def _check_name(name: str) -> str:
    text = plain_line(name, "display_name")
    if not text:
        raise ValidationError("display_name", "a name is needed")
    problem = text_problem(text, NAME_MAX)
    if problem:
        raise ValidationError("display_name", problem)
    return text


def check_arrival_age(date_of_birth: date, arrived_on: date, field: str) -> None:
    """Refuse an arrival at an age implausible for a resident (see outreach.rules.limits)."""
    problem = arrival_age_problem(date_of_birth, arrived_on)
    if problem:
        raise ValidationError(field, problem)


def _check_birth(day: date) -> date:
    not_in_future(day, "date_of_birth")
    not_before_1900(day, "date_of_birth")
    return day


@dataclass(frozen=True)
class AddPerson:
    """A new person; with ``arrived_on`` (and optionally ``unit``) their first stay too."""

    ref: str
    display_name: str
    date_of_birth: date
    has_cervix: str = HasCervix.unknown
    language: str | None = None
    unit: str | None = None
    arrived_on: date | None = None
    ethnicity: str | None = None
    """Equity fields (outreach.rules.equity): a code, label or import alias; None or blank
    is not stated."""
    disability: str | None = None
    learning_disability: str | None = None
    first_language: str | None = None
    interpreter: str | None = None


def equity_values(cmd: object) -> dict[str, str]:
    """The equity fields ``cmd`` sets (those not None), as codes; a value no field knows is
    refused naming the field, never repeating the value."""
    values: dict[str, str] = {}
    for key in EQUITY_KEYS:
        given = getattr(cmd, key)
        if given is not None:
            values[key] = equity_field(key).parse(given)
    return values


def add_person(on: Actions, cmd: AddPerson) -> Person:
    """Add a person (and their first stay); one ``person.add`` audit row.

    Refuses a reference already used (ignoring case), a date of birth in the future or before
    1900, and an arrival in the future or before birth.
    """
    with on.action("person.add", entity="person") as act:
        session = act.session
        ref_text = _check_ref(session, cmd.ref)
        name = _check_name(cmd.display_name)
        dob = _check_birth(cmd.date_of_birth)
        cervix = choice(HasCervix, cmd.has_cervix, "has_cervix")
        arrived_on, unit = cmd.arrived_on, cmd.unit
        with_unit = unit is not None and bool(unit.strip())
        equity = equity_values(cmd)
        if with_unit and arrived_on is None:
            raise ValidationError("arrived_on", "an arrival date is needed with a unit")
        person = Person(
            ref=ref_text,
            display_name=name,
            date_of_birth=dob,
            has_cervix=cervix.value,
            language=(cmd.language or "").strip() or None,
            created_at=now(),
        )
        for key, code in equity.items():
            setattr(person, key, code)
        if arrived_on is not None:
            not_in_future(arrived_on, "arrived_on")
            not_before_birth(person, arrived_on, "arrived_on")
            check_arrival_age(dob, arrived_on, "date_of_birth")
        session.add(person)
        session.flush()
        assert person.id is not None
        fields = ["ref", "display_name", "date_of_birth", "has_cervix"]
        fields += ["language"] if person.language else []
        fields += [key for key, code in equity.items() if code != NOT_STATED]
        if arrived_on is not None:
            unit_row = ensure_unit(session, unit) if unit and with_unit else None
            session.add(
                Stay(
                    person_id=person.id,
                    unit_id=unit_row.id if unit_row else None,
                    arrived_on=arrived_on,
                )
            )
            session.flush()
            fields += ["stay.arrived_on", "stay.unit"] if with_unit else ["stay.arrived_on"]
            act.touches(arrived_on)
        act.names(person.id, fields)
        return person


@dataclass(frozen=True)
class UpdatePerson:
    """Corrections to the person ``person_ref`` names: None leaves a field alone,
    ``language=""`` clears it, and ``""`` makes an equity field not stated again."""

    person_ref: str
    ref: str | None = None
    display_name: str | None = None
    date_of_birth: date | None = None
    has_cervix: str | None = None
    language: str | None = None
    ethnicity: str | None = None
    disability: str | None = None
    learning_disability: str | None = None
    first_language: str | None = None
    interpreter: str | None = None


def update_person(on: Actions, cmd: UpdatePerson) -> list[str]:
    """Correct a person's details; one ``person.update`` audit row naming the changed fields.

    Returns the names of the fields whose value changed; when none does, nothing is written.
    """
    with on.action("person.update", entity="person") as act:
        session = act.session
        person = person_by_ref(session, cmd.person_ref)
        changes: dict[str, object] = {}
        ref, language = cmd.ref, cmd.language
        if ref is not None and ref.strip() != person.ref:
            if ref.strip().lower() != person.ref.lower():
                changes["ref"] = _check_ref(session, ref)
            else:
                changes["ref"] = ref.strip()
        display_name = cmd.display_name
        if display_name is not None and display_name.strip() != person.display_name:
            changes["display_name"] = _check_name(display_name)
        if cmd.date_of_birth is not None and cmd.date_of_birth != person.date_of_birth:
            changes["date_of_birth"] = _check_birth(cmd.date_of_birth)
        if cmd.has_cervix is not None:
            cervix = choice(HasCervix, cmd.has_cervix, "has_cervix").value
            if cervix != person.has_cervix:
                changes["has_cervix"] = cervix
        if language is not None and (language.strip() or None) != person.language:
            changes["language"] = language.strip() or None
        for key, code in equity_values(cmd).items():
            if code != getattr(person, key):
                changes[key] = code
        for field, value in changes.items():
            setattr(person, field, value)
        if not changes:
            act.unchanged()
            return []
        session.add(person)
        session.flush()
        act.names(person.id, sorted(changes))
        return sorted(changes)


@dataclass(frozen=True)
class RecordArrival:
    """The person ``person_ref`` names arrived on ``arrived_on`` (in ``unit``, if given)."""

    person_ref: str
    arrived_on: date
    unit: str | None = None


def record_arrival(on: Actions, cmd: RecordArrival) -> Stay:
    """Open a new stay; one ``stay.arrive`` audit row. Refused while a stay is open, before
    birth, in the future, or before the end of the person's latest stay."""
    with on.action("stay.arrive", entity="stay") as act:
        session, arrived_on = act.session, cmd.arrived_on
        person = person_by_ref(session, cmd.person_ref)
        assert person.id is not None
        not_in_future(arrived_on, "arrived_on")
        not_before_birth(person, arrived_on, "arrived_on")
        check_arrival_age(person.date_of_birth, arrived_on, "arrived_on")
        if open_stay(session, person.id) is not None:
            raise ValidationError("arrived_on", f"{person.ref} already has an open stay")
        last_left = session.exec(
            select(func.max(Stay.left_on)).where(Stay.person_id == person.id)
        ).first()
        if last_left is not None and arrived_on < last_left:
            raise ValidationError(
                "arrived_on", f"{arrived_on.isoformat()} is before the end of the previous stay"
            )
        unit = cmd.unit
        unit_row = ensure_unit(session, unit) if unit and unit.strip() else None
        stay = Stay(
            person_id=person.id, unit_id=unit_row.id if unit_row else None, arrived_on=arrived_on
        )
        session.add(stay)
        session.flush()
        act.names(stay.id, ["arrived_on", "unit"] if stay.unit_id else ["arrived_on"])
        act.touches(arrived_on)
        return stay


@dataclass(frozen=True)
class RecordLeaving:
    """The person ``person_ref`` names left on ``left_on`` (a LeftReason value)."""

    person_ref: str
    left_on: date
    left_reason: str


def record_leaving(on: Actions, cmd: RecordLeaving) -> Stay:
    """Close the person's open stay on ``left_on`` (not before it began, not in the future);
    one ``stay.leave`` audit row.

    Open follow-ups are kept: a person who comes back picks up where they left off, and
    worklists hide people who are not resident.
    """
    with on.action("stay.leave", entity="stay") as act:
        session, left_on = act.session, cmd.left_on
        person = person_by_ref(session, cmd.person_ref)
        assert person.id is not None
        reason = choice(LeftReason, cmd.left_reason, "left_reason")
        not_in_future(left_on, "left_on")
        stay = open_stay(session, person.id)
        if stay is None:
            raise ValidationError("left_on", f"{person.ref} has no open stay to end")
        if left_on < stay.arrived_on:
            raise ValidationError(
                "left_on",
                f"{left_on.isoformat()} is before the stay began on {stay.arrived_on.isoformat()}",
            )
        stay.left_on = left_on
        stay.left_reason = reason.value
        session.add(stay)
        session.flush()
        act.names(stay.id, ["left_on", "left_reason"])
        act.touches(left_on)
        return stay
