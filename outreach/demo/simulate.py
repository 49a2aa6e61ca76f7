"""The whole demo as data, from a seed and a last day: people, mentors and every step."""

from __future__ import annotations

import heapq
import random
from dataclasses import dataclass
from datetime import date

from outreach.demo.bbv import simulate_bbv
from outreach.demo.equity import assign_equity
from outreach.demo.mentors import plan_mentors
from outreach.demo.pathway import Simulation
from outreach.demo.plan import PHASE, Act, MentorPlan, PersonPlan, Step
from outreach.demo.population import as_of, simulate_population
from outreach.demo.track import Knobs
from outreach.model import ScreeningEventKind
from outreach.rules.programme import load_programme

FIRST_DAY = date(2019, 1, 1)
"""The demo's population is everyone resident from this day on."""

_HISTORY_EVENTS = frozenset(
    {
        ScreeningEventKind.test,
        ScreeningEventKind.colposcopy_referred,
        ScreeningEventKind.colposcopy_attended,
        ScreeningEventKind.ceased,
    }
)


@dataclass(frozen=True)
class DemoPlan:
    people: list[PersonPlan]
    mentors: list[MentorPlan]
    acts: list[Act]


def plan_demo(*, seed: int, today: date, residents: int = 500, knobs: Knobs = Knobs()) -> DemoPlan:
    """The demo up to ``today``: the same seed and day always give the same plan."""
    # One random source per part, so that a later ``today`` only adds to the story: the
    # people, mentors and steps up to an earlier day stay the same.
    people = simulate_population(
        random.Random(f"{seed}-people"), start=FIRST_DAY, end=today, residents=residents
    )
    mentors = plan_mentors(
        random.Random(f"{seed}-mentors"), people, end=today, rate=knobs.mentor_rate
    )
    as_of(people, today)
    assign_equity(f"{seed}-equity", people)
    sim = Simulation(
        random.Random(f"{seed}-pathway"), load_programme(), people, mentors, today, knobs
    )
    acts = [act for act in sim.run() if _kept(act)]
    # Hepatitis C testing draws on its own random source and is merged in by day after the
    # day's other steps (arrivals first), so the cervical story is exactly as before.
    bbv = simulate_bbv(f"{seed}-bbv", people, today)
    merged = list(heapq.merge(acts, bbv, key=lambda act: (act.on, PHASE.get(type(act), 1))))
    return DemoPlan(people, mentors, merged)


def _kept(act: Act) -> bool:
    """Before the first day only stays and the tests (with colposcopy) are kept: what
    reception would find in the records of the people resident on that day."""
    if act.on >= FIRST_DAY or not isinstance(act, Step):
        return True
    return act.event in _HISTORY_EVENTS
