"""What a transfer packet carries: one resident's pathway, as versioned JSON.

:func:`pathway_of` reads it from the sending store; :func:`read_packet` checks a payload taken
from a sealed file field by field (the sender is another store, but what it wrote is still
input: dates, codes and text are checked as if typed) and refuses a version it does not know.
Notes (free text) travel only when the sender chose to send them.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from sqlmodel import Session, col, select

from outreach.model import (
    Conversation,
    ConversationBarrier,
    ConversationKind,
    ConversationMentor,
    ConversationProgramme,
    ConversationProgrammeBarrier,
    Cytology,
    Decision,
    DecisionKind,
    FollowUp,
    FollowUpReason,
    FollowUpStatus,
    HasCervix,
    HpvResult,
    Person,
    ResultAction,
    SampleTaker,
    ScreeningEvent,
    ScreeningEventKind,
    Where,
)
from outreach.rules.cascade import CascadeProgramme, load_cascade
from outreach.rules.equity import EQUITY_KEYS, equity_field
from outreach.rules.limits import NAME_MAX, REF_MAX, text_problem
from outreach.rules.programme import programme_keys
from outreach.services.errors import ValidationError
from outreach.services.lookups import PROGRAMME, choice, clean_note, optional_choice, plain_line

KIND = "transfer/1"
"""The sealed-file kind of a transfer packet (bound into the seal)."""
FORMAT = "outreach-transfer"
VERSION = 1
"""The payload's version; a packet of another version is refused, never guessed at."""
_CODE_MAX = 60


@dataclass(frozen=True)
class CarriedPerson:
    ref: str
    display_name: str
    date_of_birth: date
    has_cervix: str
    language: str | None = None
    equity: dict[str, str] = field(default_factory=dict)
    """The equity fields (outreach.rules.equity) as codes, so her answers, and her choice to
    decline, are not asked again at the receiving site."""


@dataclass(frozen=True)
class CarriedEvent:
    """A screening step as the sending site recorded it (``where`` as it was there)."""

    programme: str
    occurred_on: date
    event: str
    hpv: str | None = None
    cytology: str | None = None
    sample: str | None = None
    where: str | None = None
    reason: str | None = None
    action: str | None = None
    note: str | None = None
    result: str | None = None
    """A testing programme's result code for the step (cervical results are hpv/cytology)."""
    uid: str | None = None
    """The record's stable id (and ``origin``, the store that first wrote it): kept as they
    are wherever the record goes, so a record already held is recognised."""
    origin: str | None = None


@dataclass(frozen=True)
class CarriedDecision:
    programme: str
    kind: str
    decided_on: date
    revisit_on: date | None = None
    note: str | None = None
    uid: str | None = None
    origin: str | None = None


@dataclass(frozen=True)
class CarriedFollowUp:
    """An open follow-up: its due date in force, the one it was first given, when it opened."""

    programme: str
    reason: str
    due_on: date
    original_due_on: date
    opened_on: date
    note: str | None = None
    uid: str | None = None
    origin: str | None = None


@dataclass(frozen=True)
class CarriedProgramme:
    """A further programme a carried conversation addressed, with her own outcome about it
    and the barrier codes raised about it (that programme's)."""

    programme: str
    outcome: str
    barriers: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class CarriedConversation:
    """A one-to-one conversation with her: codes and counts, never the mentors' names.
    ``programme`` is the first programme it addressed (its ``outcome`` and ``barriers`` are
    that programme's) and ``further`` every other one; a packet made before these were
    carried reads as cervical screening alone."""

    occurred_on: date
    setting: str
    minutes: int
    outcome: str
    mentors: int
    barriers: list[str] = field(default_factory=list)
    next_step_on: date | None = None
    note: str | None = None
    programme: str = PROGRAMME
    further: list[CarriedProgramme] = field(default_factory=list)


@dataclass(frozen=True)
class Packet:
    """One resident's pathway on its way from ``from_site`` to ``to_site``."""

    packet_id: str
    from_site: str
    to_site: str
    made_on: date
    left_on: date
    expires_on: date
    with_notes: bool
    person: CarriedPerson
    screening: list[CarriedEvent]
    decisions: list[CarriedDecision]
    follow_ups: list[CarriedFollowUp]
    conversations: list[CarriedConversation]

    def to_json(self) -> bytes:
        """The payload: UTF-8 JSON with sorted keys, so one packet is always the same bytes."""
        body = {"format": FORMAT, "version": VERSION, **asdict(self)}
        return json.dumps(body, default=_iso, sort_keys=True, ensure_ascii=False).encode("utf-8")


def _iso(value: object) -> str:
    if isinstance(value, date):
        return value.isoformat()
    raise TypeError(type(value).__name__)


