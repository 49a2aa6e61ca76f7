"""Worklist changes that can be taken back: marking a follow-up done, moving it later, and
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
from outreach.services.errors import AlreadyChanged, ValidationError
from outreach.services.followups import (
    complete_followup_in,
    is_outreach,
    last_change,
    reschedule_followup_in,
)
from outreach.services.lookups import followup_by_id, require_writer
from outreach.services.standing import is_do_not_approach
from outreach.store import audit
from outreach.store.store import Store

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


def _record(
    store: Store, session: Session, action: str, followup: FollowUp, fields: list[str]
) -> None:
    audit.record(
        session,
        actor_id=store.actor.id,
        action=action,
        entity="follow_up",
        entity_id=followup.id,
        fields=fields,
    )


def mark_followup_done(
    store: Store, *, followup_id: int, done_on: date | None = None
) -> FollowUpChange:
    """Mark an open follow-up done (today unless ``done_on``); one ``followup.done`` audit
    row. The answer can be handed to :func:`undo_followup_change`."""
    require_writer(store)
    with store.write() as session:
        followup = followup_by_id(session, followup_id)
        before = FollowUpState.of(followup)
        complete_followup_in(
            session, actor_id=store.actor.id, followup_id=followup_id, done_on=done_on or today()
        )
        after = FollowUpState.of(followup)
        _record(store, session, "followup.done", followup, ["status", "done_on"])
        return FollowUpChange(followup_id, DONE, _ref(session, followup), before, after)


def move_followup(store: Store, *, followup_id: int, due_on: date) -> FollowUpChange:
    """Move an open follow-up to ``due_on``; one ``followup.reschedule`` audit row. Outreach
    follow-ups of a person marked do not approach are refused. The answer can be handed to
    :func:`undo_followup_change`."""
    require_writer(store)
    with store.write() as session:
        followup = followup_by_id(session, followup_id)
        before = FollowUpState.of(followup)
        reschedule_followup_in(
            session, actor_id=store.actor.id, followup_id=followup_id, due_on=due_on
        )
        after = FollowUpState.of(followup)
        _record(store, session, "followup.reschedule", followup, ["due_on"])
        return FollowUpChange(followup_id, RESCHEDULED, _ref(session, followup), before, after)


def undo_followup_change(store: Store, *, change: FollowUpChange) -> FollowUpChange:
    """Put the follow-up back as it was before ``change``, in one write transaction with one
    ``followup.undo`` audit row naming the fields put back.

    Refused (and nothing written) with :class:`AlreadyChanged`, saying who changed it and
    when, when the follow-up is no longer as ``change`` left it; and with a ValidationError
    when reopening an outreach follow-up for a person now marked do not approach.
    """
    require_writer(store)
    with store.write() as session:
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
        _record(store, session, "followup.undo", followup, _changed_fields(now_state, back))
        return FollowUpChange(change.followup_id, "undone", change.person_ref, now_state, back)
