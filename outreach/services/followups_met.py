"""Follow-ups met by a conversation: the outreach work they ask for has been done.

Which follow-ups a conversation meets, and why:

- A conversation meets only follow-ups due on or before its date: talking to someone early
  does not do what a later date was chosen for.
- A conversation whose outcome is ``not_available`` did not reach the person: it meets
  nothing, and her follow-ups stay on the worklist.
- **next step** ("talk with her again by DATE") is met by any conversation that reached her:
  a one-to-one with her, or a group session that names her among its attendees.
- **revisit** (after an informed decline) is met only by an approach: a one-to-one with her.
  Sitting in a group session is not revisiting her decision with her.
- **other** follow-ups say nothing of what they are for, and clinical ones (repeat test,
  colposcopy, result) are met by the care step itself (a test, attending colposcopy), never by
  a conversation.

Meeting works both ways, so that history entered in any order ends the same: logging a
conversation completes the open follow-ups it meets (done on its date), and a follow-up
created for a date on or before a conversation already stored is completed at once, done on
the date of the first conversation that met it.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import func
from sqlmodel import Session, col, select

from outreach.model import (
    Conversation,
    ConversationAttendee,
    ConversationKind,
    FollowUp,
    FollowUpReason,
    FollowUpStatus,
)

NOT_REACHED = "not_available"
"""The outcome of a conversation that did not reach the person."""

_BY_ANY_CONVERSATION = frozenset({FollowUpReason.next_step.value})
_BY_AN_APPROACH = frozenset({FollowUpReason.next_step.value, FollowUpReason.revisit.value})


def reasons_met(kind: str, outcome: str) -> frozenset[str]:
    """The follow-up reasons a conversation of ``kind`` with ``outcome`` meets for a person it
    reached (the one-to-one's person, or an identified attendee of a group)."""
    if outcome == NOT_REACHED:
        return frozenset()
    if kind == ConversationKind.one_to_one:
        return _BY_AN_APPROACH
    return _BY_ANY_CONVERSATION


def complete_met_in(
    session: Session,
    *,
    person_id: int,
    held_on: date,
    reasons: frozenset[str],
    programme: str,
) -> list[FollowUp]:
    """Mark done on ``held_on`` the person's open follow-ups with one of ``reasons`` due on or
    before ``held_on``; returns them, oldest due first."""
    if not reasons:
        return []
    # Read without flushing the caller's pending rows (an import writes them in batches);
    # a follow-up closed in memory but not yet flushed still reads as open, hence the check.
    with session.no_autoflush:
        rows = session.exec(
            select(FollowUp)
            .where(
                FollowUp.person_id == person_id,
                FollowUp.programme == programme,
                FollowUp.status == FollowUpStatus.open,
                col(FollowUp.reason).in_(sorted(reasons)),
                FollowUp.due_on <= held_on,
            )
            .order_by(col(FollowUp.due_on), col(FollowUp.id))
        ).all()
    done = [f for f in rows if f.status == FollowUpStatus.open]
    for followup in done:
        followup.status = FollowUpStatus.done.value
        followup.done_on = held_on
        session.add(followup)
    return done


def complete_if_met_in(
    session: Session, followup: FollowUp, *, created_by: int | None = None
) -> bool:
    """Complete a just-created outreach follow-up at once when a stored conversation (other
    than ``created_by``, the conversation that asked for it) on or after its due date
    already met it; it is done on the first such conversation's date. Returns whether it was
    completed."""
    if followup.reason not in _BY_AN_APPROACH:
        return False
    session.flush()
    reached = col(Conversation.outcome) != NOT_REACHED
    other = col(Conversation.id) != (created_by if created_by is not None else -1)
    one_to_one = select(func.min(Conversation.occurred_on)).where(
        Conversation.person_id == followup.person_id,
        Conversation.kind == ConversationKind.one_to_one,
        col(Conversation.occurred_on) >= followup.due_on,
        reached,
        other,
    )
    days = [session.exec(one_to_one).one()]
    if followup.reason in _BY_ANY_CONVERSATION:
        in_group = (
            select(func.min(Conversation.occurred_on))
            .join(
                ConversationAttendee,
                col(ConversationAttendee.conversation_id) == col(Conversation.id),
            )
            .where(
                ConversationAttendee.person_id == followup.person_id,
                col(Conversation.occurred_on) >= followup.due_on,
                reached,
                other,
            )
        )
        days.append(session.exec(in_group).one())
    met_on = min((d for d in days if d is not None), default=None)
    if met_on is None:
        return False
    followup.status = FollowUpStatus.done.value
    followup.done_on = met_on
    session.add(followup)
    session.flush()
    return True


def completed_summary(count: int) -> str:
    """ "1 follow-up completed", "2 follow-ups completed": how a save reports what it met."""
    return f"{count} follow-up{'' if count == 1 else 's'} completed"
