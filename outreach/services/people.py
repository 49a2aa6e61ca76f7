"""People and their stays: adding, correcting, arriving and leaving.

Searching lives in :mod:`outreach.services.search` and the profile in
:mod:`outreach.services.profile`; both are re-exported here.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import func
from sqlmodel import Session, col, select

from outreach.clock import now
from outreach.model import HasCervix, LeftReason, Person, Stay, Unit
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
    require_writer,
)
from outreach.services.profile import PersonProfile, person_profile
from outreach.services.search import PeopleFilter, PeoplePage, PersonRow, search_people
from outreach.store import audit
from outreach.store.store import Store
from outreach.wording import fold

__all__ = [
    "PeopleFilter",
    "PeoplePage",
    "PersonProfile",
    "PersonRow",
    "add_person",
    "add_person_in",
    "ensure_unit",
    "open_stay",
    "person_by_ref",
    "person_profile",
    "record_arrival",
    "record_arrival_in",
    "record_leaving",
    "record_leaving_in",
    "search_people",
    "update_person",
    "update_person_in",
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


def add_person_in(
    session: Session,
    *,
    actor_id: int | None,
    ref: str,
    display_name: str,
    date_of_birth: date,
    has_cervix: str = HasCervix.unknown,
    language: str | None = None,
    unit: str | None = None,
    arrived_on: date | None = None,
) -> Person:
    """Add a person; with ``arrived_on`` (and optionally ``unit``) their first stay too.

    Refuses a reference already used (ignoring case), a date of birth in the future or before
    1900, and an arrival in the future or before birth. ``actor_id`` is accepted for symmetry
    with the other services; people carry no "logged by".
    """
    ref_text = _check_ref(session, ref)
    name = _check_name(display_name)
    dob = _check_birth(date_of_birth)
    cervix = choice(HasCervix, has_cervix, "has_cervix")
    if unit is not None and unit.strip() and arrived_on is None:
        raise ValidationError("arrived_on", "an arrival date is needed with a unit")
    person = Person(
        ref=ref_text,
        display_name=name,
        date_of_birth=dob,
        has_cervix=cervix.value,
        language=(language or "").strip() or None,
        created_at=now(),
    )
    if arrived_on is not None:
        not_in_future(arrived_on, "arrived_on")
        not_before_birth(person, arrived_on, "arrived_on")
        check_arrival_age(dob, arrived_on, "date_of_birth")
    session.add(person)
    session.flush()
    assert person.id is not None
    if arrived_on is not None:
        unit_row = ensure_unit(session, unit) if unit and unit.strip() else None
        session.add(
            Stay(
                person_id=person.id,
                unit_id=unit_row.id if unit_row else None,
                arrived_on=arrived_on,
            )
        )
        session.flush()
    return person


def _person_fields(person: Person) -> list[str]:
    fields = ["ref", "display_name", "date_of_birth", "has_cervix"]
    if person.language:
        fields.append("language")
    return fields


def add_person(
    store: Store,
    *,
    ref: str,
    display_name: str,
    date_of_birth: date,
    has_cervix: str = HasCervix.unknown,
    language: str | None = None,
    unit: str | None = None,
    arrived_on: date | None = None,
) -> Person:
    """Add a person (and their first stay) in one transaction with one ``person.add`` audit row."""
    require_writer(store)
    with store.write() as session:
        person = add_person_in(
            session,
            actor_id=store.actor.id,
            ref=ref,
            display_name=display_name,
            date_of_birth=date_of_birth,
            has_cervix=has_cervix,
            language=language,
            unit=unit,
            arrived_on=arrived_on,
        )
        fields = _person_fields(person)
        if arrived_on is not None:
            fields.append("stay.arrived_on")
            if unit and unit.strip():
                fields.append("stay.unit")
        audit.record(
            session,
            actor_id=store.actor.id,
            action="person.add",
            entity="person",
            entity_id=person.id,
            fields=fields,
        )
    return person


def update_person_in(
    session: Session,
    *,
    actor_id: int | None,
    person_ref: str,
    ref: str | None = None,
    display_name: str | None = None,
    date_of_birth: date | None = None,
    has_cervix: str | None = None,
    language: str | None = None,
) -> tuple[Person, list[str]]:
    """Change the given fields (None leaves a field alone; ``language=""`` clears it).

    Returns the person and the names of the fields whose value actually changed.
    """
    person = person_by_ref(session, person_ref)
    changes: dict[str, object] = {}
    if ref is not None and ref.strip() != person.ref:
        if ref.strip().lower() != person.ref.lower():
            changes["ref"] = _check_ref(session, ref)
        else:
            changes["ref"] = ref.strip()
    if display_name is not None and display_name.strip() != person.display_name:
        changes["display_name"] = _check_name(display_name)
    if date_of_birth is not None and date_of_birth != person.date_of_birth:
        changes["date_of_birth"] = _check_birth(date_of_birth)
    if has_cervix is not None:
        cervix = choice(HasCervix, has_cervix, "has_cervix").value
        if cervix != person.has_cervix:
            changes["has_cervix"] = cervix
    if language is not None and (language.strip() or None) != person.language:
        changes["language"] = language.strip() or None
    for field, value in changes.items():
        setattr(person, field, value)
    if changes:
        session.add(person)
        session.flush()
    return person, sorted(changes)


def update_person(
    store: Store,
    *,
    person_ref: str,
    ref: str | None = None,
    display_name: str | None = None,
    date_of_birth: date | None = None,
    has_cervix: str | None = None,
    language: str | None = None,
) -> list[str]:
    """Correct a person's details; one ``person.update`` audit row naming the changed fields.

    Returns the changed field names; when nothing changes nothing is written.
    """
    require_writer(store)
    with store.write() as session:
        person, changed = update_person_in(
            session,
            actor_id=store.actor.id,
            person_ref=person_ref,
            ref=ref,
            display_name=display_name,
            date_of_birth=date_of_birth,
            has_cervix=has_cervix,
            language=language,
        )
        if changed:
            audit.record(
                session,
                actor_id=store.actor.id,
                action="person.update",
                entity="person",
                entity_id=person.id,
                fields=changed,
            )
    return changed


def record_arrival_in(
    session: Session,
    *,
    actor_id: int | None,
    person_ref: str,
    arrived_on: date,
    unit: str | None = None,
) -> Stay:
    """Open a new stay. Refused while a stay is open, before birth, in the future, or before
    the end of the person's latest stay."""
    person = person_by_ref(session, person_ref)
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
    unit_row = ensure_unit(session, unit) if unit and unit.strip() else None
    stay = Stay(
        person_id=person.id, unit_id=unit_row.id if unit_row else None, arrived_on=arrived_on
    )
    session.add(stay)
    session.flush()
    return stay


