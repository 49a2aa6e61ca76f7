"""Peer mentors and the conversations they hold."""

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Index, text
from sqlmodel import Field, SQLModel

from outreach.model.identity import Travelling


class Mentor(Travelling, table=True):
    """A peer mentor; may also be a person in the population."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True)
    trained_on: date | None = None
    active_from: date | None = None
    active_to: date | None = None
    person_id: int | None = Field(default=None, foreign_key="person.id")


HOME_PROGRAMME = "cervical-screening"
"""The programme of every conversation logged before a conversation could address several."""


class Conversation(Travelling, table=True):
    """An outreach conversation: one-to-one with ``person_id``, or a group of ``attendees``.

    ``programme`` is the first programme it addressed: ``outcome`` and the
    :class:`ConversationBarrier` rows are that programme's. Every further programme it
    addressed is a :class:`ConversationProgramme` row, with its own outcome and
    :class:`ConversationProgrammeBarrier` rows (migration 0024 says why).
    """

    __table_args__ = (
        CheckConstraint("minutes >= 0", name="conversation_minutes_positive"),
        CheckConstraint("attendees >= 1", name="conversation_attendees_positive"),
        Index("ix_conversation_person_on", "person_id", "occurred_on"),
        # The period's figures and "reached one to one" read indexes alone (0003, 0006).
        Index(
            "ix_conversation_on_cover",
            "occurred_on",
            "kind",
            "setting",
            "outcome",
            "minutes",
            "attendees",
            "person_id",
            "programme",
        ),
        Index(
            "ix_conversation_one_to_one",
            "person_id",
            "occurred_on",
            sqlite_where=text("kind = 'one_to_one'"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    occurred_on: date = Field(index=True)
    kind: str
    person_id: int | None = Field(default=None, foreign_key="person.id")
    attendees: int = 1
    setting: str
    minutes: int = 0
    outcome: str
    next_step_on: date | None = None
    note: str | None = None
    logged_by: int | None = Field(default=None, foreign_key="account.id")
    created_at: datetime
    programme: str = Field(
        default=HOME_PROGRAMME, sa_column_kwargs={"server_default": HOME_PROGRAMME}
    )


class ConversationMentor(Travelling, table=True):
    """Which mentors held a conversation."""

    __tablename__ = "conversation_mentor"

    conversation_id: int = Field(
        foreign_key="conversation.id", primary_key=True, ondelete="CASCADE"
    )
    mentor_id: int = Field(foreign_key="mentor.id", primary_key=True, index=True)


class ConversationBarrier(Travelling, table=True):
    """A barrier code raised in a conversation (codes only: never the detail)."""

    __tablename__ = "conversation_barrier"

    conversation_id: int = Field(
        foreign_key="conversation.id", primary_key=True, ondelete="CASCADE"
    )
    code: str = Field(primary_key=True, index=True)


class ConversationProgramme(Travelling, table=True):
    """A further programme a conversation addressed (beyond ``conversation.programme``), and
    the person's own decision about it."""

    __tablename__ = "conversation_programme"
    __table_args__ = (Index("ix_conversation_programme_programme", "programme", "conversation_id"),)

    conversation_id: int = Field(
        foreign_key="conversation.id", primary_key=True, ondelete="CASCADE"
    )
    programme: str = Field(primary_key=True)
    outcome: str


class ConversationProgrammeBarrier(Travelling, table=True):
    """A barrier code raised about a further programme of a conversation (codes only)."""

    __tablename__ = "conversation_programme_barrier"
    __table_args__ = (Index("ix_conversation_programme_barrier_code", "programme", "code"),)

    conversation_id: int = Field(
        foreign_key="conversation.id", primary_key=True, ondelete="CASCADE"
    )
    programme: str = Field(primary_key=True)
    code: str = Field(primary_key=True)


class ConversationAttendee(Travelling, table=True):
    """An identified attendee of a group session."""

    __tablename__ = "conversation_attendee"

    conversation_id: int = Field(
        foreign_key="conversation.id", primary_key=True, ondelete="CASCADE"
    )
    person_id: int = Field(foreign_key="person.id", primary_key=True, index=True)


class FirstContact(SQLModel, table=True):
    """The day of each person's first identified conversation: a one-to-one with them or a
    group session listing them. Kept by triggers (migration 0006) in the transaction of every
    write to conversations and attendees; never written by the application itself."""

    __tablename__ = "first_contact"
    __table_args__ = (Index("ix_first_contact_on", "first_on", "person_id"),)

    person_id: int = Field(
        foreign_key="person.id",
        primary_key=True,
        ondelete="CASCADE",
        sa_column_kwargs={"autoincrement": False},
    )
    first_on: date
