"""Finding records by the references staff type, and checks every service shares."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from typing import Any, Protocol, TypeVar

from sqlalchemy import (
    ColumnElement,
    Date,
    and_,
    bindparam,
    exists,
    func,
    or_,
)
from sqlalchemy import select as columns
from sqlmodel import Session, col, select

from outreach.model import Account, Conversation, FollowUp, Mentor, Person, Role, Stay
from outreach.rules.limits import NOTE_MAX, text_problem
from outreach.rules.programme import programme_keys
from outreach.services.dates import EARLIEST
from outreach.services.errors import ValidationError
from outreach.store.store import Store
from outreach.text import line_problem, note_problem
from outreach.wording import fold

PROGRAMME = "cervical-screening"

E = TypeVar("E", bound=StrEnum)

# Records are read for this many references per query.
_CHUNK = 500


class Someone(Protocol):
    """What the checks of a conversation, a decision or a screening step need of a person: a
    stored :class:`Person`, or a :class:`Known` read for a whole file."""

    @property
    def id(self) -> int | None: ...

    @property
    def ref(self) -> str: ...

    @property
    def date_of_birth(self) -> date: ...


@dataclass(frozen=True, slots=True)
class Known:
    """A person as an import reads them (:func:`known_by_keys`): only what the checks need,
    as plain rows (a full :class:`Person` costs the ORM some 20 µs each, a file of 10,000
    people 0.2 s)."""

    id: int
    ref: str
    date_of_birth: date


class NamedMentor(Protocol):
    """What the checks of a conversation need of a mentor: a stored :class:`Mentor`, or a
    :class:`KnownMentor` read for a whole file."""

    @property
    def id(self) -> int | None: ...

    @property
    def name(self) -> str: ...

    @property
    def active_from(self) -> date | None: ...

    @property
    def active_to(self) -> date | None: ...


@dataclass(frozen=True, slots=True)
class KnownMentor:
    """A mentor as :class:`FileDirectory` reads them, as plain rows (see :class:`Known`)."""

    id: int
    name: str
    active_from: date | None
    active_to: date | None


def require_writer(store: Store) -> None:
    """Staff and admins may write; viewers get NotAllowed."""
    store.require(Role.admin, Role.staff)


def actor_id(store: Store) -> int:
    return store.actor.id


def person_by_ref(session: Session, ref: str, field: str = "person_ref") -> Person:
    """The person with reference ``ref`` (as typed, or in upper or lower case), or
    ValidationError."""
    text = ref.strip()
    if not text:
        raise ValidationError(field, "a person reference is needed")
    person = session.exec(select(Person).where(Person.ref == text)).first()
    if person is None:
        spellings = ref_spellings(text)
        person = session.exec(select(Person).where(col(Person.ref).in_(spellings))).first()
    if person is None:
        raise ValidationError(field, f"no person with reference {text!r}")
    return person


def ref_spellings(ref: str) -> list[str]:
    """The ways a reference is commonly typed (as given, upper, lower case): matched through
    the unique index on ``person.ref``, where ``lower(ref) = ?`` would read every person."""
    return sorted({ref, ref.upper(), ref.lower()})


# SQLite's lower() folds A-Z only; a reference matched in Python must fold the same way.
# (Names are matched with outreach.wording.fold instead, registered in SQL as fold().)
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def ref_key(ref: str) -> str:
    """A reference as an import matches it: trimmed and folded to lower case the way
    SQLite's ``lower()`` folds (A-Z only), so the store's index answers the same."""
    return ref.strip().translate(_ASCII_LOWER)


def ids_of_refs(session: Session, refs: Iterable[str]) -> dict[str, int]:
    """The ids of the people with these references, by :func:`ref_key` (on a clash of
    spellings the oldest person wins): :func:`people_of_refs`' ids."""
    return {key: person.id for key, person in people_of_refs(session, refs).items()}


def people_of_refs(session: Session, refs: Iterable[str]) -> dict[str, Known]:
    """The people with these references, by :func:`ref_key` (on a clash of spellings the
    oldest person wins), read in one query from the ``lower(ref)`` index alone
    (:func:`known_by_keys`), so the cost follows the references asked for, not the store."""
    found: dict[str, Known] = {}
    for key, person in known_by_keys(session, {ref_key(ref) for ref in refs if ref.strip()}):
        found.setdefault(key, person)
    return found


