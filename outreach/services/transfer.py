"""A record that follows the person: transfer packets out and in, and expected arrivals.

- :func:`transfer_out` writes one resident's pathway, sealed to the receiving site's card
  (:mod:`outreach.store.sealed`), and records her leaving as "transferred", in one action.
- :func:`transfer_in` opens a packet addressed to this store and, in one action, makes her an
  expected arrival here with her screening history, decisions and follow-ups still due.
- :func:`expected_arrivals` lists the people a packet brought who have not arrived yet; a stay
  begun on or after the day she left the sending site (``record_arrival``) confirms her.
"""

from __future__ import annotations

import json
import os
import tempfile
import uuid
from dataclasses import asdict, dataclass
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import exists
from sqlmodel import Session, col, select

from outreach.clock import now, today
from outreach.model import (
    Decision,
    FollowUp,
    FollowUpStatus,
    LeftReason,
    Person,
    ScreeningEvent,
    Site,
    Stay,
    Transfer,
    TransferFollowUp,
    Where,
)
from outreach.rules.equity import EQUITY_KEYS
from outreach.services.dates import not_in_future
from outreach.services.errors import ValidationError
from outreach.services.followups import OUTREACH_REASONS
from outreach.services.lookups import open_stay, person_by_ref, ref_spellings
from outreach.services.people import AddPerson, RecordLeaving, add_person, record_leaving
from outreach.services.standing import is_do_not_approach
from outreach.services.transfer_packet import (
    KIND,
    CarriedEvent,
    CarriedPerson,
    Packet,
    pathway_of,
    read_packet,
)
from outreach.store import sealed
from outreach.store.action import Action, Actions
from outreach.store.store import Store

VALID_DAYS = 30
"""A packet may be taken in up to this many days after it was written: long enough for an
escort and a slow post, short enough that a stick found in a drawer months later is refused."""

OUT, IN = "out", "in"


@dataclass(frozen=True)
class TransferOut:
    """Send the resident ``person_ref`` names to the site whose card is ``card`` (the card
    file's bytes), writing the packet to ``file``; she leaves on ``left_on``."""

    person_ref: str
    card: bytes
    file: Path
    left_on: date
    with_notes: bool = False


@dataclass(frozen=True)
class TransferSent:
    """What :func:`transfer_out` wrote."""

    packet_id: str
    person_ref: str
    to_site: str
    fingerprint: str
    left_on: date
    expires_on: date
    screening: int
    decisions: int
    follow_ups: int
    conversations: int
    with_notes: bool


def card_of(data: bytes) -> tuple[str, str]:
    """The site a card file names and the card's fingerprint, to show before sending
    (ValidationError naming "card" when ``data`` is not a site card)."""
    card = sealed.SiteCard.from_bytes(data)
    return card.site, card.fingerprint


def _site(session: Session) -> Site:
    site = session.exec(select(Site)).first()
    if site is None:  # pragma: no cover - every store has its site from init
        raise ValidationError("site", "this store has no site")
    return site


def _write_new(path: Path, data: bytes) -> None:
    """Write ``data`` (already sealed) to the new file ``path`` whole or not at all: a
    temporary file beside it, flushed, then renamed into place."""
    folder = path.parent
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=folder)
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        if path.exists():
            raise ValidationError("file", f"{path} already exists", "Choose a new file name.")
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


