"""The demo's clinic: offers, appointments, tests, results and colposcopy.

Before the programme most tests meant an escorted trip out, booked weeks ahead and often
missed; from April 2020 the on-site clinic sees people within days.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Protocol

from outreach.demo.plan import Act, Step
from outreach.demo.track import PROGRAMME_STARTS, Track
from outreach.model import ResultAction, ScreeningEventKind, Where
from outreach.rules.programme import Programme
from outreach.rules.screening import TestResult, action_for_result, add_months

SELF_SAMPLING_FROM = date(2025, 7, 1)
HPV_RESULTS = (("negative", 860), ("positive", 130), ("unavailable", 10))
CYTOLOGY = (
    ("normal", 640),
    ("borderline", 90),
    ("low_grade", 120),
    ("high_grade", 100),
    ("glandular", 10),
    ("inadequate", 40),
)
_COLPOSCOPY = {ResultAction.colposcopy_2_weeks.value, ResultAction.colposcopy_6_weeks.value}


class Host(Protocol):
    """What the clinic uses of the simulation it belongs to."""

    rng: random.Random
    programme: Programme
    end: date
    acts: list[Act]


class Clinic:
    """Books, tests and follows results for the simulation it belongs to."""

    def __init__(self, sim: Host) -> None:
        self.sim = sim
        self.rng = sim.rng

    def _step(self, day: date, track: Track, event: str, **values: str | None) -> None:
        self.sim.acts.append(Step(day, track.person.ref, event, **values))  # type: ignore[arg-type]

    def offered(self, track: Track, day: date) -> None:
        """Record that a test was offered, unless an offer made within the uptake window is
        still waiting for its test (the same offer, talked about again)."""
        last = track.offered_on
        if last is None or (day - last).days > self.sim.programme.uptake_window_days:
            self._step(day, track, ScreeningEventKind.offered)
            track.offered_on = day

    def offer(self, track: Track, day: date, accept: float) -> None:
        """Healthcare offers a test; the person accepts (booked) or declines."""
        self.offered(track, day)
        if self.rng.random() < accept:
            self.book(track, day)
        else:
            self._step(day, track, ScreeningEventKind.declined)
            track.busy_until = day + timedelta(days=90)

    def book(self, track: Track, day: date, *, again: bool = False) -> None:
        """Book a test and play out the appointment."""
        on_site = day >= PROGRAMME_STARTS
        self._step(day, track, ScreeningEventKind.booked)
        wait = self.rng.randint(2, 12) if on_site else self.rng.randint(10, 42)
        appointment = day + timedelta(days=wait)
        track.busy_until = appointment + timedelta(days=21)
        if appointment > self.sim.end or not track.person.resident_on(appointment):
            return
        attend = 0.88 if on_site else 0.72
        if self.rng.random() < attend:
            # Staff record the test itself; it shows she attended.
            where = Where.on_site if on_site and self.rng.random() < 0.95 else Where.outside
            if not on_site and self.rng.random() < 0.35:
                where = Where.on_site
            self.test(track, appointment, where)
        else:
            self._step(appointment, track, ScreeningEventKind.did_not_attend)
            track.busy_until = appointment + timedelta(days=7)
            if not again and self.rng.random() < 0.6:
                self.book(track, appointment + timedelta(days=self.rng.randint(1, 7)), again=True)

    def test(self, track: Track, day: date, where: str) -> None:
        """A sample taken on ``day``, its result and what the result asks for."""
        rng, person = self.rng, track.person
        sample = "self" if day >= SELF_SAMPLING_FROM and rng.random() < 0.08 else "clinician"
        hpv = _weighted(rng, HPV_RESULTS)
        cytology = _weighted(rng, CYTOLOGY) if hpv == "positive" else None
        self._step(day, track, ScreeningEventKind.test, hpv=hpv, cytology=cytology,
                   sample=sample, where=where)  # fmt: skip
        result = TestResult(day, hpv, cytology, sample)
        action = action_for_result(self.sim.programme, result=result, history=person.tests)
        person.tests.append(result)
        track.tests_changed()
        track.offered_on = None
        result_day = day + timedelta(days=rng.randint(7, 14))
        track.busy_until = result_day
        told = result_day + timedelta(days=rng.randint(0, 7))
        if person.resident_on(told):
            self._step(told, track, ScreeningEventKind.result_communicated)
        if action in _COLPOSCOPY:
            self._colposcopy(track, day, result_day, action)

    def _colposcopy(self, track: Track, taken: date, referred: date, action: str) -> None:
        rng, person = self.rng, track.person
        track.due_override = add_months(taken, 6)
        if not person.resident_on(referred):
            return
        self._step(referred, track, ScreeningEventKind.colposcopy_referred)
        limit = self.sim.programme.colposcopy_days[action]
        roll = rng.random()
        if roll < 0.82:
            days = rng.randint(4, limit)
        elif roll < 0.96:
            days = rng.randint(limit + 1, limit + 35)
        else:
            days = rng.randint(limit + 36, limit + 90)  # missed and rebooked
        seen = referred + timedelta(days=days)
        track.busy_until = seen
        if not person.resident_on(seen):
            return
        where = Where.outside if rng.random() < 0.85 else Where.on_site
        self._step(seen, track, ScreeningEventKind.colposcopy_attended, where=where)
        track.due_override = add_months(seen, 12)


def _weighted(rng: random.Random, choices: tuple[tuple[str, int], ...]) -> str:
    values = [value for value, _ in choices]
    return rng.choices(values, weights=[weight for _, weight in choices])[0]