# The folded references asked for, handed over as one JSON array: one parameter and one
# statement however many, where SQLAlchemy built an IN list of 500 afresh for each query
# (9,961 references at 200,000 people: 25-47 ms of CPU against 37-47 ms).
_KEYS = func.json_each(bindparam("keys")).table_valued("value", name="keys")
_KNOWN_BY_KEYS = (
    columns(col(Person.id), col(Person.ref), col(Person.date_of_birth), _KEYS.c.value)
    .select_from(_KEYS)
    .join(Person, func.lower(Person.ref) == _KEYS.c.value)
    .order_by(col(Person.id))
)


def known_by_keys(session: Session, keys: Iterable[str]) -> Iterator[tuple[str, Known]]:
    """Each person whose ``lower(ref)`` is one of ``keys`` (references folded by
    :func:`ref_key`), with that key, oldest first: one statement for all the keys.
    ``ix_person_ref_lower`` holds every column read, so no person row is read (at 1,000,000
    people, 10,000 references take 0.04 s, against 0.15-0.46 s through the rows)."""
    wanted = json.dumps(sorted(set(keys)))
    found = session.connection().execute(_KNOWN_BY_KEYS, {"keys": wanted})
    for person_id, ref, born, key in found.all():
        yield key, Known(person_id, ref, born)


def mentor_by_name(session: Session, name: str, field: str = "mentor") -> Mentor:
    """The mentor called ``name`` ignoring case in every script (:func:`outreach.wording.fold`,
    the same fold in SQL and Python), or ValidationError."""
    text = name.strip()
    mentor = session.exec(
        select(Mentor).where(func.fold(Mentor.name) == fold(text)).order_by(col(Mentor.id))
    ).first()
    if mentor is None:
        raise ValidationError(field, f"no mentor named {text!r}")
    return mentor


class Directory:
    """How a service finds the people and mentors a request names: each read from the store
    as it is asked for (:func:`person_by_ref`, :func:`mentor_by_name`).

    :class:`FileDirectory` answers the same questions from records read once for a whole file.
    """

    def person(self, session: Session, ref: str, field: str = "person_ref") -> Someone:
        return person_by_ref(session, ref, field)

    def mentor(self, session: Session, name: str, field: str = "mentor") -> NamedMentor:
        return mentor_by_name(session, name, field)

    def conversation_id(self, session: Session) -> int | None:
        """The id for a new conversation, or None to let the store number it when written."""
        return None

    def may_have_open_follow_ups(self, session: Session, person_id: int) -> bool:
        """Whether the person may have open follow-ups a conversation could meet. True is
        always a safe answer (the caller then looks in the store)."""
        return True

    def programme_keys(self) -> tuple[str, ...]:
        """The keys of the programme files (:func:`outreach.rules.programme.programme_keys`),
        read from the folder each time they are asked for."""
        return programme_keys()


