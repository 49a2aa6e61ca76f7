"""What the demo's simulation knows about each person beyond the plan (:class:`Track`), the
dates that shape it and the probabilities it is tuned with (:class:`Knobs`): shared by the
simulation (:mod:`outreach.demo.pathway`), its clinic and its conversations.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from outreach.demo.plan import PersonPlan
from outreach.rules.programme import Programme
from outreach.rules.screening import next_test_due

PROGRAMME_STARTS = date(2020, 4, 1)
HPV_PRIMARY_FROM = date(2019, 12, 1)
"""History tests before this were cytology only (England moved to HPV primary screening)."""
LOOKAHEAD_DAYS = 30
"""Someone whose next test is due within this many days counts as due."""


@dataclass(frozen=True)
class Knobs:
    """The probabilities that shape the demo, in one place (tuned so that coverage follows
    the published Styal figures)."""

    covered_on_arrival: tuple[float, float] = (0.62, 0.70)
    """Share of arrivals aged 25-49 / 50-64 with a test inside their coverage window, in 2019."""
    arrival_cover_drift: float = -0.015
    """Change in that share a year from 2020: the pause in community screening in 2020 and
    falling national coverage mean later arrivals are less often covered."""
    history_found: float = 0.90
    """Share of in-window history that reception finds and records."""
    old_history_found: float = 0.6
    invite_before: float = 0.035
    """Weekly chance that healthcare offers a test to a due resident, before the programme."""
    invite_during: float = 0.004
    accept_invite: float = 0.45
    reception_offer: tuple[float, float] = (0.25, 0.35)
    """Chance that a due arrival is offered a test at reception, before / during."""
    mentor_rate: tuple[float, float] = (1.7, 2.7)
    """Bounds of a mentor's one-to-one conversations a week."""


@dataclass
class Track:
    """What the simulation knows about one person beyond the plan itself."""

    person: PersonPlan
    unrecorded: date | None = None
    """A test before arrival that reception did not find (a mentor may find it)."""
    due_override: date | None = None
    """Next test after colposcopy (test of cure), which the recall rules leave open."""
    busy_until: date | None = None
    """In the pathway (booked, waiting for a result, colposcopy) until this day."""
    next_contact: date | None = None
    """A next step or revisit is due on this day."""
    declined_until: date | None = None
    do_not_approach: bool = False
    open_outreach: bool = False
    talks: int = 0
    bump: float = 0.0
    """Raised acceptance after a group session."""
    ceased: bool = False
    offered_on: date | None = None
    """The offer still waiting for a test, if any."""
    arrived_on: date | None = None
    _due: date | None = None
    _due_known: bool = False

    def next_due(self, programme: Programme) -> date | None:
        if self.due_override is not None:
            return self.due_override
        if not self._due_known:
            person = self.person
            self._due = next_test_due(
                programme, date_of_birth=person.date_of_birth, tests=person.tests
            )
            self._due_known = True
        return self._due

    def tests_changed(self) -> None:
        self._due_known = False
        self.due_override = None
