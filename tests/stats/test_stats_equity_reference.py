"""The equity breakdowns (coverage, uptake, reach) agree with the slow Python reference of
tests/stats/test_stats_reference.py, group by group, on random small stores whose people are
spread over four ethnic groups (not stated and declined among them)."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import update

from outreach.model import Person
from outreach.stats.equity import equity_figures
from outreach.stats.period import Period
from outreach.store.store import Store
from tests.stats.test_stats_reference import (
    Someone,
    _days,
    fast,
    periods,
    reference_coverage,
    reference_reach,
    reference_uptake,
    someone,
    write,
)

GROUPS = ["white_british", "black_african", "not_stated", "declined"]


def write_grouped(store: Store, people: list[Someone], groups: list[str]) -> None:
    write(store, people)
    with store.write() as session:
        # The cohort numbers its people P1, P2, ... in the order written.
        for number, code in enumerate(groups, start=1):
            session.exec(update(Person).where(Person.ref == f"P{number}").values(ethnicity=code))  # type: ignore[call-overload]


def reference(
    people: list[Someone], groups: list[str], period: Period, as_of: date
) -> dict[str, dict[str, tuple[int, int]]]:
    """Measure -> group -> (numerator, denominator), from the reference, one group at a time;
    groups nobody counts in are left out."""
    found: dict[str, dict[str, tuple[int, int]]] = {"coverage": {}, "uptake": {}, "reach": {}}
    for code in GROUPS:
        members = [p for p, g in zip(people, groups, strict=True) if g == code]
        eligible, covered, _, _ = reference_coverage(members, as_of)
        _, tested, untested = reference_uptake(members, period, as_of)
        uncovered, reached = reference_reach(members, period, as_of)
        if eligible:
            found["coverage"][code] = (covered, eligible)
        if tested + untested:
            found["uptake"][code] = (tested, tested + untested)
        if uncovered:
            found["reach"][code] = (reached, uncovered)
    return found


@st.composite
def grouped(draw: st.DrawFn) -> tuple[list[Someone], list[str]]:
    people = draw(st.lists(someone(), max_size=8))
    groups = draw(st.lists(st.sampled_from(GROUPS), min_size=len(people), max_size=len(people)))
    return people, groups


@pytest.mark.slow
@fast
@given(drawn=grouped(), period=periods, as_of=_days(2022, 2025))
def test_coverage_uptake_and_reach_by_group_match_the_reference(
    shared_store: Store, drawn: tuple[list[Someone], list[str]], period: Period, as_of: date
) -> None:
    people, groups = drawn
    write_grouped(shared_store, people, groups)
    figures = equity_figures(shared_store, "ethnicity", as_of=as_of, period=period)
    got = {
        m.key: {g.code: (g.numerator, g.denominator) for g in m.groups if g.denominator}
        for m in figures.measures
    }
    assert got == reference(people, groups, period, as_of)
    for measure in figures.measures:
        numerators = sum(g.numerator for g in measure.groups)
        denominators = sum(g.denominator for g in measure.groups)
        assert (numerators, denominators) == (measure.numerator, measure.denominator)
