"""Outreach conversations: one-to-one or group, held by peer mentors, logged by staff."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlmodel import Session

from outreach.clock import now, today
from outreach.model import (
    Conversation,
    ConversationAttendee,
    ConversationBarrier,
    ConversationKind,
    ConversationMentor,
    ConversationProgramme,
    ConversationProgrammeBarrier,
    Decision,
    DecisionKind,
    FollowUp,
    FollowUpReason,
)
from outreach.rules.cascade import load_any
from outreach.rules.limits import minutes_problem
from outreach.rules.programme import load_programme
from outreach.rules.screening import add_months
from outreach.services.dates import not_in_future
from outreach.services.decisions import RecordDecision, record_decision
from outreach.services.errors import ValidationError
from outreach.services.followups import create_followup_in
from outreach.services.followups_met import complete_if_met_in, complete_met_in, reasons_met
from outreach.services.lookups import (
    PROGRAMME,
    Directory,
    NamedMentor,
    Someone,
    choice,
    clean_note,
    not_before_birth,
    require_resident,
)
from outreach.services.mentors import is_active
from outreach.services.standing import is_do_not_approach
from outreach.store.action import Action, Actions
from outreach.store.bulk import insert_logged

_DIRECTORY = Directory()

# An import writes its waiting conversations this many at a time.
_BATCH = 2000

# Outcomes that are the person's own decision, recorded as a Decision too.
_DECISION_OUTCOMES = {
    "informed_decline": DecisionKind.informed_decline,
    "do_not_approach": DecisionKind.do_not_approach,
}


@dataclass(frozen=True)
class ConversationLogged:
    """A logged conversation and what it set in motion."""

    conversation: Conversation
    follow_up: FollowUp | None
    """The next-step follow-up (one-to-one with a next step), or an informed decline's revisit."""
    decision: Decision | None
    """The decision an informed-decline or do-not-approach outcome recorded."""
    completed: list[FollowUp] = field(default_factory=list)
    """Open follow-ups this conversation met, now done on its date (see
    :mod:`outreach.services.followups_met`)."""
    further_decisions: list[Decision] = field(default_factory=list)
    """The decisions the outcomes of its further programmes recorded, in their order."""


@dataclass(frozen=True)
class Addressed:
    """A further programme a conversation addressed (beyond its first, ``programme``): the
    programme's key, the person's own decision about it (an outcome code) and the barrier
    codes raised about it (the programme file's ``[barriers]``)."""

    programme: str
    outcome: str
    barriers: Sequence[str] = ()


@dataclass(frozen=True)
class CheckedAddressed:
    """A further programme that passed the checks, its codes cleaned."""

    programme: str
    outcome: str
    barriers: list[str]
    decision_kind: DecisionKind | None


@dataclass(frozen=True)
class CheckedConversation:
    """A conversation that passed every check of :func:`check_conversation`, not yet
    written: its people and mentors found, its codes cleaned."""

    occurred_on: date
    kind: ConversationKind
    person: Someone | None
    """The one-to-one's person (None for a group)."""
    named: list[Someone]
    """A group's identified attendees."""
    mentors: list[NamedMentor]
    count: int
    setting: str
    minutes: int
    outcome: str
    barriers: list[str]
    next_step_on: date | None
    note: str | None
    decision_kind: DecisionKind | None
    programme: str
    further: list[CheckedAddressed] = field(default_factory=list)

    @property
    def reached(self) -> list[Someone]:
        """The people the conversation reached: its person, or a group's named attendees."""
        return [self.person] if self.person is not None else self.named

    def values(self, actor_id: int | None) -> dict[str, object]:
        """The conversation row's columns, all but its id."""
        return {
            "occurred_on": self.occurred_on,
            "kind": self.kind.value,
            "person_id": self.person.id if self.person else None,
            "attendees": self.count,
            "setting": self.setting,
            "minutes": self.minutes,
            "outcome": self.outcome,
            "next_step_on": self.next_step_on,
            "note": self.note,
            "logged_by": actor_id,
            "created_at": now(),
            "programme": self.programme,
        }