def transfer_out(on: Actions, cmd: TransferOut) -> TransferSent:
    """Seal the resident's pathway to the card's site, write it to ``cmd.file`` and record
    her leaving with reason "transferred": one ``transfer.out`` audit row naming the packet.

    Refused, with nothing written, when she is not a current resident, the card is not a site
    card (or is this store's own), ``cmd.file`` already exists or its folder does not, or
    ``left_on`` is in the future or before her stay began. The payload exists only in memory
    and sealed; if the store cannot record the leaving, the file is removed again.
    """
    card = sealed.SiteCard.from_bytes(cmd.card)
    target = Path(cmd.file)
    if target.exists():
        raise ValidationError("file", f"{target} already exists", "Choose a new file name.")
    if not target.parent.is_dir():
        raise ValidationError("file", f"the folder {target.parent} does not exist")
    not_in_future(cmd.left_on, "left_on")
    written = False
    try:
        with on.action("transfer.out", entity="transfer") as act:
            session = act.session
            person = person_by_ref(session, cmd.person_ref)
            assert person.id is not None
            if open_stay(session, person.id) is None:
                raise ValidationError(
                    "person_ref",
                    f"{person.ref} is not a current resident: only a resident can be transferred",
                )
            site = _site(session)
            own = sealed.site_card(site.name, site.signing_key)
            if own.fingerprint == card.fingerprint:
                raise ValidationError(
                    "card", "that is this store's own site card", "Use the receiving site's card."
                )
            events, decisions, follow_ups, conversations = pathway_of(
                session, person, with_notes=cmd.with_notes
            )
            packet = Packet(
                packet_id=str(uuid.uuid4()),
                from_site=site.name,
                to_site=card.site,
                made_on=today(),
                left_on=cmd.left_on,
                expires_on=today() + timedelta(days=VALID_DAYS),
                with_notes=cmd.with_notes,
                person=CarriedPerson(
                    ref=person.ref,
                    display_name=person.display_name,
                    date_of_birth=person.date_of_birth,
                    has_cervix=person.has_cervix,
                    language=person.language,
                    equity={key: getattr(person, key) for key in EQUITY_KEYS},
                ),
                screening=events,
                decisions=decisions,
                follow_ups=follow_ups,
                conversations=conversations,
            )
            record_leaving(
                act,
                RecordLeaving(
                    person_ref=person.ref,
                    left_on=cmd.left_on,
                    left_reason=LeftReason.transferred,
                ),
            )
            row = Transfer(
                packet_id=packet.packet_id,
                direction=OUT,
                person_id=person.id,
                site=card.site,
                fingerprint=card.fingerprint,
                left_on=cmd.left_on,
                expires_on=packet.expires_on,
                with_notes=cmd.with_notes,
                recorded_at=now(),
            )
            session.add(row)
            session.flush()
            data = sealed.seal(
                packet.to_json(),
                kind=KIND,
                sender=site.name,
                signing_key=site.signing_key,
                to=card,
            )
            _write_new(target, data)
            written = True
            act.names(row.id, ["left_on", "left_reason", f"packet={packet.packet_id}"])
            act.touches(cmd.left_on)
    except BaseException:
        if written:
            target.unlink(missing_ok=True)
        raise
    return TransferSent(
        packet_id=packet.packet_id,
        person_ref=person.ref,
        to_site=card.site,
        fingerprint=card.fingerprint,
        left_on=cmd.left_on,
        expires_on=packet.expires_on,
        screening=len(events),
        decisions=len(decisions),
        follow_ups=len(follow_ups),
        conversations=len(conversations),
        with_notes=cmd.with_notes,
    )


@dataclass(frozen=True)
class TransferIn:
    """A transfer packet's bytes, as read from its file."""

    data: bytes


@dataclass(frozen=True)
class TransferTaken:
    """What :func:`transfer_in` brought: she is expected (or already resident)."""

    packet_id: str
    person_ref: str
    from_site: str
    fingerprint: str
    left_on: date
    matched: bool
    """True when she was already known here (same reference and date of birth)."""
    resident: bool
    """True when she already has an open stay here: nothing left to confirm."""
    screening: int
    decisions: int
    follow_ups: int
    conversations: int
    already_here: int
    """Steps, decisions and follow-ups this store already held, so not added twice."""


def _packet_of(session: Session, data: bytes) -> tuple[Packet, sealed.SiteCard]:
    site = _site(session)
    opened = sealed.open_sealed(data, kind=KIND, signing_key=site.signing_key)
    packet = read_packet(opened.payload)
    if packet.from_site != opened.sender.site:
        raise ValidationError(
            "file",
            f"the packet says it comes from {packet.from_site!r} but is signed by "
            f"{opened.sender.site!r}",
            "Ask the sending site for a new transfer packet.",
        )
    return packet, opened.sender


def _already_taken(session: Session, packet: Packet) -> None:
    row = session.exec(
        select(Transfer).where(Transfer.packet_id == packet.packet_id, Transfer.direction == IN)
    ).first()
    if row is None:
        return
    person = session.get(Person, row.person_id)
    who = person.ref if person is not None else "this person"
    raise ValidationError(
        "file",
        f"this transfer packet was already imported on {row.recorded_at.date().isoformat()} "
        f"({who}); nothing was changed",
    )


def _matched(session: Session, carried: CarriedPerson) -> Person | None:
    person = session.exec(
        select(Person).where(col(Person.ref).in_(ref_spellings(carried.ref)))
    ).first()
    if person is None or person.date_of_birth == carried.date_of_birth:
        return person
    raise ValidationError(
        "file",
        f"{person.ref} here has date of birth {person.date_of_birth.isoformat()}, the packet "
        f"{carried.date_of_birth.isoformat()}: they may be two people; nothing was imported",
        "Check who she is with the sending site. If the date of birth here is wrong, correct "
        "it (outreach people edit) and import again; if theirs is, ask for a new packet.",
    )


