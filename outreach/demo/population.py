"""The demo population: people arriving, moving between units' stays, leaving and coming back.

A prison runs near its capacity, so arrivals follow departures: the daily arrival rate is
pulled towards keeping ``residents`` people in. Stays are a mix of short sentences (weeks to
months), medium ones (up to two years) and long ones (up to six years). The simulation starts
years before the demo's first day so that the population on that day is already a settled mix.
"""

from __future__ import annotations

import heapq
import math
import random
import string
from datetime import date, timedelta
from typing import TypeVar

from outreach.demo.names import FIRST_NAMES, LANGUAGES, SURNAMES, UNIT_WEIGHTS, UNITS
from outreach.demo.plan import PersonPlan, StayPlan
from outreach.model import HasCervix, LeftReason

T = TypeVar("T")

WARM_UP_YEARS = 6

# (share, shortest days, longest days)
STAY_LENGTHS = ((0.35, 28, 180), (0.40, 180, 730), (0.25, 730, 2200))
MEAN_STAY_DAYS = sum(share * (low + high) / 2 for share, low, high in STAY_LENGTHS)

# Age on first arrival: (weight, youngest, oldest)
AGES = ((10, 18, 24), (34, 25, 34), (30, 35, 44), (17, 45, 54), (7, 55, 64), (2, 65, 72))

LEFT_REASONS = ((LeftReason.released, 82), (LeftReason.transferred, 15), (LeftReason.other, 3))
RETURN_SHARE = 0.10
"""Of those released, the share who come back (recalled or sentenced again)."""


def simulate_population(
    rng: random.Random, *, start: date, end: date, residents: int
) -> list[PersonPlan]:
    """Everyone resident at some point from ``start`` to ``end``, with their stays (stays that
    ended before ``start`` are dropped), in order of first arrival.

    A stay's leaving day may fall after ``end``: it is the day the person is due to leave,
    which :func:`as_of` hides. Arrivals stop at ``end``, and every draw for a day comes before
    any draw for a later day, so two ends give the same people up to the earlier one."""
    people: list[PersonPlan] = []
    refs: set[str] = set()
    departures: list[tuple[date, int]] = []  # (left_on, index into people)
    returns: list[tuple[date, int]] = []
    base_rate = residents / MEAN_STAY_DAYS
    day = date(start.year - WARM_UP_YEARS, start.month, start.day)
    present = 0
    while day <= end:
        while departures and departures[0][0] <= day:
            _, index = heapq.heappop(departures)
            present -= 1
            person = people[index]
            stay = person.stays[-1]
            if stay.left_reason == LeftReason.released and rng.random() < RETURN_SHARE:
                heapq.heappush(returns, (day + timedelta(days=rng.randint(60, 540)), index))
        arriving: list[int] = []
        while returns and returns[0][0] <= day:
            arriving.append(heapq.heappop(returns)[1])
        # Pull towards capacity: fewer arrivals when full, more when there is room.
        pull = min(5.0, max(0.2, 1.0 + 3.0 * (residents - present) / residents))
        for _ in range(max(0, _poisson(rng, base_rate * pull) - len(arriving))):
            people.append(_new_person(rng, day, refs))
            arriving.append(len(people) - 1)
        for index in arriving:
            stay = _new_stay(rng, day)
            people[index].stays.append(stay)
            present += 1
            if stay.left_on is not None:
                heapq.heappush(departures, (stay.left_on, index))
        day += timedelta(days=1)
    return _kept(people, start)


def _kept(people: list[PersonPlan], start: date) -> list[PersonPlan]:
    kept = []
    for person in people:
        person.stays = [s for s in person.stays if s.left_on is None or s.left_on > start]
        if person.stays:
            kept.append(person)
    return kept


def as_of(people: list[PersonPlan], end: date) -> None:
    """Forget leaving days after ``end``: on ``end`` those stays are still open."""
    for person in people:
        for stay in person.stays:
            if stay.left_on is not None and stay.left_on > end:
                stay.left_on = None
                stay.left_reason = None


def _new_stay(rng: random.Random, day: date) -> StayPlan:
    roll = rng.random()
    low, high = STAY_LENGTHS[-1][1:]
    for share, shortest, longest in STAY_LENGTHS:
        if roll < share:
            low, high = shortest, longest
            break
        roll -= share
    length = rng.randint(low, high)
    reason = _weighted(rng, LEFT_REASONS)
    unit = _weighted(rng, tuple(zip(UNITS, UNIT_WEIGHTS, strict=True)))
    return StayPlan(
        arrived_on=day,
        unit=unit,
        left_on=day + timedelta(days=length),
        left_reason=reason.value,
    )


def _new_person(rng: random.Random, day: date, refs: set[str]) -> PersonPlan:
    _, youngest, oldest = _pick_age_band(rng)
    age_days = rng.randint(youngest * 365 + 1, oldest * 365 + 364)
    cervix_roll = rng.random()
    has_cervix = (
        HasCervix.no
        if cervix_roll < 0.015
        else HasCervix.unknown
        if cervix_roll < 0.04
        else HasCervix.yes
    )
    return PersonPlan(
        ref=_new_ref(rng, refs),
        name=f"{rng.choice(FIRST_NAMES)} {rng.choice(SURNAMES)}",
        date_of_birth=day - timedelta(days=age_days),
        has_cervix=has_cervix.value,
        language=_weighted(rng, LANGUAGES),
        reluctance=rng.betavariate(1.3, 3.0),
    )


def _pick_age_band(rng: random.Random) -> tuple[int, int, int]:
    total = sum(band[0] for band in AGES)
    roll = rng.uniform(0, total)
    for band in AGES:
        if roll < band[0]:
            return band
        roll -= band[0]
    return AGES[-1]


def _new_ref(rng: random.Random, refs: set[str]) -> str:
    """A prison-number style reference, "A1234BC", not used before."""
    while True:
        ref = (
            rng.choice("ABG")
            + f"{rng.randint(0, 9999):04d}"
            + rng.choice(string.ascii_uppercase)
            + rng.choice(string.ascii_uppercase)
        )
        if ref not in refs:
            refs.add(ref)
            return ref


def _weighted(rng: random.Random, choices: tuple[tuple[T, int], ...]) -> T:
    values = [value for value, _ in choices]
    weights = [weight for _, weight in choices]
    return rng.choices(values, weights=weights)[0]


def _poisson(rng: random.Random, rate: float) -> int:
    """A Poisson draw (Knuth's method; rates here are a few a day)."""
    limit = math.exp(-rate)
    count, product = 0, rng.random()
    while product > limit:
        count += 1
        product *= rng.random()
    return count