def _id(person: Someone) -> int:
    assert person.id is not None
    return person.id


@dataclass(frozen=True)
class LogConversation:
    """A conversation held on ``occurred_on`` (see :func:`log_conversation`): ``kind`` a
    ConversationKind value; ``setting`` and ``outcome`` codes of the conversation lists
    (cervical screening's file); ``barriers`` codes of ``programme``'s file, the first
    programme it addressed, and ``also`` every further programme it addressed; ``mentors`` by
    name and people by reference."""

    occurred_on: date
    kind: str
    mentors: Sequence[str]
    setting: str
    outcome: str
    minutes: int = 0
    person_ref: str | None = None
    attendees: int | None = None
    attendee_refs: Sequence[str] = ()
    barriers: Sequence[str] = ()
    next_step_on: date | None = None
    note: str | None = None
    programme: str = PROGRAMME
    also: Sequence[Addressed] = ()


def _programme_key(key: str, find: Directory) -> str:
    key = key.strip()
    known = find.programme_keys()
    if key not in known:
        raise ValidationError(
            "programme",
            f"{key!r} is not a programme",
            hint="`outreach programmes` lists them: " + ", ".join(known),
        )
    return key


def _barriers(codes: Sequence[str], programme: str) -> list[str]:
    """Barrier codes checked against ``programme``'s own ``[barriers]`` list."""
    valid = load_any(programme).barrier_codes
    out: list[str] = []
    for raw in codes:
        code = raw.strip()
        if not code:
            continue
        if code not in valid:
            raise ValidationError(
                "barriers",
                f"{code!r} is not a barrier code of {programme}",
                hint=f"{programme}'s barriers: " + ", ".join(valid),
            )
        if code not in out:
            out.append(code)
    return out


def _further(
    cmd: LogConversation, person: Someone | None, outcomes: object, find: Directory
) -> list[CheckedAddressed]:
    """The further programmes, checked: each a programme once (and not the first), its
    outcome a code of the conversation outcomes, a decision only about one person."""
    seen = {cmd.programme}
    out: list[CheckedAddressed] = []
    for addressed in cmd.also:
        key = _programme_key(addressed.programme, find)
        if key in seen:
            raise ValidationError("programme", f"{key} is named twice")
        seen.add(key)
        outcome = addressed.outcome.strip()
        if outcome not in outcomes:  # type: ignore[operator]
            raise ValidationError("outcome", f"{outcome!r} is not an outcome code (for {key})")
        decision_kind = _DECISION_OUTCOMES.get(outcome)
        if decision_kind is not None and person is None:
            raise ValidationError(
                "outcome", f"{outcome} is one person's decision: log a one-to-one ({key})"
            )
        out.append(
            CheckedAddressed(key, outcome, _barriers(addressed.barriers, key), decision_kind)
        )
    return out


