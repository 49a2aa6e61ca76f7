"""Hepatitis C testing at reception in the demo: a cascade of its own, and a gap for arrivals
who need an interpreter that closes once peer mentors meet new arrivals (outreach/demo/bbv.py)."""

from __future__ import annotations

import random
from datetime import date

import pytest

from outreach.demo.bbv import PEERS_FROM, STARTS_ON, peer_share, simulate_bbv
from outreach.demo.equity import assign_equity
from outreach.demo.plan import PersonPlan, ProgrammeStep
from outreach.demo.population import as_of, simulate_population
from outreach.demo.simulate import FIRST_DAY, plan_demo
from outreach.rules.cascade import load_cascade

TODAY = date(2026, 6, 30)
SEED = 20200401


@pytest.fixture(scope="module")
def people() -> list[PersonPlan]:
    folk = simulate_population(
        random.Random(f"{SEED}-people"), start=FIRST_DAY, end=TODAY, residents=500
    )
    as_of(folk, TODAY)
    assign_equity(f"{SEED}-equity", folk)
    return folk


@pytest.fixture(scope="module")
def steps(people: list[PersonPlan]) -> list[ProgrammeStep]:
    return simulate_bbv(f"{SEED}-bbv", people, TODAY)


def share_tested(
    people: list[PersonPlan], steps: list[ProgrammeStep], year: int, interpreter: bool
) -> float:
    """Receptions of ``year`` (of people who need an interpreter, or not) with an adequate
    antibody test during the stay, out of all of them, counted here from the steps."""
    by_ref: dict[str, list[ProgrammeStep]] = {}
    for step in steps:
        by_ref.setdefault(step.ref, []).append(step)
    receptions = tested = 0
    for person in people:
        for stay in person.stays:
            if stay.arrived_on.year != year or person.needs_interpreter != interpreter:
                continue
            receptions += 1
            tested += any(
                s.step == "antibody_test"
                and s.result in ("positive", "negative")
                and s.on >= stay.arrived_on
                and (stay.left_on is None or s.on < stay.left_on)
                for s in by_ref.get(person.ref, [])
            )
    return tested / receptions


def test_the_interpreter_gap_closes_once_peer_mentors_meet_arrivals(
    people: list[PersonPlan], steps: list[ProgrammeStep]
) -> None:
    before = [share_tested(people, steps, 2022, flag) for flag in (True, False)]
    after = [share_tested(people, steps, 2025, flag) for flag in (True, False)]
    # Far fewer of those who need an interpreter were tested before; a dozen or so receptions
    # a year, so "closed" is within a person or two of the rest.
    assert before[1] - before[0] > 0.25
    assert abs(after[1] - after[0]) < 0.12
    assert (before[1] - before[0]) - abs(after[1] - after[0]) > 0.2
    assert after[0] > before[0] + 0.4


def test_every_step_is_a_step_of_the_programme_during_a_stay(
    people: list[PersonPlan], steps: list[ProgrammeStep]
) -> None:
    hep_c = load_cascade("bbv-hepatitis-c")
    for step in steps:
        assert step.programme == hep_c.key
        assert STARTS_ON <= step.on <= TODAY
        listed = hep_c.steps[step.step].results
        assert (step.result in listed) if listed else step.result is None
    stays = {p.ref: p for p in people}
    assert all(stays[s.ref].resident_on(s.on) for s in steps)


def test_peers_are_taken_up_over_eighteen_months() -> None:
    assert peer_share(date(2023, 3, 31)) == 0.0
    assert peer_share(PEERS_FROM) == 0.0
    assert peer_share(date(2024, 1, 1)) == pytest.approx(275 / 549)
    assert peer_share(date(2024, 10, 1)) == 1.0


def test_the_programme_steps_are_merged_into_the_plan_in_day_order() -> None:
    plan = plan_demo(seed=5, today=date(2022, 6, 30), residents=80)
    days = [act.on for act in plan.acts]
    assert days == sorted(days)
    assert any(isinstance(act, ProgrammeStep) for act in plan.acts)
