"""Hepatitis C opt-out testing at reception in the demo: its own cascade, and a gap for
arrivals who need an interpreter that the peer mentors close.

The story, from behaviour rather than figures: from April 2021 healthcare offers every adult
reception a hepatitis C test, usually within 72 hours. Arrivals who need an interpreter
(whether or not their record says so: :mod:`outreach.demo.equity`) wait for one, so they are
offered the test later and less often, and, offered it without one, accept less often. From
April 2023 peer mentors meet new arrivals at reception and on the wings, some of them
speaking the arrivals' languages; as they take this up (over about 18 months) offers come
sooner for everyone and more people accept, most of all those who needed an interpreter.
The gap shows in ``outreach stats --programme bbv-hepatitis-c --by interpreter`` (and by
first language and ethnic group, which go with it) and in "Who is being missed".

The rest is the cascade a prison sees: about 6% antibody positive, two in three of those
RNA positive, most referred and treated unless released first, and cure checked some
months after treatment for most of those still here. Every step happens while the person
is resident, and each reception draws on its own random source, so the cervical
screening story and its figures are exactly as they were.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, timedelta

from outreach.demo.plan import PersonPlan, ProgrammeStep, StayPlan
from outreach.rules.screening import age_on

PROGRAMME = "bbv-hepatitis-c"
STARTS_ON = date(2021, 4, 1)
"""Opt-out testing at reception is recorded from this day."""
PEERS_FROM = date(2023, 4, 1)
PEERS_FULL = date(2024, 10, 1)
"""Peer mentors at reception from PEERS_FROM, fully taken up by PEERS_FULL."""


@dataclass(frozen=True)
class BbvKnobs:
    """The probabilities of the BBV story: (without peer mentors, with them fully)."""

    offered: tuple[float, float] = (0.88, 0.97)
    offered_interpreter: tuple[float, float] = (0.55, 0.95)
    within_72_hours: tuple[float, float] = (0.72, 0.92)
    accept: tuple[float, float] = (0.60, 0.86)
    accept_interpreter: tuple[float, float] = (0.25, 0.84)
    antibody_positive: float = 0.06
    inadequate: float = 0.03
    rna_positive: float = 0.65
    referred: float = 0.92
    treated: float = 0.88
    cure_checked: float = 0.75
    cured: float = 0.95


def peer_share(day: date) -> float:
    """How far peer mentors at reception have been taken up on ``day``: 0 to 1."""
    if day < PEERS_FROM:
        return 0.0
    if day >= PEERS_FULL:
        return 1.0
    return (day - PEERS_FROM).days / (PEERS_FULL - PEERS_FROM).days


def _between(pair: tuple[float, float], share: float) -> float:
    return pair[0] + (pair[1] - pair[0]) * share


def simulate_bbv(
    seed: str, people: list[PersonPlan], today: date, knobs: BbvKnobs = BbvKnobs()
) -> list[ProgrammeStep]:
    """Every hepatitis C step of every adult reception from :data:`STARTS_ON` to ``today``,
    in date order. Each reception draws on a random source of its own (from ``seed``, the
    reference and the day of arrival), so building to a later day keeps every step already
    made and other receptions cannot shift it."""
    steps: list[ProgrammeStep] = []
    for person in people:
        for stay in person.stays:
            if stay.arrived_on < STARTS_ON or stay.arrived_on > today:
                continue
            if age_on(person.date_of_birth, stay.arrived_on) < 18:
                continue
            rng = random.Random(f"{seed}-{person.ref}-{stay.arrived_on.isoformat()}")
            steps.extend(_reception(rng, person, stay, today, knobs))
    return sorted(steps, key=lambda step: step.on)


def _reception(
    rng: random.Random, person: PersonPlan, stay: StayPlan, today: date, knobs: BbvKnobs
) -> Iterator[ProgrammeStep]:
    share = peer_share(stay.arrived_on)
    apart = person.needs_interpreter
    # Steps happen while the person is here: up to the day before leaving, and today.
    last = min(today, stay.left_on - timedelta(days=1)) if stay.left_on else today
    offered = knobs.offered_interpreter if apart else knobs.offered
    if rng.random() >= _between(offered, share):
        return
    # Waiting for an interpreter delays the offer, less so as mentors who speak the
    # language meet arrivals.
    late = 1.0 - 0.4 * (1.0 - share) if apart else 1.0
    prompt = rng.random() < _between(knobs.within_72_hours, share) * late
    day = stay.arrived_on + timedelta(days=rng.randint(0, 3) if prompt else rng.randint(4, 21))
    accept = knobs.accept_interpreter if apart else knobs.accept
    chosen = rng.random() < _between(accept, share)
    if day > last:
        return
    yield ProgrammeStep(day, person.ref, PROGRAMME, "offered")
    if not chosen:
        yield ProgrammeStep(day, person.ref, PROGRAMME, "declined")
        return
    result = _antibody(rng, knobs)
    yield ProgrammeStep(day, person.ref, PROGRAMME, "antibody_test", result)
    if result == "inadequate":
        day += timedelta(days=rng.randint(5, 10))
        result = _antibody(rng, knobs, retest=True)
        if day > last:
            return
        yield ProgrammeStep(day, person.ref, PROGRAMME, "antibody_test", result)
    if result == "positive":
        yield from _positive(rng, person.ref, day, last, knobs)


def _antibody(rng: random.Random, knobs: BbvKnobs, *, retest: bool = False) -> str:
    if not retest and rng.random() < knobs.inadequate:
        return "inadequate"
    return "positive" if rng.random() < knobs.antibody_positive else "negative"


def _positive(
    rng: random.Random, ref: str, day: date, last: date, knobs: BbvKnobs
) -> Iterator[ProgrammeStep]:
    """RNA test, referral, treatment and cure check, each while the person is here; release
    (or a step not taken) ends the cascade there."""
    rna = "positive" if rng.random() < knobs.rna_positive else "negative"
    cured = "cured" if rng.random() < knobs.cured else "not_cured"
    chain = (
        (rng.randint(7, 21), "rna_test", rna, 1.0),
        (rng.randint(3, 14), "referred", None, knobs.referred),
        (rng.randint(14, 90), "treatment_started", None, knobs.treated),
        (rng.randint(130, 170), "cure_checked", cured, knobs.cure_checked),
    )
    for wait, name, result, chance in chain:
        day += timedelta(days=wait)
        if rng.random() >= chance or day > last:
            return
        yield ProgrammeStep(day, ref, PROGRAMME, name, result)
        if name == "rna_test" and result != "positive":
            return