def check_conversation(
    session: Session, cmd: LogConversation, directory: Directory | None = None
) -> CheckedConversation:
    """Check a conversation against every rule :func:`log_conversation` applies (the same
    ValidationError), and return it ready to write; nothing is written.

    ``directory`` finds the people and mentors named (by default, each read as needed).
    """
    # Settings and outcomes are the conversation's own lists (cervical screening's file, the
    # first programme); barriers are each addressed programme's.
    rules = load_programme()
    find = directory or _DIRECTORY
    programme = _programme_key(cmd.programme, find)
    kind = choice(ConversationKind, cmd.kind, "kind")
    not_in_future(cmd.occurred_on, "occurred_on")
    person, named, count = _attendance(session, cmd, kind, find)
    mentors = _mentors(session, cmd, find)
    setting = cmd.setting.strip()
    if not rules.is_valid_setting(setting):
        raise ValidationError("setting", f"{setting!r} is not a setting code of the programme")
    if rules.is_on_site(setting):
        place = rules.settings[setting]
        for present in [person] if person is not None else named:
            require_resident(
                session,
                present,
                cmd.occurred_on,
                "setting",
                f"{place!r} is on site; correct the date, the person or the setting",
            )
    barriers = _barriers(cmd.barriers, programme)
    outcome = cmd.outcome.strip()
    if not rules.is_valid_outcome(outcome):
        raise ValidationError("outcome", f"{outcome!r} is not an outcome code of the programme")
    minutes_wrong = minutes_problem(cmd.minutes)
    if minutes_wrong:
        raise ValidationError("minutes", minutes_wrong)
    decision_kind = _decision_kind(session, cmd, person, outcome)
    further = _further(cmd, person, rules.outcome_codes, find)
    return CheckedConversation(
        occurred_on=cmd.occurred_on,
        kind=kind,
        person=person,
        named=named,
        mentors=mentors,
        count=count,
        setting=setting,
        minutes=cmd.minutes,
        outcome=outcome,
        barriers=barriers,
        next_step_on=cmd.next_step_on,
        note=clean_note(cmd.note),
        decision_kind=decision_kind,
        programme=programme,
        further=further,
    )


def _attendance(
    session: Session, cmd: LogConversation, kind: ConversationKind, find: Directory
) -> tuple[Someone | None, list[Someone], int]:
    """A one-to-one's person (None for a group), a group's named attendees, and how many
    attended."""
    person = None
    if kind == ConversationKind.one_to_one:
        if not cmd.person_ref or not cmd.person_ref.strip():
            raise ValidationError("person_ref", "a one-to-one conversation needs a person")
        person = find.person(session, cmd.person_ref)
        not_before_birth(person, cmd.occurred_on, "occurred_on")
        if cmd.attendees not in (None, 1):
            raise ValidationError("attendees", "a one-to-one conversation has one attendee")
        if cmd.attendee_refs:
            raise ValidationError("attendee_refs", "only a group session lists attendees")
        count = 1
    else:
        if cmd.person_ref:
            raise ValidationError("person_ref", "a group session lists attendee_refs instead")
        if cmd.attendees is None or cmd.attendees < 1:
            raise ValidationError("attendees", "a group session needs at least 1 attendee")
        count = cmd.attendees
    named: list[Someone] = []
    for ref in cmd.attendee_refs:
        found = find.person(session, ref, field="attendee_refs")
        if found.id not in (p.id for p in named):
            named.append(found)
    if len(named) > count:
        raise ValidationError("attendee_refs", f"{len(named)} named but {count} attended")
    return person, named, count


def _mentors(session: Session, cmd: LogConversation, find: Directory) -> list[NamedMentor]:
    """The mentors named, once each, every one active on the day."""
    found: list[NamedMentor] = []
    for name in cmd.mentors:
        if not name.strip():
            continue
        mentor = find.mentor(session, name)
        if not is_active(mentor, cmd.occurred_on):
            raise ValidationError(
                "mentor", f"{mentor.name} was not active on {cmd.occurred_on.isoformat()}"
            )
        if mentor.id not in (m.id for m in found):
            found.append(mentor)
    if not found:
        raise ValidationError("mentor", "at least one mentor is needed")
    return found