def pathway_of(
    session: Session, person: Person, *, with_notes: bool
) -> tuple[
    list[CarriedEvent], list[CarriedDecision], list[CarriedFollowUp], list[CarriedConversation]
]:
    """The person's screening history, decisions, open follow-ups and one-to-one
    conversations, oldest first; notes only ``with_notes``."""

    def note(text: str | None) -> str | None:
        return text if with_notes else None

    events = [
        CarriedEvent(
            programme=e.programme,
            occurred_on=e.occurred_on,
            event=e.event,
            hpv=e.hpv,
            cytology=e.cytology,
            sample=e.sample,
            where=e.where,
            reason=e.reason,
            action=e.action,
            note=note(e.note),
            result=e.result,
            uid=e.uid,
            origin=e.origin,
        )
        for e in session.exec(
            select(ScreeningEvent)
            .where(ScreeningEvent.person_id == person.id)
            .order_by(col(ScreeningEvent.occurred_on), col(ScreeningEvent.id))
        )
    ]
    decisions = [
        CarriedDecision(
            programme=d.programme,
            kind=d.kind,
            decided_on=d.decided_on,
            revisit_on=d.revisit_on,
            note=note(d.note),
            uid=d.uid,
            origin=d.origin,
        )
        for d in session.exec(
            select(Decision)
            .where(Decision.person_id == person.id)
            .order_by(col(Decision.decided_on), col(Decision.id))
        )
    ]
    follow_ups = [
        CarriedFollowUp(
            programme=f.programme,
            reason=f.reason,
            due_on=f.due_on,
            original_due_on=f.original_due_on,
            opened_on=f.opened_on,
            note=note(f.note),
            uid=f.uid,
            origin=f.origin,
        )
        for f in session.exec(
            select(FollowUp)
            .where(FollowUp.person_id == person.id, FollowUp.status == FollowUpStatus.open)
            .order_by(col(FollowUp.due_on), col(FollowUp.id))
        )
    ]
    talks = list(
        session.exec(
            select(Conversation)
            .where(
                Conversation.person_id == person.id,
                Conversation.kind == ConversationKind.one_to_one,
            )
            .order_by(col(Conversation.occurred_on), col(Conversation.id))
        )
    )
    ids = [c.id for c in talks]
    barriers: dict[int, list[str]] = {}
    for conversation_id, code in session.exec(
        select(ConversationBarrier.conversation_id, ConversationBarrier.code).where(
            col(ConversationBarrier.conversation_id).in_(ids)
        )
    ):
        barriers.setdefault(conversation_id, []).append(code)
    further: dict[int, list[CarriedProgramme]] = {}
    further_barriers: dict[tuple[int, str], list[str]] = {}
    for conversation_id, key, code in session.exec(
        select(
            ConversationProgrammeBarrier.conversation_id,
            ConversationProgrammeBarrier.programme,
            ConversationProgrammeBarrier.code,
        ).where(col(ConversationProgrammeBarrier.conversation_id).in_(ids))
    ):
        further_barriers.setdefault((conversation_id, key), []).append(code)
    for addressed in session.exec(
        select(ConversationProgramme)
        .where(col(ConversationProgramme.conversation_id).in_(ids))
        .order_by(col(ConversationProgramme.conversation_id), col(ConversationProgramme.programme))
    ):
        further.setdefault(addressed.conversation_id, []).append(
            CarriedProgramme(
                programme=addressed.programme,
                outcome=addressed.outcome,
                barriers=sorted(
                    further_barriers.get((addressed.conversation_id, addressed.programme), [])
                ),
            )
        )
    mentors: dict[int, int] = {}
    for conversation_id in session.exec(
        select(ConversationMentor.conversation_id).where(
            col(ConversationMentor.conversation_id).in_(ids)
        )
    ):
        mentors[conversation_id] = mentors.get(conversation_id, 0) + 1
    conversations = [
        CarriedConversation(
            occurred_on=c.occurred_on,
            setting=c.setting,
            minutes=c.minutes,
            outcome=c.outcome,
            mentors=mentors.get(c.id or 0, 0),
            barriers=sorted(barriers.get(c.id or 0, [])),
            next_step_on=c.next_step_on,
            note=note(c.note),
            programme=c.programme,
            further=further.get(c.id or 0, []),
        )
        for c in talks
    ]
    return events, decisions, follow_ups, conversations


# Reading a payload. Every refusal names the file: the person importing cannot correct a
# field of a sealed packet, only ask the sender for a good one.


def _bad(what: str) -> ValidationError:
    return ValidationError(
        "file", f"the transfer packet is damaged or not from outreach ({what})", _ASK
    )


