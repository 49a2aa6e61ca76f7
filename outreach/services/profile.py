"""Everything about one person on one screen: status, stays and a timeline, newest first."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import or_
from sqlmodel import Session, col, select

from outreach.clock import today
from outreach.model import (
    Conversation,
    ConversationAttendee,
    ConversationBarrier,
    ConversationMentor,
    ConversationProgramme,
    ConversationProgrammeBarrier,
    Decision,
    FollowUp,
    Mentor,
    ScreeningEvent,
    Stay,
    Transfer,
    Unit,
)
from outreach.rules.cascade import load_any
from outreach.rules.equity import EQUITY_KEYS
from outreach.rules.programme import load_programme
from outreach.services.lookups import PROGRAMME, person_by_ref
from outreach.services.programme_steps import ProgrammeStanding, programme_standings
from outreach.services.status import PersonStatus, age_of, statuses_of
from outreach.store.store import Store


@dataclass(frozen=True)
class TimelineItem:
    """One dated thing that happened to or for the person."""

    on: date
    kind: str
    """conversation, screening, decision, follow_up or stay."""
    id: int
    summary: str
    """What happened, in words: the programme file's labels, never its codes."""
    note: str | None = None
    """The note written with it, as typed (show it through :func:`printable`)."""


# Characters that move the cursor, clear the screen or reorder text on a terminal: a note is
# typed by a person and may hold any of them.
_BIDI = dict.fromkeys([*range(0x202A, 0x202F), *range(0x2066, 0x206A)], "\ufffd")


def printable(text: str) -> str:
    """``text`` safe to show on a terminal: control characters (other than line breaks) and
    bidirectional overrides become U+FFFD, tabs become a space, CR LF and CR a line break."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    text = "".join(
        ch if ch == "\n" or unicodedata.category(ch) != "Cc" else "\ufffd" for ch in text
    )
    return text.translate(_BIDI)


def label(labels: Mapping[str, str], code: str | None) -> str:
    """The programme's label for ``code`` as it reads inside a sentence ("On the wing" ->
    "on the wing"; an initialism such as "HPV test" keeps its capitals); an unknown code in
    words."""
    if not code:
        return ""
    text = labels.get(code)
    if text is None:
        return _words(code)
    if len(text) > 1 and text[1].isupper():
        return text
    return text[:1].lower() + text[1:]


@dataclass(frozen=True)
class PersonProfile:
    ref: str
    name: str
    date_of_birth: date
    age: int
    has_cervix: str
    language: str | None
    status: PersonStatus
    timeline: list[TimelineItem]
    """Newest first."""
    equity: dict[str, str] = field(default_factory=dict)
    """Equity field key -> code (outreach.rules.equity), every field, in order."""
    programmes: list[ProgrammeStanding] = field(default_factory=list)
    """Where the person stands in each testing programme (BBV, bowel)."""


def person_profile(
    store: Store, ref: str, *, as_of: date | None = None, programme: str = PROGRAMME
) -> PersonProfile:
    """The person's status on ``as_of`` (default today) and their timeline, newest first."""
    day = as_of or today()
    with store.read() as session:
        person = person_by_ref(session, ref, field="ref")
        assert person.id is not None
        status = statuses_of(session, [person], day, programme)[person.id]
        timeline = _timeline(session, person.id, programme)
        programmes = programme_standings(session, person.id, day)
    return PersonProfile(
        ref=person.ref,
        name=person.display_name,
        date_of_birth=person.date_of_birth,
        age=age_of(person, day),
        has_cervix=person.has_cervix,
        language=person.language,
        status=status,
        timeline=timeline,
        equity={key: getattr(person, key) for key in EQUITY_KEYS},
        programmes=programmes,
    )


def _words(code: str | None) -> str:
    return (code or "").replace("_", " ")


def _short(key: str) -> str:
    """A programme's short name ("Hep C"), or its title when the file gives none."""
    rules = load_any(key)
    return getattr(rules, "short", None) or rules.title


def _barrier_labels(key: str, codes: Sequence[str]) -> str:
    """Barrier codes of programme ``key`` as its file's labels, in the file's order."""
    named = load_any(key).barrier_codes
    order = {code: at for at, code in enumerate(named)}
    ordered = sorted(codes, key=lambda b: (order.get(b, len(order)), b))
    return ", ".join(label(named, b) for b in ordered)


def _further(session: Session, conversation_id: int) -> list[tuple[str, str, list[str]]]:
    """The further programmes a conversation addressed: (key, outcome, barrier codes)."""
    raised: dict[str, list[str]] = {}
    for key, code in session.exec(
        select(ConversationProgrammeBarrier.programme, ConversationProgrammeBarrier.code).where(
            ConversationProgrammeBarrier.conversation_id == conversation_id
        )
    ):
        raised.setdefault(key, []).append(code)
    return [
        (row.programme, row.outcome, raised.get(row.programme, []))
        for row in session.exec(
            select(ConversationProgramme)
            .where(ConversationProgramme.conversation_id == conversation_id)
            .order_by(col(ConversationProgramme.programme))
        )
    ]


def _addressed_text(
    outcomes: Mapping[str, str], addressed: Sequence[tuple[str, str | None, Sequence[str]]]
) -> str:
    """What a conversation came to, for each programme it addressed (key, outcome, barriers):
    the outcome and barriers alone for cervical screening alone; otherwise every programme,
    the first first, each with its own outcome and barriers (the outcome codes are the
    conversation's, the barriers each file's)."""
    if len(addressed) == 1 and addressed[0][0] == PROGRAMME:
        _, outcome, raised = addressed[0]
        text = f"; outcome: {label(outcomes, outcome)}"
        return text + (f"; barriers: {_barrier_labels(PROGRAMME, raised)}" if raised else "")
    text = ""
    for key, outcome, raised in addressed:
        text += f"; {_short(key)}: {label(outcomes, outcome)}"
        if raised:
            text += f", barriers: {_barrier_labels(key, raised)}"
    return text