def _decision_kind(
    session: Session, cmd: LogConversation, person: Someone | None, outcome: str
) -> DecisionKind | None:
    """The decision the outcome records, if any, after checking the next step against it
    and against a do-not-approach already in force."""
    next_step_on = cmd.next_step_on
    if next_step_on is not None and next_step_on < cmd.occurred_on:
        raise ValidationError(
            "next_step_on", f"{next_step_on.isoformat()} is before the conversation"
        )
    if next_step_on is not None and person is None:
        # A group session schedules no follow-up: a next step typed for one would be lost.
        raise ValidationError(
            "next_step_on",
            "a next step is one person's: log a one-to-one with each person to follow up",
        )
    decision_kind = _DECISION_OUTCOMES.get(outcome)
    if decision_kind is not None and person is None:
        raise ValidationError("outcome", f"{outcome} is one person's decision: log a one-to-one")
    if next_step_on is not None and decision_kind == DecisionKind.do_not_approach:
        raise ValidationError(
            "next_step_on", "the person asked not to be approached: a next step cannot be set"
        )
    if (
        next_step_on is not None
        and person is not None
        and decision_kind is None
        and is_do_not_approach(session, _id(person), max(today(), next_step_on), cmd.programme)
    ):
        raise ValidationError(
            "next_step_on",
            f"{person.ref} is marked do not approach: a next step cannot be set "
            "(record 'approach again' first if the person has changed their mind)",
        )
    return decision_kind


def write_conversation(
    act: Action, checked: CheckedConversation, directory: Directory | None = None
) -> ConversationLogged:
    """Write a conversation :func:`check_conversation` passed, as ORM rows, with what it
    sets in motion (see :func:`log_conversation`), as part of ``act``."""
    session, programme = act.session, checked.programme
    rules = load_programme()
    find = directory or _DIRECTORY
    person, named = checked.person, checked.named
    occurred_on, next_step_on = checked.occurred_on, checked.next_step_on
    decision_kind = checked.decision_kind
    conversation = _rows(act, checked, find)

    follow_up: FollowUp | None = None
    decision: Decision | None = None
    # Met before anything new is scheduled: a next step due today is not met by the
    # conversation that sets it, and a decision below cancels only what is left open.
    met = reasons_met(checked.kind.value, checked.outcome)
    completed = [
        done
        for reached in ([person] if person is not None else named)
        if find.may_have_open_follow_ups(session, _id(reached))
        for done in complete_met_in(
            session,
            person_id=_id(reached),
            held_on=occurred_on,
            reasons=met,
            programme=programme,
        )
    ]
    if person is not None and decision_kind is not None:
        revisit = None
        if decision_kind == DecisionKind.informed_decline:
            revisit = next_step_on or add_months(occurred_on, rules.deferral_step_months)
            if revisit <= occurred_on:
                revisit = add_months(occurred_on, rules.deferral_step_months)
        recorded = record_decision(
            act,
            RecordDecision(
                person_ref=person.ref,
                kind=decision_kind,
                decided_on=occurred_on,
                revisit_on=revisit,
                programme=programme,
            ),
            person=person,
        )
        decision, follow_up = recorded.decision, recorded.follow_up
    elif person is not None and next_step_on is not None:
        # Do not approach was refused above, before anything was written.
        follow_up = create_followup_in(
            session,
            person_id=_id(person),
            person_ref=person.ref,
            opened_on=occurred_on,
            due_on=next_step_on,
            reason=FollowUpReason.next_step,
            programme=programme,
        )
        complete_if_met_in(session, follow_up, created_by=conversation.id)
    further_decisions = _further_effects(act, checked, find, completed)
    return ConversationLogged(conversation, follow_up, decision, completed, further_decisions)


def _further_effects(
    act: Action, checked: CheckedConversation, find: Directory, completed: list[FollowUp]
) -> list[Decision]:
    """What a further programme's outcome sets in motion, as the first programme's does: the
    follow-ups of that programme it meets (added to ``completed``) and a decision (an
    informed decline revisited after the first deferral step)."""
    session, person, decisions = act.session, checked.person, []
    step = load_programme().deferral_step_months
    for addressed in checked.further:
        met = reasons_met(checked.kind.value, addressed.outcome)
        completed += [
            done
            for reached in checked.reached
            if find.may_have_open_follow_ups(session, _id(reached))
            for done in complete_met_in(
                session,
                person_id=_id(reached),
                held_on=checked.occurred_on,
                reasons=met,
                programme=addressed.programme,
            )
        ]
        if person is not None and addressed.decision_kind is not None:
            revisit = None
            if addressed.decision_kind == DecisionKind.informed_decline:
                revisit = add_months(checked.occurred_on, step)
            recorded = record_decision(
                act,
                RecordDecision(
                    person_ref=person.ref,
                    kind=addressed.decision_kind,
                    decided_on=checked.occurred_on,
                    revisit_on=revisit,
                    programme=addressed.programme,
                ),
                person=person,
            )
            decisions.append(recorded.decision)
    return decisions


