"""Peer mentors: people with lived experience who hold the conversations."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func
from sqlmodel import Session, col, select

from outreach.clock import today
from outreach.model import Mentor, Person
from outreach.rules.limits import NAME_MAX, text_problem
from outreach.services.dates import not_in_future
from outreach.services.errors import ValidationError
from outreach.services.lookups import mentor_by_name, person_by_ref, plain_line, require_writer
from outreach.store import audit
from outreach.store.store import Store
from outreach.wording import fold


def is_active(mentor: Mentor, day: date) -> bool:
    """Active on ``day``: from ``active_from`` (if set) to ``active_to`` inclusive (if set)."""
    started = mentor.active_from is None or mentor.active_from <= day
    ended = mentor.active_to is not None and mentor.active_to < day
    return started and not ended


def add_mentor_in(
    session: Session,
    *,
    actor_id: int | None,
    name: str,
    trained_on: date | None = None,
    active_from: date | None = None,
    active_to: date | None = None,
    person_ref: str | None = None,
) -> Mentor:
    """Add a mentor; the name is unique ignoring case, ``active_to`` is not before
    ``active_from`` and ``trained_on`` is not in the future."""
    text = plain_line(name, "name")
    if not text:
        raise ValidationError("name", "a mentor name is needed")
    too_long = text_problem(text, NAME_MAX)
    if too_long:
        raise ValidationError("name", too_long)
    taken = session.exec(select(Mentor.id).where(func.fold(Mentor.name) == fold(text))).first()
    if taken is not None:
        raise ValidationError("name", f"a mentor named {text!r} already exists")
    if trained_on is not None:
        not_in_future(trained_on, "trained_on")
    if active_from and active_to and active_to < active_from:
        raise ValidationError("active_to", f"{active_to.isoformat()} is before active_from")
    person_id = person_by_ref(session, person_ref).id if person_ref and person_ref.strip() else None
    mentor = Mentor(
        name=text,
        trained_on=trained_on,
        active_from=active_from,
        active_to=active_to,
        person_id=person_id,
    )
    session.add(mentor)
    session.flush()
    return mentor


def add_mentor(
    store: Store,
    *,
    name: str,
    trained_on: date | None = None,
    active_from: date | None = None,
    active_to: date | None = None,
    person_ref: str | None = None,
) -> Mentor:
    """Add a peer mentor with one ``mentor.add`` audit row."""
    require_writer(store)
    with store.write() as session:
        mentor = add_mentor_in(
            session,
            actor_id=store.actor.id,
            name=name,
            trained_on=trained_on,
            active_from=active_from,
            active_to=active_to,
            person_ref=person_ref,
        )
        fields = ["name"] + [
            field
            for field in ("trained_on", "active_from", "active_to", "person_id")
            if getattr(mentor, field) is not None
        ]
        audit.record(
            session,
            actor_id=store.actor.id,
            action="mentor.add",
            entity="mentor",
            entity_id=mentor.id,
            fields=fields,
        )
    return mentor


@dataclass(frozen=True)
class MentorRow:
    id: int
    name: str
    trained_on: date | None
    active_from: date | None
    active_to: date | None
    person_ref: str | None
    active: bool
    """Active on the day the list was asked for."""


def list_mentors(
    store: Store, *, as_of: date | None = None, active_only: bool = False
) -> list[MentorRow]:
    """Every mentor by name, with whether they are active on ``as_of`` (default today)."""
    day = as_of or today()
    with store.read() as session:
        rows = session.exec(
            select(Mentor, Person.ref)
            .join(Person, col(Person.id) == Mentor.person_id, isouter=True)
            .order_by(func.fold(Mentor.name))
        ).all()
    result = [
        MentorRow(
            id=mentor.id or 0,
            name=mentor.name,
            trained_on=mentor.trained_on,
            active_from=mentor.active_from,
            active_to=mentor.active_to,
            person_ref=ref,
            active=is_active(mentor, day),
        )
        for mentor, ref in rows
    ]
    return [row for row in result if row.active] if active_only else result


def set_mentor_active_in(
    session: Session, *, actor_id: int | None, name: str, active: bool, on: date
) -> tuple[Mentor, list[str]]:
    """Start (``active=True``) or end (``active=False``) a mentor's active period on ``on``.

    Ending sets ``active_to`` to ``on`` (their last active day). Starting clears ``active_to``
    and, when the mentor had ended or never started, sets ``active_from`` to ``on``.
    Returns the mentor and the names of the fields changed.
    """
    mentor = mentor_by_name(session, name, field="name")
    changed: list[str] = []
    if active:
        if mentor.active_to is not None or mentor.active_from is None:
            mentor.active_from = on
            changed.append("active_from")
        if mentor.active_to is not None:
            mentor.active_to = None
            changed.append("active_to")
    else:
        if mentor.active_from is not None and on < mentor.active_from:
            raise ValidationError(
                "active_to", f"{on.isoformat()} is before active_from {mentor.active_from}"
            )
        if mentor.active_to != on:
            mentor.active_to = on
            changed.append("active_to")
    session.add(mentor)
    session.flush()
    return mentor, changed


def set_mentor_active(store: Store, *, name: str, active: bool, on: date) -> Mentor:
    """Start or end a mentor's active period, with one ``mentor.set_active`` audit row."""
    require_writer(store)
    with store.write() as session:
        mentor, changed = set_mentor_active_in(
            session, actor_id=store.actor.id, name=name, active=active, on=on
        )
        audit.record(
            session,
            actor_id=store.actor.id,
            action="mentor.set_active",
            entity="mentor",
            entity_id=mentor.id,
            fields=changed,
        )
    return mentor