def transfer_in(on: Actions, cmd: TransferIn) -> TransferTaken:
    """Take in a transfer packet addressed to this store: one ``transfer.in`` audit row.

    Refused, with nothing changed, when the file is not a packet, was altered, is addressed to
    another store, has expired, was imported already, or names a reference known here with
    another date of birth (a person decides; people are never merged). Otherwise she is
    matched by reference and date of birth, or added without a stay (an expected arrival);
    her screening steps (as "before arrival"), decisions (so do not approach and ceasing are
    in force at once) and open follow-ups (due dates kept, marked as carried) are added with
    the stable ids they were carried with, skipping any this store already holds (by id, or
    the same step, decision or follow-up on the same day); outreach follow-ups are left
    behind when do not approach is in force.
    """
    with on.action("transfer.in", entity="transfer") as act:
        session = act.session
        packet, sender = _packet_of(session, cmd.data)
        if today() > packet.expires_on:
            raise ValidationError(
                "file",
                f"this transfer packet expired on {packet.expires_on.isoformat()}",
                "Ask the sending site for a new transfer packet.",
            )
        _already_taken(session, packet)
        person = _matched(session, packet.person)
        matched = person is not None
        if person is None:
            carried = packet.person
            person = add_person(
                act,
                AddPerson(
                    ref=carried.ref,
                    display_name=carried.display_name,
                    date_of_birth=carried.date_of_birth,
                    has_cervix=carried.has_cervix,
                    language=carried.language,
                    ethnicity=carried.equity.get("ethnicity"),
                    disability=carried.equity.get("disability"),
                    learning_disability=carried.equity.get("learning_disability"),
                    first_language=carried.equity.get("first_language"),
                    interpreter=carried.equity.get("interpreter"),
                ),
            )
        assert person.id is not None
        already = _add_history(act, person.id, packet)
        row = Transfer(
            packet_id=packet.packet_id,
            direction=IN,
            person_id=person.id,
            site=sender.site,
            fingerprint=sender.fingerprint,
            left_on=packet.left_on,
            expires_on=packet.expires_on,
            with_notes=packet.with_notes,
            conversations=json.dumps(
                [asdict(c) for c in packet.conversations], default=str, ensure_ascii=False
            ),
            recorded_at=now(),
        )
        session.add(row)
        session.flush()
        assert row.id is not None
        follow_ups = _add_follow_ups(session, person.id, row.id, packet)
        already += len(packet.follow_ups) - follow_ups
        act.names(
            row.id,
            ["person", "screening", "decisions", "follow_ups", f"packet={packet.packet_id}"],
        )
        resident = open_stay(session, person.id) is not None
        return TransferTaken(
            packet_id=packet.packet_id,
            person_ref=person.ref,
            from_site=sender.site,
            fingerprint=sender.fingerprint,
            left_on=packet.left_on,
            matched=matched,
            resident=resident,
            screening=len(packet.screening),
            decisions=len(packet.decisions),
            follow_ups=follow_ups,
            conversations=len(packet.conversations),
            already_here=already,
        )


def _held_uids(
    session: Session, table: type[ScreeningEvent | Decision | FollowUp], uids: list[str | None]
) -> set[str | None]:
    """Which of ``uids`` this store already holds in ``table`` (whoever they belong to)."""
    wanted = sorted({uid for uid in uids if uid})
    if not wanted:
        return set()
    return set(session.exec(select(table.uid).where(col(table.uid).in_(wanted))).all())


def _keep_identity(
    row: ScreeningEvent | Decision | FollowUp, uid: str | None, origin: str | None
) -> ScreeningEvent | Decision | FollowUp:
    """``row`` keeping the stable id and origin it was carried with (new ones, from the
    column defaults, when the packet had none)."""
    if uid and origin:
        row.uid, row.origin = uid, origin
    return row


def _event_key(e: ScreeningEvent | CarriedEvent) -> tuple[object, ...]:
    """What makes two screening steps the same step, whichever store wrote them."""
    return (
        e.programme,
        e.occurred_on,
        e.event,
        e.hpv,
        e.cytology,
        e.sample,
        e.reason,
        e.action,
        e.result,
    )