def _rows(act: Action, checked: CheckedConversation, find: Directory) -> Conversation:
    """Add the conversation's row and its mentors', barriers' and attendees' rows; they go
    to the store with the next flush (at the latest, the audit row's)."""
    session = act.session
    conversation = Conversation(
        id=find.conversation_id(session),
        occurred_on=checked.occurred_on,
        kind=checked.kind.value,
        person_id=checked.person.id if checked.person else None,
        attendees=checked.count,
        setting=checked.setting,
        minutes=checked.minutes,
        outcome=checked.outcome,
        next_step_on=checked.next_step_on,
        note=checked.note,
        logged_by=act.actor_id,
        created_at=now(),
        programme=checked.programme,
    )
    session.add(conversation)
    if conversation.id is None:
        session.flush()
    assert conversation.id is not None
    for mentor in checked.mentors:
        assert mentor.id is not None
        session.add(ConversationMentor(conversation_id=conversation.id, mentor_id=mentor.id))
    for code in checked.barriers:
        session.add(ConversationBarrier(conversation_id=conversation.id, code=code))
    for addressed in checked.further:
        session.add(
            ConversationProgramme(
                conversation_id=conversation.id,
                programme=addressed.programme,
                outcome=addressed.outcome,
            )
        )
        for code in addressed.barriers:
            session.add(
                ConversationProgrammeBarrier(
                    conversation_id=conversation.id, programme=addressed.programme, code=code
                )
            )
    for attendee in checked.named:
        assert attendee.id is not None
        session.add(ConversationAttendee(conversation_id=conversation.id, person_id=attendee.id))
    return conversation


class ConversationBatch:
    """Checked conversations written many at a time, for an import.

    A conversation that sets nothing in motion (no decision, no next step, and nobody it
    reached may have an open follow-up it meets, as ``directory`` says) waits, and the
    waiting ones are written together: Core ``executemany`` of the conversation rows, then
    of their mentors, barriers and attendees, numbered by ``directory`` as the store would
    number them. Any other conversation is written at once by :func:`write_conversation`,
    after everything waiting, so the rows it reads are in the store. The rows are the
    same either way; :meth:`write_pending` must be called before the transaction ends.
    """

    def __init__(
        self,
        within: Action,
        *,
        directory: Directory,
    ) -> None:
        self.within = within
        self.session = within.session
        self.directory = directory
        self._conversations: list[dict[str, object]] = []
        self._mentors: list[dict[str, object]] = []
        self._barriers: list[dict[str, object]] = []
        self._attendees: list[dict[str, object]] = []

    def _sets_in_motion(self, checked: CheckedConversation) -> bool:
        if checked.decision_kind is not None or checked.next_step_on is not None:
            return True
        if checked.further:  # (rare: written one by one, with what they set in motion)
            return True
        if not reasons_met(checked.kind.value, checked.outcome):
            return False
        return any(
            self.directory.may_have_open_follow_ups(self.session, _id(p)) for p in checked.reached
        )

    def log(self, checked: CheckedConversation) -> int:
        """Log a checked conversation; how many follow-ups it completed (a next step met at
        once by a stored later conversation included)."""
        conversation_id = None
        if not self._sets_in_motion(checked):
            conversation_id = self.directory.conversation_id(self.session)
        if conversation_id is None:
            self.write_pending()
            logged = write_conversation(self.within, checked, self.directory)
            met_at_once = logged.follow_up is not None and logged.follow_up.done_on is not None
            return len(logged.completed) + int(met_at_once)
        self._conversations.append({"id": conversation_id, **checked.values(self.within.actor_id)})
        self._mentors += [
            {"conversation_id": conversation_id, "mentor_id": m.id} for m in checked.mentors
        ]
        self._barriers += [
            {"conversation_id": conversation_id, "code": code} for code in checked.barriers
        ]
        self._attendees += [
            {"conversation_id": conversation_id, "person_id": p.id} for p in checked.named
        ]
        if len(self._conversations) >= _BATCH:
            self.write_pending()
        return 0

    def write_pending(self) -> None:
        """Write the waiting conversations and their mentors, barriers and attendees."""
        if not self._conversations:
            return
        # ORM rows added before these go first, as they would have in a flush.
        self.session.flush()
        connection = self.session.connection()
        for table, rows in (
            (Conversation, self._conversations),
            (ConversationMentor, self._mentors),
            (ConversationBarrier, self._barriers),
            (ConversationAttendee, self._attendees),
        ):
            if rows:
                insert_logged(connection, table, rows)
            rows.clear()


