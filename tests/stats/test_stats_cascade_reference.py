"""Each cascade programme's SQL figures agree with a slow, obvious Python reference written
from the definitions (outreach/stats/definitions.md, "Cascade programmes"), member by member,
on random small stores."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from statistics import median

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from outreach.queries.cascade import NO_UNIT
from outreach.rules.cascade import COHORT, CascadeProgramme, load_cascade
from outreach.rules.screening import add_months, age_on
from outreach.stats.cascade import cascade, coverage
from outreach.stats.period import Period
from outreach.store.store import Store
from tests.support.cohort import Cohort
from tests.support.stores import clear

FOREVER = date(9999, 12, 31)
PROGRAMMES = ("bbv-hepatitis-b", "bbv-hepatitis-c", "bbv-hiv", "bowel-screening")


@dataclass
class Someone:
    born: date
    stays: list[tuple[date, date | None, str | None]]
    steps: list[tuple[date, str, str | None]]


def days(first: date, last: date) -> st.SearchStrategy[date]:
    return st.dates(first, last)


@st.composite
def someone(draw: st.DrawFn, programme: CascadeProgramme) -> Someone:
    stays = []
    for _ in range(draw(st.integers(0, 2))):
        arrived = draw(
            st.one_of(
                days(date(2024, 1, 1), date(2024, 12, 31)),
                days(date(2023, 10, 1), date(2025, 3, 31)),
            )
        )
        left = draw(st.none() | st.dates(arrived, date(2025, 6, 30)))
        stays.append((arrived, left, draw(st.sampled_from([None, "A", "B"]))))
    # Births near the edges of the programme's ages in 2024.
    edge = draw(st.sampled_from([programme.min_age, programme.max_age + 1, 60, 60, 60]))
    born = draw(days(date(2024 - edge, 1, 1), date(2025 - edge, 6, 30)))
    steps = []
    keys = list(programme.steps)
    # Stage steps more often than the others, so that cascades go deep; days on and near the
    # arrivals, a few days apart or on the same day, and on the edges of the standards.
    stage_steps = [s.step for s in programme.stages]
    anchors = [day for arrived, left, _ in stays for day in (arrived, left) if day] or [
        date(2024, 3, 1)
    ]
    near = st.builds(
        lambda day, offset: day + timedelta(days=offset),
        st.sampled_from(anchors),
        st.sampled_from([-1, 0, 0, 1, 3, 4, 14, 15, 126, 127, 183, 184]),
    )
    for _ in range(draw(st.integers(0, 8))):
        key = draw(st.sampled_from(stage_steps + keys))
        results = list(programme.steps[key].results)
        result = draw(st.sampled_from(results)) if results else None
        day = draw(st.one_of(near, near, days(date(2023, 10, 1), date(2025, 6, 30))))
        steps.append((day, key, result))
    return Someone(born, stays, steps)


def write(store: Store, programme: CascadeProgramme, people: list[Someone]) -> None:
    clear(store)
    with store.write() as session:
        c = Cohort(session)
        for p in people:
            pid = c.person(p.born, stays=p.stays)
            for day, key, result in p.steps:
                c.event(pid, day, key, programme=programme.key, result=result)


# -- the reference ---------------------------------------------------------------------------


def unit_on(p: Someone, day: date) -> str | None:
    """The unit of the stay on ``day``: the latest arrival, then the latest written."""
    here = [
        (arrived, index, unit or NO_UNIT)
        for index, (arrived, left, unit) in enumerate(p.stays)
        if arrived <= day and (left is None or left > day)
    ]
    return max(here)[2] if here else None


def members(
    programme: CascadeProgramme, people: list[Someone], period: Period, as_of: date
) -> list[tuple[str | None, date, list[date | None]]]:
    stop = min(period.end, as_of)
    first = programme.stages[0]
    rows = []
    for p in people:
        starts: list[tuple[date, date]] = []
        if programme.cohort_from == "arrival":
            starts = [
                (arrived, left or FOREVER)
                for arrived, left, _ in p.stays
                if period.start <= arrived <= stop
            ]
        else:
            sent = [
                d
                for d, key, result in p.steps
                if key == first.step
                and (not first.results or result in first.results)
                and period.start <= d <= stop
            ]
            starts = [(min(sent), FOREVER)] if sent else []
        for day0, until in starts:
            if not programme.min_age <= age_on(p.born, day0) <= programme.max_age:
                continue
            reached: list[date | None] = []
            before: date | None = day0
            for stage in programme.stages:
                found = [
                    d
                    for d, key, result in p.steps
                    if before is not None
                    and key == stage.step
                    and (not stage.results or result in stage.results)
                    and before <= d <= min(until, as_of)
                ]
                before = min(found) if found else None
                reached.append(before)
            rows.append((unit_on(p, day0), day0, reached))
    return rows


def reference(programme: CascadeProgramme, rows: list[tuple[date, list[date | None]]]) -> list:
    figures: list = [len(rows)]
    counts = {COHORT: len(rows)}
    of = len(rows)
    for index, stage in enumerate(programme.stages):
        waits = []
        for day0, reached in rows:
            if reached[index] is not None:
                since = day0 if index == 0 else reached[index - 1]
                waits.append((reached[index] - since).days)  # type: ignore[operator]
        on_time = None
        if stage.within_days is not None:
            on_time = len([w for w in waits if w <= stage.within_days])
        figures.append((len(waits), of, median(waits) if waits else None, on_time))
        counts[stage.key] = of = len(waits)
    figures.append([(counts[m.numerator], counts[m.denominator]) for m in programme.measures])
    return figures


def from_sql(counts) -> list:  # type: ignore[no-untyped-def]
    return [
        counts.cohort,
        *((s.count, s.of, s.median_days, s.on_time) for s in counts.stages),
        [(m.numerator, m.denominator) for m in counts.measures],
    ]


periods = st.one_of(
    st.builds(Period.year, st.just(2024)),
    st.builds(Period.year, st.just(2024)),
    st.builds(Period.quarter, st.just(2024), st.integers(1, 4)),
    st.builds(Period.month, st.just(2024), st.integers(1, 12)),
)
fast = settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@pytest.mark.slow
@pytest.mark.parametrize("key", PROGRAMMES)
def test_the_cascade_and_its_breakdown_match_the_reference(shared_store: Store, key: str) -> None:
    programme = load_cascade(key)

    @fast
    @given(
        people=st.lists(someone(programme), min_size=2, max_size=10),
        period=periods,
        as_of=days(date(2024, 3, 1), date(2025, 6, 30)),
    )
    def check(people: list[Someone], period: Period, as_of: date) -> None:
        write(shared_store, programme, people)
        with shared_store.read() as session:
            got = cascade(session, programme, period, as_of=as_of, breakdown="unit")
        rows = members(programme, people, period, as_of)
        assert from_sql(got.overall) == reference(programme, [(d, r) for _, d, r in rows])
        groups = {unit for unit, _, _ in rows}
        assert set(got.groups) == groups
        for unit in groups:
            mine = [(d, r) for u, d, r in rows if u == unit]
            assert from_sql(got.groups[unit]) == reference(programme, mine)

    check()


@pytest.mark.slow
def test_bowel_coverage_matches_the_reference(shared_store: Store) -> None:
    programme = load_cascade("bowel-screening")
    rule = programme.coverage
    assert rule is not None

    @fast
    @given(
        people=st.lists(someone(programme), max_size=8),
        day=days(date(2024, 1, 1), date(2025, 6, 30)),
    )
    def check(people: list[Someone], day: date) -> None:
        write(shared_store, programme, people)
        with shared_store.read() as session:
            got = coverage(session, programme, day, breakdown="unit")
        expected: dict[str | None, tuple[int, int]] = {}
        for p in people:
            unit = unit_on(p, day)
            if unit is None or not programme.min_age <= age_on(p.born, day) <= programme.max_age:
                continue
            covered = any(
                key == rule.step
                and result in rule.results
                and add_months(day, -rule.months) < d <= day
                for d, key, result in p.steps
            )
            eligible, done = expected.get(unit, (0, 0))
            expected[unit] = (eligible + 1, done + covered)
        assert got is not None
        assert got.groups == expected
        assert (got.eligible, got.covered) == (
            sum(e for e, _ in expected.values()),
            sum(c for _, c in expected.values()),
        )

    check()
