"""The whole demo as data, from a seed and a last day: people, mentors and every step."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

from outreach.demo.mentors import plan_mentors
from outreach.demo.pathway import Knobs, Simulation
from outreach.demo.plan import Act, MentorPlan, PersonPlan
from outreach.demo.population import simulate_population
from outreach.rules.programme import load_programme

FIRST_DAY = date(2019, 1, 1)
"""The demo's population is everyone resident from this day on."""


@dataclass(frozen=True)
class DemoPlan:
    people: list[PersonPlan]
    mentors: list[MentorPlan]
    acts: list[Act]


def plan_demo(
    *, seed: int, today: date, residents: int = 500, knobs: Knobs | None = None
) -> DemoPlan:
    """The demo up to ``today``: the same seed and day always give the same plan."""
    rng = random.Random(seed)
    knobs = knobs or Knobs()
    people = simulate_population(rng, start=FIRST_DAY, end=today, residents=residents)
    mentors = plan_mentors(rng, people, end=today, rate=knobs.mentor_rate)
    sim = Simulation(rng, load_programme(), people, mentors, today, knobs)
    return DemoPlan(people, mentors, sim.run())