def log_conversation(
    on: Actions, cmd: LogConversation, *, directory: Directory | None = None
) -> ConversationLogged:
    """Log a conversation after checking every field against the programme's code lists; one
    ``conversation.log`` audit row.

    - one_to_one needs ``person_ref``; group needs ``attendees`` >= 1 and may name up to that
      many ``attendee_refs``.
    - ``mentors``: at least one, each existing and active on ``occurred_on``.
    - A conversation in an on-site setting (the programme's ``[on_site]``) needs the person,
      or each identified attendee of a group, resident on ``occurred_on``.
    - ``next_step_on`` (not before ``occurred_on``, and only on a one-to-one) schedules a
      next-step follow-up. For a person marked do not approach (now, or when it falls due),
      or with a do_not_approach outcome, it is refused on ``next_step_on``: a next step is
      never silently dropped.
    - The conversation completes the open follow-ups it meets (done on ``occurred_on``), and
      a follow-up it schedules is done at once if a later stored conversation already met it:
      :mod:`outreach.services.followups_met` says which.
    - An informed_decline outcome records an informed decline whose revisit date is
      ``next_step_on``, or the programme's first deferral step (6 months) after the
      conversation; it schedules the revisit instead of a next step. A do_not_approach outcome
      records that decision and schedules nothing. Both need a one-to-one.
    - ``programme`` (the first programme addressed; cervical screening unless said) and each
      of ``also`` (further programmes, each once) are keys of ``schema/programmes/``; each
      programme's barriers are codes of its own file's ``[barriers]``. A further programme's
      outcome completes that programme's follow-ups it meets and records its decision (an
      informed decline revisited after the first deferral step, never a next step).

    ``directory`` finds the people and mentors named (by default, each read as needed).
    """
    with on.action("conversation.log", entity="conversation") as act:
        logged = write_conversation(act, check_conversation(act.session, cmd, directory), directory)
        c = logged.conversation
        fields = ["occurred_on", "kind", "mentors", "setting", "minutes", "outcome", "attendees"]
        fields += ["person_id"] if c.person_id else []
        fields += ["attendee_refs"] if cmd.attendee_refs else []
        fields += ["barriers"] if cmd.barriers else []
        fields += ["next_step_on"] if c.next_step_on else []
        fields += ["note"] if c.note else []
        fields += ["follow_up"] if logged.follow_up else []
        fields += ["completed_follow_ups"] if logged.completed else []
        fields += ["decision"] if logged.decision else []
        fields += ["programme"] if c.programme != PROGRAMME else []
        fields += ["further_programmes"] if cmd.also else []
        fields += ["further_decisions"] if logged.further_decisions else []
        act.names(c.id, fields)
        act.touches(cmd.occurred_on)
        return logged