_ASK = "Ask the sending site for a new transfer packet."


def _get(data: dict[str, Any], key: str, kind: type | tuple[type, ...]) -> Any:
    value = data.get(key)
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        raise _bad(f"{key} is missing or of the wrong type")
    return value


def _day(data: dict[str, Any], key: str) -> date:
    text = _get(data, key, str)
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise _bad(f"{key} is not a date") from None


def _maybe_day(data: dict[str, Any], key: str) -> date | None:
    return None if data.get(key) is None else _day(data, key)


def _text(data: dict[str, Any], key: str, limit: int = _CODE_MAX) -> str:
    try:
        value = plain_line(_get(data, key, str), key, limit=limit)
    except ValidationError as exc:
        raise _bad(f"{key}: {exc.message}") from None
    if not value:
        raise _bad(f"{key} is empty")
    return value


def _maybe_text(data: dict[str, Any], key: str) -> str | None:
    return None if data.get(key) is None else _text(data, key)


def _maybe_id(data: dict[str, Any], key: str) -> str | None:
    """A stable id or store id: letters, digits and hyphens only (a UUID's text)."""
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str) or not value or len(value) > 64:
        raise _bad(f"{key} is not an id")
    if not all(ch.isascii() and (ch.isalnum() or ch == "-") for ch in value):
        raise _bad(f"{key} is not an id")
    return value


def _note(data: dict[str, Any], key: str = "note") -> str | None:
    value = data.get(key)
    if value is None:
        return None
    try:
        return clean_note(_get(data, key, str), key)
    except ValidationError as exc:
        raise _bad(f"{key}: {exc.message}") from None


def _enum(enum: Any, value: str | None, key: str, *, optional: bool = False) -> str | None:
    try:
        found = optional_choice(enum, value, key) if optional else choice(enum, value, key)
    except ValidationError as exc:
        raise _bad(f"{key}: {exc.message}") from None
    return None if found is None else str(found.value)


def _items(data: dict[str, Any], key: str) -> list[dict[str, Any]]:
    items = _get(data, key, list)
    if not all(isinstance(item, dict) for item in items):
        raise _bad(f"{key} holds something other than records")
    return items


def _programme(c: dict[str, Any]) -> str:
    """A carried conversation's programme: cervical screening when the packet predates the
    field; a programme this store does not run is refused."""
    if c.get("programme") is None:
        return PROGRAMME
    key = _text(c, "programme")
    if key not in programme_keys():
        raise _bad(f"a conversation about a programme this store does not run ({key[:40]!r})")
    return key


def _further(c: dict[str, Any]) -> list[CarriedProgramme]:
    """A carried conversation's further programmes, each once and not its first."""
    if c.get("further") is None:
        return []
    found: list[CarriedProgramme] = []
    for item in _items(c, "further"):
        key = _programme(item) if item.get("programme") is not None else ""
        codes = _get(item, "barriers", list)
        if not key or not all(isinstance(b, str) for b in codes):
            raise _bad("a conversation's further programme or its barriers")
        if key == _programme(c) or key in {f.programme for f in found}:
            raise _bad("a conversation names a programme twice")
        found.append(
            CarriedProgramme(
                programme=key,
                outcome=_text(item, "outcome"),
                barriers=[_text({"barrier": b}, "barrier") for b in codes],
            )
        )
    return found


def _cascade(e: dict[str, Any]) -> CascadeProgramme | None:
    """The testing programme a carried step belongs to (None for cervical screening); a
    programme this store does not run is refused."""
    programme = e.get("programme")
    if programme == PROGRAMME:
        return None
    try:
        return load_cascade(str(programme))
    except ValueError:
        raise _bad(
            f"a screening step of a programme this store does not run ({str(programme)[:40]!r})"
        ) from None


def _step(e: dict[str, Any]) -> str:
    """A carried step's kind: a cervical pathway step, or a step its testing programme lists."""
    rules = _cascade(e)
    if rules is None:
        return str(_enum(ScreeningEventKind, e.get("event"), "event"))
    step = e.get("event")
    if not isinstance(step, str) or step not in rules.steps:
        raise _bad("a screening step its programme does not list")
    return step


def _step_result(e: dict[str, Any]) -> str | None:
    """A testing programme's result for the step: one the step lists, or none."""
    rules = _cascade(e)
    result = e.get("result")
    if rules is None or result is None:
        if result is not None:
            raise _bad("a result on a cervical screening step")
        return None
    if not isinstance(result, str) or result not in rules.steps[str(e.get("event"))].results:
        raise _bad("a step result its programme does not list")
    return result