def _timeline(session: Session, person_id: int, programme: str) -> list[TimelineItem]:
    rules = load_programme(programme)
    items: list[TimelineItem] = []
    attended = select(ConversationAttendee.conversation_id).where(
        ConversationAttendee.person_id == person_id
    )
    for c in session.exec(
        select(Conversation).where(
            or_(col(Conversation.person_id) == person_id, col(Conversation.id).in_(attended))
        )
    ):
        assert c.id is not None
        mentors = session.exec(
            select(Mentor.name)
            .join(ConversationMentor, col(ConversationMentor.mentor_id) == Mentor.id)
            .where(ConversationMentor.conversation_id == c.id)
            .order_by(Mentor.name)
        ).all()
        barriers = session.exec(
            select(ConversationBarrier.code).where(ConversationBarrier.conversation_id == c.id)
        ).all()
        addressed = [(c.programme, c.outcome, list(barriers)), *_further(session, c.id)]
        what = "one-to-one" if c.kind == "one_to_one" else f"group of {c.attendees}"
        spent = f", {c.minutes} min" if c.minutes else ""
        text = f"{what}{spent} with {', '.join(mentors)} ({label(rules.settings, c.setting)})"
        text += _addressed_text(rules.outcome_codes, addressed)
        if c.next_step_on:
            text += f"; next step {c.next_step_on.isoformat()}"
        items.append(TimelineItem(c.occurred_on, "conversation", c.id, text, c.note))
    for e in session.exec(
        select(ScreeningEvent).where(
            ScreeningEvent.person_id == person_id, ScreeningEvent.programme == programme
        )
    ):
        assert e.id is not None
        parts = [_words(e.event)]
        if e.hpv:
            parts.append(f"HPV {e.hpv}")
        if e.cytology:
            parts.append(f"cytology {_words(e.cytology)}")
        if e.sample:
            parts.append(f"{e.sample}-taken")
        if e.where:
            parts.append(_words(e.where))
        if e.reason:
            parts.append(f"reason {_words(e.reason)}")
        if e.action:
            parts.append(f"-> {_words(e.action)}")
        items.append(TimelineItem(e.occurred_on, "screening", e.id, ", ".join(parts), e.note))
    for d in session.exec(
        select(Decision).where(Decision.person_id == person_id, Decision.programme == programme)
    ):
        assert d.id is not None
        text = _words(d.kind)
        if d.revisit_on:
            text += f", revisit {d.revisit_on.isoformat()}"
        items.append(TimelineItem(d.decided_on, "decision", d.id, text, d.note))
    for f in session.exec(
        select(FollowUp).where(FollowUp.person_id == person_id, FollowUp.programme == programme)
    ):
        assert f.id is not None
        text = f"#{f.id} {_words(f.reason)} due {f.due_on.isoformat()}: {f.status}"
        if f.done_on:
            text += f" {f.done_on.isoformat()}"
        items.append(TimelineItem(f.due_on, "follow_up", f.id, text, f.note))
    for stay, unit in session.exec(
        select(Stay, Unit.name)
        .join(Unit, col(Unit.id) == Stay.unit_id, isouter=True)
        .where(Stay.person_id == person_id)
    ):
        assert stay.id is not None
        where = f" to {unit}" if unit else ""
        items.append(TimelineItem(stay.arrived_on, "stay", stay.id, f"arrived{where}"))
        if stay.left_on:
            items.append(
                TimelineItem(stay.left_on, "stay", stay.id, f"left ({_words(stay.left_reason)})")
            )
    items.extend(_carried(session, person_id, rules.settings, rules.outcome_codes))
    items.sort(key=lambda item: (item.on, item.id), reverse=True)
    return items


def _carried(
    session: Session, person_id: int, settings: Mapping[str, str], outcomes: Mapping[str, str]
) -> list[TimelineItem]:
    """The conversations another site had with her, carried by a transfer taken in here:
    shown for reading, named by that site, never counted as this site's outreach. Mentors
    travel as a count, never by name; a note only if the sending site chose to send notes."""
    items = []
    for transfer in session.exec(
        select(Transfer).where(Transfer.person_id == person_id, Transfer.direction == "in")
    ):
        assert transfer.id is not None
        for c in json.loads(transfer.conversations or "[]"):
            addressed = [
                (c.get("programme") or PROGRAMME, c.get("outcome"), c.get("barriers") or []),
                *(
                    (str(f["programme"]), f.get("outcome"), f.get("barriers") or [])
                    for f in c.get("further") or []
                ),
            ]
            mentors = int(c.get("mentors") or 0)
            spent = f", {c['minutes']} min" if c.get("minutes") else ""
            text = (
                f"at {transfer.site}: one-to-one{spent} with "
                f"{mentors} mentor{'s' if mentors != 1 else ''} "
                f"({label(settings, c.get('setting'))})" + _addressed_text(outcomes, addressed)
            )
            if c.get("next_step_on"):
                text += f"; next step {c['next_step_on']}"
            on = date.fromisoformat(str(c["occurred_on"]))
            items.append(TimelineItem(on, "conversation", transfer.id, text, c.get("note")))
    return items
