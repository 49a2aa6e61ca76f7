"""The screening pathway: events, the person's own decisions, follow-ups and targets."""

from datetime import date, datetime

from sqlalchemy import Index, text
from sqlmodel import Field

from outreach.model.identity import Travelling

ADEQUATE_TEST = (
    "event = 'test' AND (hpv IN ('negative', 'positive') OR "
    "(hpv IS NULL AND cytology IS NOT NULL AND cytology != 'inadequate'))"
)
"""The condition of ix_screening_adequate, frozen as migration 0006 created it (the model
sits below ``outreach.queries`` and cannot build it). Queries use ``queries.adequate_test``,
which implies it; ``tests/test_definitions_once.py`` holds the two to the same rows."""


class ScreeningEvent(Travelling, table=True):
    """A step on a programme's pathway. A ``test`` carries its results and derived ``action``."""

    __tablename__ = "screening_event"
    __table_args__ = (
        Index("ix_screening_person_programme_on", "person_id", "programme", "occurred_on"),
        Index("ix_screening_programme_event_on", "programme", "event", "occurred_on"),
        # Covering and partial indexes the measures read alone (migrations 0003, 0005, 0006).
        Index(
            "ix_screening_person_event_on",
            "person_id",
            "programme",
            "event",
            "occurred_on",
            "hpv",
            "cytology",
        ),
        Index(
            "ix_screening_event_on_person",
            "programme",
            "event",
            "occurred_on",
            "person_id",
            "reason",
        ),
        Index(
            "ix_screening_adequate",
            "person_id",
            "programme",
            "occurred_on",
            sqlite_where=text(ADEQUATE_TEST),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id")
    programme: str = "cervical-screening"
    occurred_on: date
    event: str
    hpv: str | None = None
    cytology: str | None = None
    sample: str | None = None
    where: str | None = None
    reason: str | None = None
    action: str | None = None
    note: str | None = None
    logged_by: int | None = Field(default=None, foreign_key="account.id")
    created_at: datetime
    result: str | None = None
    """A cascade programme's result code for this step (migration 0016); cervical results are
    ``hpv`` and ``cytology``."""


class Decision(Travelling, table=True):
    """A person's own decision; the latest one by ``decided_on`` then ``id`` is in force."""

    __table_args__ = (Index("ix_decision_person_on", "person_id", "decided_on"),)

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id")
    programme: str = "cervical-screening"
    kind: str
    decided_on: date
    revisit_on: date | None = None
    note: str | None = None
    logged_by: int | None = Field(default=None, foreign_key="account.id")
    created_at: datetime


class FollowUp(Travelling, table=True):
    """Something to do for a person by a date. Outreach ones (next step, revisit) are never
    created under do-not-approach.

    ``opened_on`` is the date of the event, conversation or decision that created it (not when
    it was typed: ``created_at``); ``original_due_on`` the due date it was created with, which
    rescheduling never changes (``due_on`` is the one in force); ``cancelled_on`` the date of
    the decision, ceasing or leaving that cancelled it (or the day it was cancelled by hand),
    empty for one cancelled before that was kept."""

    __tablename__ = "follow_up"
    __table_args__ = (
        Index("ix_follow_up_status_due", "status", "due_on"),
        # The worklist reads this index alone (migration 0004).
        Index(
            "ix_follow_up_worklist",
            "status",
            "programme",
            "due_on",
            "id",
            "person_id",
            "reason",
            "assignee_id",
        ),
        # The follow-ups open on a day, and those done in a period, each one range read
        # without the table (migration 0026); the expression is ``queries.open_until``,
        # frozen here as the migration created it (tests/project/test_definitions_once.py).
        Index(
            "ix_follow_up_open_until",
            "programme",
            text(
                "CASE status WHEN 'open' THEN '9999-12-31' WHEN 'done' THEN done_on "
                "WHEN 'cancelled' THEN cancelled_on END"
            ),
            "opened_on",
            "person_id",
            "due_on",
        ),
        Index(
            "ix_follow_up_done_on",
            "programme",
            "done_on",
            "original_due_on",
            sqlite_where=text("status = 'done'"),
        ),
    )

    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True)
    programme: str = "cervical-screening"
    due_on: date
    reason: str
    assignee_id: int | None = Field(default=None, foreign_key="account.id")
    status: str = "open"
    done_on: date | None = None
    source_event_id: int | None = Field(default=None, foreign_key="screening_event.id")
    note: str | None = None
    created_at: datetime
    opened_on: date
    original_due_on: date
    cancelled_on: date | None = None


class Target(Travelling, table=True):
    """A target for a measure, with its baseline; scope is the site or one unit."""

    id: int | None = Field(default=None, primary_key=True)
    programme: str = "cervical-screening"
    measure: str
    value: float
    baseline_value: float | None = None
    baseline_on: date | None = None
    target_on: date
    unit_id: int | None = Field(default=None, foreign_key="unit.id")
    created_at: datetime