def record_arrival(
    store: Store, *, person_ref: str, arrived_on: date, unit: str | None = None
) -> Stay:
    """Record an arrival (a new stay) with one ``stay.arrive`` audit row."""
    require_writer(store)
    with store.write() as session:
        stay = record_arrival_in(
            session,
            actor_id=store.actor.id,
            person_ref=person_ref,
            arrived_on=arrived_on,
            unit=unit,
        )
        audit.record(
            session,
            actor_id=store.actor.id,
            action="stay.arrive",
            entity="stay",
            entity_id=stay.id,
            fields=["arrived_on", "unit"] if stay.unit_id else ["arrived_on"],
        )
    return stay


def record_leaving_in(
    session: Session,
    *,
    actor_id: int | None,
    person_ref: str,
    left_on: date,
    left_reason: str,
) -> Stay:
    """Close the person's open stay on ``left_on`` (not before it began, not in the future).

    Open follow-ups are kept: a person who comes back picks up where they left off, and
    worklists hide people who are not resident.
    """
    person = person_by_ref(session, person_ref)
    assert person.id is not None
    reason = choice(LeftReason, left_reason, "left_reason")
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
    return stay


def record_leaving(store: Store, *, person_ref: str, left_on: date, left_reason: str) -> Stay:
    """Record a person leaving (released, transferred, other) with one ``stay.leave`` row."""
    require_writer(store)
    with store.write() as session:
        stay = record_leaving_in(
            session,
            actor_id=store.actor.id,
            person_ref=person_ref,
            left_on=left_on,
            left_reason=left_reason,
        )
        audit.record(
            session,
            actor_id=store.actor.id,
            action="stay.leave",
            entity="stay",
            entity_id=stay.id,
            fields=["left_on", "left_reason"],
        )
    return stay
