"""The demo as plain data: the people and the dated steps the writer replays.

The simulation (:mod:`outreach.demo.population`, :mod:`outreach.demo.pathway`) only builds
these objects; :mod:`outreach.demo.writer` turns each step into the matching service call,
so the demo goes through the same checks and rules as a person using the application.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date

from outreach.queries import is_resident_on
from outreach.rules.screening import TestResult


@dataclass
class StayPlan:
    arrived_on: date
    unit: str
    left_on: date | None = None
    left_reason: str | None = None


@dataclass
class PersonPlan:
    """One person of the demo population and what the simulation knows about them."""

    ref: str
    name: str
    date_of_birth: date
    has_cervix: str
    language: str | None
    reluctance: float
    """0 (keen) to 1 (very reluctant): how hard screening is for them to accept."""
    stays: list[StayPlan] = field(default_factory=list)
    tests: list[TestResult] = field(default_factory=list)
    """Tests the store knows about (recorded history and tests taken here), in date order."""
    equity: dict[str, str] = field(default_factory=dict)
    """The equity fields their record holds, as codes (:mod:`outreach.demo.equity`)."""
    needs_interpreter: bool = False
    """Whether they in fact need an interpreter (the record may not say so)."""

    def resident_on(self, day: date) -> bool:
        return any(is_resident_on(stay.arrived_on, stay.left_on, day) for stay in self.stays)

    def stay_on(self, day: date) -> StayPlan | None:
        for stay in self.stays:
            if is_resident_on(stay.arrived_on, stay.left_on, day):
                return stay
        return None


@dataclass
class MentorPlan:
    name: str
    trained_on: date
    active_from: date
    active_to: date | None
    person_ref: str | None
    weekly_conversations: float
    """One-to-one conversations this mentor holds in a usual week."""

    def active_on(self, day: date) -> bool:
        return self.active_from <= day and (self.active_to is None or day <= self.active_to)


# -- steps ---------------------------------------------------------------------------------
# Each step carries the day it happened; see PHASE for the order within a day.


@dataclass
class Arrive:
    on: date
    ref: str
    unit: str
    first: bool
    """The person's first stay in the store: add the person too."""


@dataclass
class Leave:
    on: date
    ref: str
    reason: str


@dataclass
class TrainMentor:
    on: date
    mentor: MentorPlan


@dataclass
class EndMentor:
    on: date
    name: str


@dataclass
class Talk:
    """A conversation: one-to-one with ``ref``, or a group session of ``attendees``."""

    on: date
    mentors: list[str]
    setting: str
    outcome: str
    minutes: int
    ref: str | None = None
    attendees: int = 1
    attendee_refs: list[str] = field(default_factory=list)
    barriers: list[str] = field(default_factory=list)
    next_step_on: date | None = None


@dataclass
class Step:
    """A screening pathway event; ``taken_on`` differs from ``on`` for history found at
    reception (recorded on the arrival day, taken before)."""

    on: date
    ref: str
    event: str
    taken_on: date | None = None
    hpv: str | None = None
    cytology: str | None = None
    sample: str | None = None
    where: str | None = None
    reason: str | None = None


@dataclass
class ProgrammeStep:
    """A step of a testing programme (``outreach.services.programme_steps``)."""

    on: date
    ref: str
    programme: str
    step: str
    result: str | None = None


@dataclass
class Decide:
    on: date
    ref: str
    kind: str
    revisit_on: date | None = None


@dataclass
class FollowUpDone:
    """The person's open outreach follow-ups (next step, revisit) were acted on this day."""

    on: date
    ref: str


@dataclass
class CancelOutreach:
    """Open outreach follow-ups of someone who has left are cancelled."""

    on: date
    ref: str


Act = (
    Arrive
    | Leave
    | TrainMentor
    | EndMentor
    | Talk
    | Step
    | ProgrammeStep
    | Decide
    | FollowUpDone
    | CancelOutreach
)

PHASE: dict[type, int] = {Arrive: 0, TrainMentor: 0, Leave: 2, CancelOutreach: 2, EndMentor: 2}
"""Within a day: arrivals and new mentors first, leaving last, the rest in the order made."""