class FileDirectory(Directory):
    """People and mentors read up front (every folded reference in one query, every mentor
    in one), giving exactly the answers :class:`Directory` would: the same person for each
    spelling of a reference, the same mentor for each name, and the same errors (anything
    not read up front is looked up in the store)."""

    def __init__(self, session: Session, refs: Iterable[str]) -> None:
        texts = {ref.strip() for ref in refs if ref.strip()}
        self._people: dict[str, Someone] = {}
        self.ids: dict[str, int] = {}
        """The ids of the people stored under the references given, by :func:`ref_key`,
        exactly as :func:`ids_of_refs` gives them (on a clash of spellings the oldest)."""
        self._read_keys(session, {ref_key(text) for text in texts})
        # Every spelling of an ASCII reference folds to its key, so the people stored under
        # them were all read above. Python's upper() and lower() fold other letters too,
        # which SQLite's lower() does not: those references are read by their spellings.
        other = {text for text in texts if not text.isascii()}
        self._read(session, other)
        self._read(
            session,
            {s for text in other if text not in self._people for s in ref_spellings(text)},
        )
        self._last_conversation: int | None = None
        self.open_follow_ups: set[int] | None = None
        """People who may have open outreach follow-ups while the file is applied (set by
        the importer: those with one stored, and those the file gives a next step or a
        decision); None to look for everyone."""
        self._mentors: dict[str, NamedMentor] = {}
        mentors = session.exec(
            select(
                col(Mentor.id), col(Mentor.name), col(Mentor.active_from), col(Mentor.active_to)
            ).order_by(col(Mentor.id))
        )
        for mentor_id, name, active_from, active_to in mentors:
            assert mentor_id is not None
            mentor = KnownMentor(mentor_id, name, active_from, active_to)
            self._mentors.setdefault(fold(name), mentor)
        # The programme files, listed once for the whole file rather than once per row (a
        # listing reads the folder).
        self._programme_keys = programme_keys()

    def programme_keys(self) -> tuple[str, ...]:
        return self._programme_keys

    def _read_keys(self, session: Session, keys: set[str]) -> None:
        """Read the people whose ``lower(ref)`` is one of ``keys``, noting each key's oldest
        person's id: one read gives both the ids and the records."""
        for key, person in known_by_keys(session, keys):
            self._people[person.ref] = person
            self.ids.setdefault(key, person.id)

    def _read(self, session: Session, refs: set[str]) -> None:
        """Read the people stored under any of ``refs``, a few hundred per query."""
        wanted = sorted(refs - self._people.keys())
        connection = session.connection()
        for start in range(0, len(wanted), _CHUNK):
            chunk = wanted[start : start + _CHUNK]
            found = connection.execute(
                select(col(Person.id), col(Person.ref), col(Person.date_of_birth)).where(
                    col(Person.ref).in_(chunk)
                )
            )
            for person_id, ref, born in found:
                assert person_id is not None
                self._people[ref] = Known(person_id, ref, born)

    def person(self, session: Session, ref: str, field: str = "person_ref") -> Someone:
        text = ref.strip()
        found = self._people.get(text)
        if found is None and text:
            # As person_by_ref: the exact spelling first, else the first of the others in
            # the order of the unique index.
            found = next((self._people[s] for s in ref_spellings(text) if s in self._people), None)
        return found if found is not None else super().person(session, ref, field)

    def mentor(self, session: Session, name: str, field: str = "mentor") -> NamedMentor:
        found = self._mentors.get(fold(name.strip()))
        return found if found is not None else super().mentor(session, name, field)

    def may_have_open_follow_ups(self, session: Session, person_id: int) -> bool:
        return self.open_follow_ups is None or person_id in self.open_follow_ups

    def conversation_id(self, session: Session) -> int | None:
        """The next id after the highest stored: the one SQLite would give, known before the
        row is written, so rows can be written in batches. Only for use inside one write
        transaction in which every new conversation is numbered here."""
        if self._last_conversation is None:
            stored = session.connection().execute(select(func.max(Conversation.id))).scalar()
            self._last_conversation = stored or 0
        self._last_conversation += 1
        return self._last_conversation


def account_by_name(session: Session, name: str, field: str = "assignee") -> Account:
    account = session.exec(
        select(Account).where(Account.name == name.strip(), Account.removed_at == None)  # noqa: E711
    ).first()
    if account is None:
        raise ValidationError(field, f"no active account named {name.strip()!r}")
    return account


def followup_by_id(session: Session, followup_id: int, field: str = "followup_id") -> FollowUp:
    followup = session.get(FollowUp, followup_id)
    if followup is None:
        raise ValidationError(field, f"no follow-up with id {followup_id}")
    return followup


def choice(enum: type[E], value: str | None, field: str) -> E:
    """``value`` as a member of ``enum``, or ValidationError listing the allowed values."""
    try:
        return enum(str(value).strip())
    except ValueError:
        allowed = ", ".join(member.value for member in enum)
        raise ValidationError(field, f"{value!r} is not one of {allowed}") from None


def optional_choice(enum: type[E], value: str | None, field: str) -> E | None:
    if value is None or not str(value).strip():
        return None
    return choice(enum, value, field)


def not_before_birth(person: Someone, day: date, field: str) -> None:
    if day < person.date_of_birth:
        raise ValidationError(field, f"{day.isoformat()} is before the person's date of birth")


def not_before_1900(day: date, field: str) -> None:
    if day < EARLIEST:
        raise ValidationError(field, f"{day.isoformat()} is before {EARLIEST.year}")


def clean_note(note: str | None, field: str = "note") -> str | None:
    """A note with surrounding space removed; empty notes are stored as nothing. A note holding
    a control character other than a tab or line break, or a bidirectional control, or longer
    than :data:`outreach.rules.limits.NOTE_MAX`, is refused."""
    if note is None:
        return None
    text = note.strip()
    problem = note_problem(text) or text_problem(text, NOTE_MAX)
    if problem:
        raise ValidationError(field, problem)
    return text or None


