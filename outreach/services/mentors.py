"""Peer mentors: people with lived experience who hold the conversations."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func
from sqlmodel import col, select

from outreach.clock import today
from outreach.model import Mentor, Person
from outreach.rules.limits import NAME_MAX, text_problem
from outreach.services.dates import not_in_future
from outreach.services.errors import ValidationError
from outreach.services.lookups import NamedMentor, mentor_by_name, person_by_ref, plain_line
from outreach.store.action import Actions
from outreach.store.store import Store
from outreach.wording import fold


def is_active(mentor: NamedMentor, day: date) -> bool:
    """Active on ``day``: from ``active_from`` (if set) to ``active_to`` inclusive (if set)."""
    started = mentor.active_from is None or mentor.active_from <= day
    ended = mentor.active_to is not None and mentor.active_to < day
    return started and not ended


@dataclass(frozen=True)
class AddMentor:
    """A new peer mentor; ``person_ref`` names them when they are a resident too."""

    name: str
    trained_on: date | None = None
    active_from: date | None = None
    active_to: date | None = None
    person_ref: str | None = None


def add_mentor(on: Actions, cmd: AddMentor) -> Mentor:
    """Add a mentor (one ``mentor.add`` audit row naming the fields given); the name is
    unique ignoring case, ``active_to`` is not before ``active_from`` and ``trained_on`` is
    not in the future."""
    with on.action("mentor.add", entity="mentor") as act:
        session = act.session
        text = plain_line(cmd.name, "name")
        if not text:
            raise ValidationError("name", "a mentor name is needed")
        too_long = text_problem(text, NAME_MAX)
        if too_long:
            raise ValidationError("name", too_long)
        taken = session.exec(select(Mentor.id).where(func.fold(Mentor.name) == fold(text))).first()
        if taken is not None:
            raise ValidationError("name", f"a mentor named {text!r} already exists")
        if cmd.trained_on is not None:
            not_in_future(cmd.trained_on, "trained_on")
        active_from, active_to = cmd.active_from, cmd.active_to
        if active_from and active_to and active_to < active_from:
            raise ValidationError("active_to", f"{active_to.isoformat()} is before active_from")
        ref = cmd.person_ref
        person_id = person_by_ref(session, ref).id if ref and ref.strip() else None
        mentor = Mentor(
            name=text,
            trained_on=cmd.trained_on,
            active_from=active_from,
            active_to=active_to,
            person_id=person_id,
        )
        session.add(mentor)
        session.flush()
        optional = ("trained_on", "active_from", "active_to", "person_id")
        act.names(mentor.id, ["name", *(f for f in optional if getattr(mentor, f) is not None)])
        act.touches(active_from)
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


@dataclass(frozen=True)
class SetMentorActive:
    """Start (``active``) or end a mentor's active period on ``on``."""

    name: str
    active: bool
    on: date


def set_mentor_active(on: Actions, cmd: SetMentorActive) -> Mentor:
    """Start or end a mentor's active period; one ``mentor.set_active`` audit row naming the
    fields changed.

    Ending sets ``active_to`` to ``cmd.on`` (their last active day). Starting clears
    ``active_to`` and, when the mentor had ended or never started, sets ``active_from`` to
    ``cmd.on``.
    """
    with on.action("mentor.set_active", entity="mentor") as act:
        mentor = mentor_by_name(act.session, cmd.name, field="name")
        changed: list[str] = []
        if cmd.active:
            if mentor.active_to is not None or mentor.active_from is None:
                mentor.active_from = cmd.on
                changed.append("active_from")
            if mentor.active_to is not None:
                mentor.active_to = None
                changed.append("active_to")
        else:
            if mentor.active_from is not None and cmd.on < mentor.active_from:
                raise ValidationError(
                    "active_to", f"{cmd.on.isoformat()} is before active_from {mentor.active_from}"
                )
            if mentor.active_to != cmd.on:
                mentor.active_to = cmd.on
                changed.append("active_to")
        act.session.add(mentor)
        act.session.flush()
        act.names(mentor.id, changed)
        act.touches(cmd.on)
        return mentor
