"""The demo's screening and outreach, week by week.

Nothing here writes a coverage figure: coverage comes out of what happens to people.

- People arrive with the screening history they have (newer arrivals are less often covered
  than the general population); reception finds most of it and records it.
- Before the peer-mentor programme, healthcare offers a test now and then to residents who
  are due, and the test usually means an escorted trip out: few accept.
- From April 2020 peer mentors talk with residents who are due: new arrivals first, then
  whoever has a follow-up due. They listen (barriers raised, minutes spent); the person
  decides. Accepting books a test in the on-site clinic. Undecided people get a next step;
  an informed decline is respected and revisited months later; a few ask not to be
  approached. Each mentor holds a few conversations a week, so the number of active mentors
  limits how many due residents are reached.
- Results follow the care pathway through the programme rules (repeat in 12 or 3 months,
  colposcopy), and the clinical follow-ups come from the screening service itself.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, timedelta

from outreach.demo.outreach import Conversations
from outreach.demo.plan import (
    PHASE,
    Act,
    Arrive,
    CancelOutreach,
    EndMentor,
    Leave,
    MentorPlan,
    PersonPlan,
    StayPlan,
    Step,
    TrainMentor,
)
from outreach.demo.results import Clinic
from outreach.demo.track import HPV_PRIMARY_FROM, LOOKAHEAD_DAYS, PROGRAMME_STARTS, Knobs, Track
from outreach.model import HasCervix, ScreeningEventKind, Where
from outreach.rules.programme import Programme
from outreach.rules.screening import TestResult, add_months, age_on


@dataclass
class Simulation:
    rng: random.Random
    programme: Programme
    people: list[PersonPlan]
    mentors: list[MentorPlan]
    end: date
    knobs: Knobs = field(default_factory=Knobs)
    acts: list[Act] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.tracks = {person.ref: Track(person) for person in self.people}
        self.present: dict[str, Track] = {}
        """Residents now, in order of arrival."""
        self._quota = [self.rng.random(), self.rng.random()]
        """Running quotas of covered arrivals for the two age bands."""
        self.clinic = Clinic(self)
        self.talk = Conversations(self)

    # -- the run ---------------------------------------------------------------------------
    def run(self) -> list[Act]:
        """Every step from the first arrival to ``end``, in the order the writer replays."""
        arrivals = sorted(
            ((stay.arrived_on, i, stay) for i, p in enumerate(self.people) for stay in p.stays),
            key=lambda item: (item[0], item[1]),
        )
        leavings = sorted(
            (
                (stay.left_on, i, stay)
                for i, p in enumerate(self.people)
                for stay in p.stays
                if stay.left_on is not None
            ),
            key=lambda item: (item[0], item[1]),
        )
        for mentor in self.mentors:
            self.acts.append(TrainMentor(mentor.trained_on, mentor))
            if mentor.active_to is not None:
                self.acts.append(EndMentor(mentor.active_to, mentor.name))
        week = _monday(arrivals[0][0])
        a = b = 0
        while week <= self.end:
            week_end = week + timedelta(days=6)
            while a < len(arrivals) and arrivals[a][0] <= week_end:
                day, index, stay = arrivals[a]
                self._arrive(self.people[index], stay, day)
                a += 1
            while b < len(leavings) and leavings[b][0] <= week_end:
                day, index, stay = leavings[b]
                self._leave(self.people[index], stay, day)
                b += 1
            residents = list(self.present.values())
            self._healthcare_invites(week, residents)
            if week >= _monday(PROGRAMME_STARTS):
                self.talk.week(week, residents)
            week += timedelta(days=7)
        acts = [act for act in self.acts if act.on <= self.end]
        order = {id(act): n for n, act in enumerate(acts)}
        return sorted(acts, key=lambda act: (act.on, PHASE.get(type(act), 1), order[id(act)]))

    # -- who is due ------------------------------------------------------------------------
    def is_due(self, track: Track, day: date) -> bool:
        """Eligible for a test on ``day`` and due within the look-ahead."""
        person = track.person
        if person.has_cervix == HasCervix.no or track.ceased:
            return False
        if age_on(person.date_of_birth, day) > self.programme.eligibility.max_age:
            return False
        first = add_months(person.date_of_birth, self.programme.eligibility.first_invitation_months)
        if day < first:
            return False
        due = track.next_due(self.programme)
        return due is not None and due <= day + timedelta(days=LOOKAHEAD_DAYS)

    def approachable(self, track: Track, day: date) -> bool:
        return (
            not track.do_not_approach
            and (track.busy_until is None or track.busy_until < day)
            and (track.declined_until is None or track.declined_until <= day)
            and self.is_due(track, day)
        )

    # -- arrival and leaving ---------------------------------------------------------------
    def _arrive(self, person: PersonPlan, stay: StayPlan, day: date) -> None:
        track = self.tracks[person.ref]
        first = person.stays[0] is stay
        self.acts.append(Arrive(day, person.ref, stay.unit, first))
        self.present[person.ref] = track
        track.arrived_on = day
        track.talks = 0
        track.next_contact = None
        self._history(track, day)
        if person.has_cervix == HasCervix.unknown and first and self.rng.random() < 0.12:
            # Reception learns there is no cervix (hysterectomy): clinically ceased.
            track.ceased = True
            self.acts.append(Step(day, person.ref, ScreeningEventKind.ceased, reason="no_cervix"))
            return
        during = day >= PROGRAMME_STARTS
        if self.is_due(track, day) and self.rng.random() < self.knobs.reception_offer[during]:
            self.clinic.offer(
                track, day, self.knobs.accept_invite * (1.2 - track.person.reluctance)
            )

    def _leave(self, person: PersonPlan, stay: StayPlan, day: date) -> None:
        track = self.tracks[person.ref]
        if track.open_outreach:
            self.acts.append(CancelOutreach(day, person.ref))
            track.open_outreach = False
        assert stay.left_reason is not None
        self.acts.append(Leave(day, person.ref, stay.left_reason))
        self.present.pop(person.ref, None)
        track.busy_until = None
        track.next_contact = None

    def _history(self, track: Track, day: date) -> None:
        """The tests someone had before arriving, and what reception finds of them."""
        person, rng, programme = track.person, self.rng, self.programme
        age = age_on(person.date_of_birth, day)
        first = add_months(person.date_of_birth, programme.eligibility.first_invitation_months)
        if person.has_cervix == HasCervix.no or age < 25 or age > 70:
            return
        band = 0 if age <= 49 else 1
        window = programme.age_bands[min(band, len(programme.age_bands) - 1)].coverage_months
        since = add_months(day, -window)
        if any(t.taken_on > since for t in person.tests):
            return  # tested here on an earlier stay and still covered
        if self._arrives_covered(band, day):
            taken = since + timedelta(days=rng.randint(20, (day - since).days - 20))
            found = rng.random() < self.knobs.history_found
        elif rng.random() < 0.55:
            taken = since - timedelta(days=rng.randint(30, 6 * 365))
            found = rng.random() < self.knobs.old_history_found
        else:
            return
        if taken < first:
            return
        if not found:
            track.unrecorded = taken if taken > since else None
            return
        self.record_history(track, day, taken)

    def _arrives_covered(self, band: int, day: date) -> bool:
        """Whether this arrival comes in covered. A running quota rather than a coin per
        person, so that arrivals match the share closely even in a small population."""
        years = max(0.0, (day - HPV_PRIMARY_FROM).days / 365.25)
        share = self.knobs.covered_on_arrival[band] + self.knobs.arrival_cover_drift * years
        self._quota[band] += share
        if self._quota[band] >= 1.0:
            self._quota[band] -= 1.0
            return True
        return False

    def record_history(self, track: Track, day: date, taken: date) -> None:
        """Record a test from before arrival, found on ``day``."""
        if taken < HPV_PRIMARY_FROM:
            hpv, cytology = None, "normal"
        elif self.rng.random() < 0.04:
            hpv, cytology = "positive", "normal"
        else:
            hpv, cytology = "negative", None
        self.acts.append(
            Step(
                day,
                track.person.ref,
                ScreeningEventKind.test,
                taken_on=taken,
                hpv=hpv,
                cytology=cytology,
                sample="clinician",
                where=Where.before_arrival,
            )
        )
        track.person.tests.append(TestResult(taken, hpv, cytology, "clinician"))
        track.person.tests.sort(key=lambda t: t.taken_on)
        track.tests_changed()
        track.unrecorded = None

    # -- healthcare's own offers -----------------------------------------------------------
    def _healthcare_invites(self, week: date, residents: list[Track]) -> None:
        during = week >= PROGRAMME_STARTS
        chance = self.knobs.invite_during if during else self.knobs.invite_before
        for track in residents:
            if self.rng.random() < chance and self.approachable(track, week):
                day = week + timedelta(days=self.rng.randint(0, 4))
                if track.person.resident_on(day):
                    accept = self.knobs.accept_invite * (1.2 - track.person.reluctance)
                    self.clinic.offer(track, day, accept)


def _monday(day: date) -> date:
    return day - timedelta(days=day.weekday())