def plain_line(text: str, field: str, *, limit: int | None = None) -> str:
    """``text`` without surrounding space, refused (ValidationError naming ``field``) when it
    holds a control character or a bidirectional control, or is longer than ``limit``."""
    text = text.strip()
    problem = line_problem(text, limit=limit)
    if problem is not None:
        raise ValidationError(field, problem)
    return text


def open_stay(session: Session, person_id: int) -> Stay | None:
    """The person's stay with no leaving date, if any."""
    return session.exec(
        select(Stay).where(Stay.person_id == person_id, Stay.left_on == None)  # noqa: E711
    ).first()


def _covers(day: Any) -> ColumnElement[bool]:
    """A stay that covers ``day``, the day of leaving included: the residency rule for
    something that happened on site, stated once for one person and for a whole file."""
    return and_(
        col(Stay.arrived_on) <= day,
        or_(col(Stay.left_on).is_(None), col(Stay.left_on) >= day),
    )


# Built once and run on the session's connection: an import asks for every row of a file,
# and building and compiling the statement each time cost far more than running it.
_RESIDENT_ON = (
    select(Stay.id)
    .where(col(Stay.person_id) == bindparam("person_id"), _covers(bindparam("day", type_=Date)))
    .limit(1)
)

# session.info key of the answers read ahead by residence_read_ahead.
_READ_AHEAD = "outreach.residence_read_ahead"

# The (person id, day) pairs asked about, handed over as one JSON array of [id, "YYYY-MM-DD"]
# (one parameter however many pairs: building and binding a VALUES row for each cost more
# than the per-row statements it replaces). Days are compared as stored, ISO text.
_PAIRS = func.json_each(bindparam("pairs")).table_valued("value", name="pairs")
_ASKED = columns(
    func.json_extract(_PAIRS.c.value, "$[0]").label("person_id"),
    func.json_extract(_PAIRS.c.value, "$[1]").label("day"),
).cte("asked")
_RESIDENTS_ON = columns(_ASKED.c.person_id, _ASKED.c.day).where(
    exists().where(col(Stay.person_id) == _ASKED.c.person_id, _covers(_ASKED.c.day))
)


def residents_on(session: Session, pairs: Iterable[tuple[int, date]]) -> set[tuple[int, date]]:
    """Of the (person id, day) pairs, those a stay of the person covers (the rule of
    :func:`require_resident`): one statement for the whole set, through the stays' person
    index, rather than one for each."""
    if session.autoflush:
        session.flush()
    wanted = json.dumps([[person_id, day.isoformat()] for person_id, day in set(pairs)])
    found = session.connection().execute(_RESIDENTS_ON, {"pairs": wanted})
    return {(person_id, date.fromisoformat(day)) for person_id, day in found}


@contextmanager
def residence_read_ahead(session: Session, pairs: Iterable[tuple[int, date]]) -> Iterator[None]:
    """Inside the block, :func:`was_resident` (and so :func:`require_resident`) answers for
    the (person id, day) ``pairs`` from one read of the stays (:func:`residents_on`) instead
    of a statement each; any other pair is read as usual. For a file applied in one
    transaction that writes no stays inside the block: a stay written there would not change
    the answers read ahead."""
    asked = set(pairs)
    session.info[_READ_AHEAD] = (asked, residents_on(session, asked))
    try:
        yield
    finally:
        session.info.pop(_READ_AHEAD, None)


def was_resident(session: Session, person_id: int, day: date) -> bool:
    """Whether a stay of the person covers ``day``, the day of leaving included."""
    read_ahead = session.info.get(_READ_AHEAD)
    if read_ahead is not None and (person_id, day) in read_ahead[0]:
        return (person_id, day) in read_ahead[1]
    # Stays are written through the ORM: flush (as session.exec would, unless the caller
    # turned that off) so a stay added in this session counts.
    if session.autoflush:
        session.flush()
    found = session.connection().execute(_RESIDENT_ON, {"person_id": person_id, "day": day}).first()
    return found is not None


def require_resident(session: Session, person: Someone, day: date, field: str, why: str) -> None:
    """Refuse (ValidationError on ``field``) something that happened on site on ``day`` unless
    one of the person's stays covers that day (the day of leaving included): the one check
    screening steps and conversations share. ``why`` ends the message and says what to do."""
    assert person.id is not None
    if not was_resident(session, person.id, day):
        raise ValidationError(
            field, f"{person.ref} was not resident on {day.isoformat()} (no stay covers it): {why}"
        )