def _add_history(act: Action, person_id: int, packet: Packet) -> int:
    """Add the packet's screening steps and decisions this store does not hold yet; the
    number it held already."""
    session = act.session
    held_events = {
        (
            e.programme,
            e.occurred_on,
            e.event,
            e.hpv,
            e.cytology,
            e.sample,
            e.reason,
            e.action,
            e.result,
        )
        for e in session.exec(select(ScreeningEvent).where(ScreeningEvent.person_id == person_id))
    }
    held_decisions = {
        (d.programme, d.kind, d.decided_on, d.revisit_on)
        for d in session.exec(select(Decision).where(Decision.person_id == person_id))
    }
    already = 0
    stamp = now()
    held_uids = _held_uids(session, ScreeningEvent, [e.uid for e in packet.screening])
    for e in packet.screening:
        key = (
            e.programme,
            e.occurred_on,
            e.event,
            e.hpv,
            e.cytology,
            e.sample,
            e.reason,
            e.action,
            e.result,
        )
        if key in held_events or e.uid in held_uids:
            already += 1
            continue
        held_events.add(key)
        event = ScreeningEvent(
            person_id=person_id,
            programme=e.programme,
            occurred_on=e.occurred_on,
            event=e.event,
            hpv=e.hpv,
            cytology=e.cytology,
            sample=e.sample,
            # Here it happened before she arrived, wherever it was at the sending site.
            where=Where.before_arrival,
            reason=e.reason,
            action=e.action,
            note=e.note,
            result=e.result,
            logged_by=act.actor_id,
            created_at=stamp,
        )
        session.add(_keep_identity(event, e.uid, e.origin))
        act.touches(e.occurred_on)
    held_uids = _held_uids(session, Decision, [d.uid for d in packet.decisions])
    for d in packet.decisions:
        key_d = (d.programme, d.kind, d.decided_on, d.revisit_on)
        if key_d in held_decisions or d.uid in held_uids:
            already += 1
            continue
        held_decisions.add(key_d)
        decision = Decision(
            person_id=person_id,
            programme=d.programme,
            kind=d.kind,
            decided_on=d.decided_on,
            revisit_on=d.revisit_on,
            note=d.note,
            logged_by=act.actor_id,
            created_at=stamp,
        )
        session.add(_keep_identity(decision, d.uid, d.origin))
        act.touches(d.decided_on)
    session.flush()
    return already


def _add_follow_ups(session: Session, person_id: int, transfer_id: int, packet: Packet) -> int:
    """Add the packet's open follow-ups, marked as carried by ``transfer_id``, except those
    already open here and outreach ones under do not approach; how many were added."""
    held = {
        (f.programme, f.reason, f.due_on)
        for f in session.exec(
            select(FollowUp).where(
                FollowUp.person_id == person_id, FollowUp.status == FollowUpStatus.open
            )
        )
    }
    added = 0
    held_uids = _held_uids(session, FollowUp, [f.uid for f in packet.follow_ups])
    for f in packet.follow_ups:
        if (f.programme, f.reason, f.due_on) in held or f.uid in held_uids:
            continue
        if f.reason in OUTREACH_REASONS and is_do_not_approach(
            session, person_id, max(today(), f.due_on), f.programme
        ):
            continue
        held.add((f.programme, f.reason, f.due_on))
        row = FollowUp(
            person_id=person_id,
            programme=f.programme,
            due_on=f.due_on,
            reason=f.reason,
            status=FollowUpStatus.open,
            note=f.note,
            created_at=now(),
            opened_on=f.opened_on,
            original_due_on=f.original_due_on,
        )
        session.add(_keep_identity(row, f.uid, f.origin))
        session.flush()
        assert row.id is not None
        session.add(TransferFollowUp(transfer_id=transfer_id, follow_up_id=row.id))
        added += 1
    session.flush()
    return added


@dataclass(frozen=True)
class ExpectedArrival:
    """A person a transfer packet brought who has not arrived yet."""

    person_ref: str
    display_name: str
    date_of_birth: date
    from_site: str
    fingerprint: str
    left_on: date
    imported_on: date
    follow_ups: int
    """Carried follow-ups still open."""


def expected_arrivals(store: Store) -> list[ExpectedArrival]:
    """People brought by a transfer packet with no stay here begun on or after the day they
    left the sending site, earliest leaving first."""
    later_stay = exists().where(
        col(Stay.person_id) == col(Transfer.person_id), col(Stay.arrived_on) >= Transfer.left_on
    )
    open_here = exists().where(
        col(Stay.person_id) == col(Transfer.person_id),
        col(Stay.left_on).is_(None),
    )
    with store.read() as session:
        rows = session.exec(
            select(Transfer, Person)
            .join(Person, col(Person.id) == col(Transfer.person_id))
            .where(Transfer.direction == IN, ~later_stay, ~open_here)
            .order_by(col(Transfer.left_on), col(Transfer.id))
        ).all()
        carried = _count_open(session)
    return [
        ExpectedArrival(
            person_ref=person.ref,
            display_name=person.display_name,
            date_of_birth=person.date_of_birth,
            from_site=transfer.site,
            fingerprint=transfer.fingerprint,
            left_on=transfer.left_on,
            imported_on=transfer.recorded_at.date(),
            follow_ups=carried.get(transfer.id or 0, 0),
        )
        for transfer, person in rows
    ]


def _count_open(session: Session) -> dict[int, int]:
    counts: dict[int, int] = {}
    for transfer_id in session.exec(
        select(TransferFollowUp.transfer_id)
        .join(FollowUp, col(FollowUp.id) == col(TransferFollowUp.follow_up_id))
        .where(FollowUp.status == FollowUpStatus.open)
    ):
        counts[transfer_id] = counts.get(transfer_id, 0) + 1
    return counts