def _equity(person: dict[str, Any]) -> dict[str, str]:
    """The carried equity codes, each a code its field knows (a packet from before the
    fields has none: all not stated)."""
    carried = person.get("equity", {})
    if not isinstance(carried, dict):
        raise _bad("the person's equity fields")
    values: dict[str, str] = {}
    for key, value in carried.items():
        if (
            key not in EQUITY_KEYS
            or not isinstance(value, str)
            or value not in (equity_field(key).codes)
        ):
            raise _bad("the person's equity fields")
        values[key] = value
    return values


def read_packet(payload: bytes) -> Packet:
    """The packet in ``payload`` (JSON of :data:`VERSION`), every value checked; a
    ValidationError naming "file" for anything else."""
    try:
        data = json.loads(payload.decode("utf-8"))
    except (UnicodeDecodeError, ValueError):
        raise _bad("not JSON") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise _bad("not a transfer packet")
    if data.get("version") != VERSION:
        raise ValidationError(
            "file",
            f"the transfer packet is version {data.get('version')!r}; this outreach reads "
            f"version {VERSION}",
            "Update outreach at one of the two sites, or ask for a packet this version reads.",
        )
    person = _get(data, "person", dict)
    carried = CarriedPerson(
        ref=_text(person, "ref", REF_MAX),
        display_name=_text(person, "display_name", NAME_MAX),
        date_of_birth=_day(person, "date_of_birth"),
        has_cervix=str(_enum(HasCervix, person.get("has_cervix"), "has_cervix")),
        language=_maybe_text(person, "language"),
        equity=_equity(person),
    )
    for value, limit in ((carried.ref, REF_MAX), (carried.display_name, NAME_MAX)):
        if text_problem(value, limit):
            raise _bad("the person's reference or name")
    events = [
        CarriedEvent(
            programme=_text(e, "programme"),
            occurred_on=_day(e, "occurred_on"),
            event=_step(e),
            result=_step_result(e),
            hpv=_enum(HpvResult, e.get("hpv"), "hpv", optional=True),
            cytology=_enum(Cytology, e.get("cytology"), "cytology", optional=True),
            sample=_enum(SampleTaker, e.get("sample"), "sample", optional=True),
            where=_enum(Where, e.get("where"), "where", optional=True),
            reason=_maybe_text(e, "reason"),
            action=_enum(ResultAction, e.get("action"), "action", optional=True),
            note=_note(e),
            uid=_maybe_id(e, "uid"),
            origin=_maybe_id(e, "origin"),
        )
        for e in _items(data, "screening")
    ]
    decisions = [
        CarriedDecision(
            programme=_text(d, "programme"),
            kind=str(_enum(DecisionKind, d.get("kind"), "kind")),
            decided_on=_day(d, "decided_on"),
            revisit_on=_maybe_day(d, "revisit_on"),
            note=_note(d),
            uid=_maybe_id(d, "uid"),
            origin=_maybe_id(d, "origin"),
        )
        for d in _items(data, "decisions")
    ]
    follow_ups = [
        CarriedFollowUp(
            programme=_text(f, "programme"),
            reason=str(_enum(FollowUpReason, f.get("reason"), "reason")),
            due_on=_day(f, "due_on"),
            original_due_on=_day(f, "original_due_on"),
            opened_on=_day(f, "opened_on"),
            note=_note(f),
            uid=_maybe_id(f, "uid"),
            origin=_maybe_id(f, "origin"),
        )
        for f in _items(data, "follow_ups")
    ]
    conversations = []
    for c in _items(data, "conversations"):
        minutes, mentors = _get(c, "minutes", int), _get(c, "mentors", int)
        codes = _get(c, "barriers", list)
        if minutes < 0 or mentors < 0 or not all(isinstance(b, str) for b in codes):
            raise _bad("a conversation's minutes, mentors or barriers")
        conversations.append(
            CarriedConversation(
                occurred_on=_day(c, "occurred_on"),
                setting=_text(c, "setting"),
                minutes=minutes,
                outcome=_text(c, "outcome"),
                mentors=mentors,
                barriers=[_text({"barrier": b}, "barrier") for b in codes],
                next_step_on=_maybe_day(c, "next_step_on"),
                note=_note(c),
                programme=_programme(c),
                further=_further(c),
            )
        )
    return Packet(
        packet_id=_text(data, "packet_id"),
        from_site=_text(data, "from_site", NAME_MAX),
        to_site=_text(data, "to_site", NAME_MAX),
        made_on=_day(data, "made_on"),
        left_on=_day(data, "left_on"),
        expires_on=_day(data, "expires_on"),
        with_notes=bool(_get(data, "with_notes", bool)),
        person=carried,
        screening=events,
        decisions=decisions,
        follow_ups=follow_ups,
        conversations=conversations,
    )
