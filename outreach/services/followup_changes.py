"""Follow-up changes that can be taken back: marking a follow-up done, moving it, and
undoing either.

Each change returns a :class:`FollowUpChange` holding the follow-up's state before and after.
:func:`undo_followup_change` puts the "before" state back in one write transaction with its
own ``followup.undo`` audit row, and only while the follow-up is still exactly as the change
left it: anything done to it since (by this or another process) wins, and the undo is refused.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlmodel import Session

from outreach.clock import today
from outreach.model import FollowUp, FollowUpStatus, Person
from outreach.services.dates import not_in_future
from outreach.services.errors import AlreadyChanged, ValidationError
from outreach.services.followups import is_outreach, last_change, open_followup
from outreach.services.lookups import followup_by_id
from outreach.services.standing import is_do_not_approach
from outreach.store.action import Actions

DONE = "done"
RESCHEDULED = "rescheduled"


@dataclass(frozen=True)
class FollowUpState:
    """What a worklist change can alter on a follow-up."""

    status: str
    due_on: date
    done_on: date | None

    @classmethod
    def of(cls, followup: FollowUp) -> FollowUpState:
        return cls(str(followup.status), followup.due_on, followup.done_on)


@dataclass(frozen=True)
class FollowUpChange:
    """One change to one follow-up, with enough to take it back."""

    followup_id: int
    kind: str
    """``done``, ``rescheduled``, or ``undone`` for the undo of either."""
    person_ref: str
    before: FollowUpState
    after: FollowUpState


def _ref(session: Session, followup: FollowUp) -> str:
    person = session.get(Person, followup.person_id)
    return person.ref if person is not None else ""


def _changed_fields(before: FollowUpState, after: FollowUpState) -> list[str]:
    return [
        name
        for name in ("status", "due_on", "done_on")
        if getattr(before, name) != getattr(after, name)
    ]


@dataclass(frozen=True)
class CompleteFollowUp:
    """Mark an open follow-up done on ``done_on`` (default today; not in the future)."""

    followup_id: int
    done_on: date | None = None


def complete_followup(on: Actions, cmd: CompleteFollowUp) -> FollowUpChange:
    """Mark an open follow-up done; one ``followup.done`` audit row. The answer can be handed
    to :func:`undo_followup_change`."""
    with on.action("followup.done", entity="follow_up") as act:
        followup = open_followup(act.session, cmd.followup_id)
        before = FollowUpState.of(followup)
        done_on = cmd.done_on or today()
        not_in_future(done_on, "done_on")
        followup.status = FollowUpStatus.done.value
        followup.done_on = done_on
        act.session.add(followup)
        act.session.flush()
        act.names(followup.id, ["status", "done_on"])
        act.touches(done_on)
        after = FollowUpState.of(followup)
        return FollowUpChange(cmd.followup_id, DONE, _ref(act.session, followup), before, after)


@dataclass(frozen=True)
class RescheduleFollowUp:
    """Move an open follow-up to ``due_on``."""

    followup_id: int
    due_on: date


def reschedule_followup(on: Actions, cmd: RescheduleFollowUp) -> FollowUpChange:
    """Move an open follow-up to ``due_on``; one ``followup.reschedule`` audit row. Its
    ``original_due_on`` is kept: timeliness counts from it. Outreach follow-ups of a person
    marked do not approach are refused. The answer can be handed to
    :func:`undo_followup_change`."""
    with on.action("followup.reschedule", entity="follow_up") as act:
        session = act.session
        followup = open_followup(session, cmd.followup_id)
        before = FollowUpState.of(followup)
        if is_outreach(followup.reason) and is_do_not_approach(
            session, followup.person_id, max(today(), cmd.due_on), followup.programme
        ):
            raise ValidationError("due_on", "the person is marked do not approach")
        followup.due_on = cmd.due_on
        session.add(followup)
        session.flush()
        act.names(followup.id, ["due_on"])
        act.touches(min(before.due_on, cmd.due_on))
        after = FollowUpState.of(followup)
        return FollowUpChange(cmd.followup_id, RESCHEDULED, _ref(session, followup), before, after)


@dataclass(frozen=True)
class UndoFollowUpChange:
    """Put a follow-up back as it was before ``change``."""

    change: FollowUpChange


def undo_followup_change(on: Actions, cmd: UndoFollowUpChange) -> FollowUpChange:
    """Put the follow-up back as it was before ``cmd.change``; one ``followup.undo`` audit
    row naming the fields put back.

    Refused (and nothing written) with :class:`AlreadyChanged`, saying who changed it and
    when, when the follow-up is no longer as the change left it; and with a ValidationError
    when reopening an outreach follow-up for a person now marked do not approach.
    """
    change = cmd.change
    with on.action("followup.undo", entity="follow_up") as act:
        session = act.session
        followup = followup_by_id(session, change.followup_id)
        now_state = FollowUpState.of(followup)
        if now_state != change.after:
            since = last_change(session, followup) or "changed"
            raise AlreadyChanged(
                "followup_id",
                f"follow-up {change.followup_id} was {since} since; nothing was undone",
            )
        back = change.before
        if (
            back.status == FollowUpStatus.open
            and now_state.status != FollowUpStatus.open
            and is_outreach(followup.reason)
            and is_do_not_approach(
                session, followup.person_id, max(today(), back.due_on), followup.programme
            )
        ):
            raise ValidationError(
                "followup_id", f"{_ref(session, followup)} is now marked do not approach"
            )
        followup.status = back.status
        followup.due_on = back.due_on
        followup.done_on = back.done_on
        session.add(followup)
        session.flush()
        act.names(followup.id, _changed_fields(now_state, back))
        return FollowUpChange(change.followup_id, "undone", change.person_ref, now_state, back)
