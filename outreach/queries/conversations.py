"""Which programmes a conversation addressed (migration 0024): its first, ``programme``,
whose outcome and barriers are the conversation's own, and each further one, a
``conversation_programme`` row with its own outcome and barriers."""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, exists, or_, select

from outreach.model import Conversation, ConversationKind, ConversationProgramme
from outreach.queries.pathway import Value
from outreach.queries.render import Columns


def addressed(conversation: Columns, programme: Any) -> ColumnElement[bool]:
    """The conversation addressed ``programme``: as its first programme or a further one."""
    further = ConversationProgramme.__table__.alias("cp")  # type: ignore[attr-defined]
    return or_(
        conversation.c.programme == programme,
        exists(
            select(further.c.conversation_id).where(
                further.c.conversation_id == conversation.c.id,
                further.c.programme == programme,
            )
        ),
    )


def addressed_first(conversation: Columns, programme: Any) -> ColumnElement[bool]:
    """``programme`` is the conversation's first: its outcome and barrier rows are that
    programme's."""
    return conversation.c.programme == programme


def talked_one_to_one(
    person_id: ColumnElement[Any], programme: Any, *, start: Value, stop: Value
) -> ColumnElement[bool]:
    """The person had a one-to-one conversation that addressed ``programme`` dated in
    [start, stop] (reach)."""
    c = Conversation.__table__.alias("rc")  # type: ignore[attr-defined]
    return exists(
        select(c.c.id).where(
            c.c.person_id == person_id,
            c.c.kind == ConversationKind.one_to_one.value,
            c.c.occurred_on >= start,
            c.c.occurred_on <= stop,
            addressed(c, programme),
        )
    )
