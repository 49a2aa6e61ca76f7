"""The SQL measures agree with a slow, obvious Python reference built on the rules functions,
person by person, on random small stores."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from outreach.model import Conversation
from outreach.queries import CLINICAL_CEASE_REASONS
from outreach.rules.programme import load_programme
from outreach.rules.screening import (
    TestResult,
    add_months,
    age_band,
    age_on,
    is_covered,
    is_eligible,
)
from outreach.stats.coverage import NO_UNIT, coverage_on
from outreach.stats.pathway import reach, uptake
from outreach.stats.period import Period
from outreach.store.store import Store
from tests.support.cohort import Cohort
from tests.support.stores import clear

PROGRAMME = load_programme()
CREATED = datetime(2024, 1, 1, tzinfo=UTC)


@dataclass
class Someone:
    born: date
    has_cervix: str
    stays: list[tuple[date, date | None, str | None]]
    tests: list[tuple[date, str | None, str | None]]
    ceased: list[tuple[date, str | None]]
    talks: list[date] = field(default_factory=list)
    offers: list[date] = field(default_factory=list)


def _month_ends(first: int, last: int) -> st.SearchStrategy[date]:
    return st.builds(
        lambda y, m: (date(y, m % 12 + 1, 1) if m < 12 else date(y + 1, 1, 1)) - timedelta(days=1),
        st.integers(first, last),
        st.integers(1, 12),
    )


def _days(first: int, last: int) -> st.SearchStrategy[date]:
    # Month ends and 29 Februaries are where month arithmetic goes wrong: ask for them often.
    return st.one_of(
        st.dates(date(first, 1, 1), date(last, 12, 31)),
        _month_ends(first, last),
        st.sampled_from([date(y, 2, 29) for y in range(first, last + 1) if y % 4 == 0]),
    )


def _near(
    day: date | None, months: tuple[int, ...], first: int, last: int
) -> st.SearchStrategy[date]:
    """Any day, or (when ``day`` is given) a day within 3 of ``day`` moved back by one of
    ``months``: the edges of age bands and coverage windows."""
    anywhere = _days(first, last)
    if day is None:
        return anywhere
    edges = st.builds(
        lambda m, d: add_months(day, -m) + timedelta(days=d),
        st.sampled_from(months),
        st.integers(-3, 3),
    )
    return st.one_of(anywhere, edges)


@st.composite
def someone(draw: st.DrawFn, day: date | None = None) -> Someone:
    stays = []
    for _ in range(draw(st.integers(0, 2))):
        arrived = draw(_days(2020, 2024))
        left = draw(st.none() | st.dates(arrived, date(2025, 6, 30)))
        stays.append((arrived, left, draw(st.sampled_from([None, "A", "B"]))))
    tests = [
        (
            draw(_near(day, (42, 66), 2016, 2024)),
            draw(st.sampled_from([None, "negative", "positive", "unavailable"])),
            draw(st.sampled_from([None, "normal", "inadequate", "high_grade"])),
        )
        for _ in range(draw(st.integers(0, 3)))
    ]
    ceased = [
        (
            draw(_days(2018, 2024)),
            draw(st.sampled_from([None, *CLINICAL_CEASE_REASONS, "informed_choice", "other"])),
        )
        for _ in range(draw(st.integers(0, 1)))
    ]
    return Someone(
        born=draw(_near(day, (300, 600, 780), 1955, 2001)),
        has_cervix=draw(st.sampled_from(["yes", "yes", "unknown", "no"])),
        stays=stays,
        tests=tests,
        ceased=ceased,
        talks=draw(st.lists(_days(2022, 2024), max_size=2)),
        offers=draw(st.lists(_days(2022, 2024), max_size=2)),
    )


def write(store: Store, people: list[Someone]) -> None:
    clear(store)
    with store.write() as session:
        cohort = Cohort(session)
        for p in people:
            pid = cohort.person(
                p.born, stays=p.stays, tests=p.tests, ceased=p.ceased, has_cervix=p.has_cervix
            )
            for day in p.offers:
                cohort.event(pid, day, "offered")
            for day in p.talks:
                session.add(
                    Conversation(
                        occurred_on=day,
                        kind="one_to_one",
                        person_id=pid,
                        setting="wing",
                        outcome="booked",
                        created_at=CREATED,
                    )
                )


# -- the reference: one person at a time, with the rules functions ---------------------------


def resident_unit(p: Someone, day: date) -> tuple[bool, str | None]:
    """Whether resident on ``day`` and the unit of the latest-arrived stay (the later one
    written wins a tie, as stay ids grow in the order written)."""
    here = [
        (arrived, index, unit)
        for index, (arrived, left, unit) in enumerate(p.stays)
        if arrived <= day and (left is None or left > day)
    ]
    if not here:
        return False, None
    return True, max(here)[2]


def status(p: Someone, day: date) -> tuple[bool, bool]:
    """(eligible, covered) on ``day``, ignoring residence."""
    ceased = any(d <= day and reason in CLINICAL_CEASE_REASONS for d, reason in p.ceased)
    eligible = is_eligible(
        PROGRAMME, date_of_birth=p.born, has_cervix=p.has_cervix, ceased_clinically=ceased, day=day
    )
    tests = [TestResult(taken, hpv, cyt, None) for taken, hpv, cyt in p.tests]
    return eligible, eligible and is_covered(PROGRAMME, date_of_birth=p.born, tests=tests, day=day)


def reference_coverage(people: list[Someone], day: date) -> tuple[int, int, dict, dict]:
    eligible = covered = 0
    bands: dict[str, tuple[int, int]] = {key: (0, 0) for key in PROGRAMME.age_band_keys}
    units: dict[str, tuple[int, int]] = {}
    for p in people:
        here, unit = resident_unit(p, day)
        ok, cov = status(p, day)
        if not (here and ok):
            continue
        eligible += 1
        covered += cov
        band = age_band(PROGRAMME, age_on(p.born, day))
        assert band is not None
        bands[band] = (bands[band][0] + 1, bands[band][1] + cov)
        name = unit or NO_UNIT
        e, c = units.get(name, (0, 0))
        units[name] = (e + 1, c + cov)
    return eligible, covered, bands, dict(sorted(units.items()))


def reference_reach(people: list[Someone], period: Period, as_of: date) -> tuple[int, int]:
    stop = min(period.end, as_of)
    if stop < period.start:
        return 0, 0
    grid = {period.start, stop} | {end for end in period.month_ends() if end <= stop}
    uncovered = reached = 0
    for p in people:
        checks = {d for d in grid if resident_unit(p, d)[0]}
        checks |= {
            arrived
            for arrived, left, _ in p.stays
            if period.start <= arrived <= stop and (left is None or left > arrived)
        }
        if any(status(p, d)[0] and not status(p, d)[1] for d in checks):
            uncovered += 1
            reached += any(period.start <= t <= stop for t in p.talks)
    return uncovered, reached


def reference_uptake(people: list[Someone], period: Period, as_of: date) -> tuple[int, int, int]:
    offers = tested = untested = 0
    stop = min(period.end, as_of)
    for p in people:
        adequate = [
            taken
            for taken, hpv, cyt in p.tests
            if TestResult(taken, hpv, cyt, None).is_adequate and taken <= as_of
        ]
        for offered in p.offers:
            if not period.start <= offered <= stop:
                continue
            offers += 1
            end = offered + timedelta(days=PROGRAMME.uptake_window_days)
            if any(offered <= taken <= end for taken in adequate):
                tested += 1
            elif end < as_of:
                untested += 1
    return offers, tested, untested


periods = st.one_of(
    st.builds(Period.year, st.integers(2022, 2024)),
    st.builds(Period.quarter, st.integers(2022, 2024), st.integers(1, 4)),
    st.builds(Period.month, st.integers(2022, 2024), st.integers(1, 12)),
)
fast = settings(
    max_examples=30, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@st.composite
def people_on_a_day(draw: st.DrawFn) -> tuple[list[Someone], date]:
    day = draw(_days(2020, 2025))
    return draw(st.lists(someone(day), max_size=8)), day


MONTH_END_EDGE = (
    [
        Someone(
            date(1990, 1, 1),
            "yes",
            [(date(2024, 1, 1), None, "A")],
            [(date(2021, 3, 1), "negative", None)],
            [],
        )
    ],
    date(2024, 8, 31),
)


@fast
@given(drawn=people_on_a_day())
@example(drawn=MONTH_END_EDGE)
def test_coverage_matches_the_reference(
    shared_store: Store, drawn: tuple[list[Someone], date]
) -> None:
    people, day = drawn
    write(shared_store, people)
    with shared_store.read() as session:
        cov = coverage_on(session, day)
    assert (cov.eligible, cov.covered, cov.by_age_band, cov.by_unit) == reference_coverage(
        people, day
    )


@fast
@given(people=st.lists(someone(), max_size=8), period=periods, as_of=_days(2022, 2025))
def test_reach_matches_the_reference(
    shared_store: Store,
    people: list[Someone],
    period: Period,
    as_of: date,
) -> None:
    write(shared_store, people)
    with shared_store.read() as session:
        got = reach(session, period, as_of=as_of)
    assert (got.uncovered, got.reached) == reference_reach(people, period, as_of)


@fast
@given(people=st.lists(someone(), max_size=8), period=periods, as_of=_days(2022, 2025))
def test_uptake_matches_the_reference(
    shared_store: Store,
    people: list[Someone],
    period: Period,
    as_of: date,
) -> None:
    write(shared_store, people)
    with shared_store.read() as session:
        got = uptake(session, period, as_of=as_of)
    assert (got.offers, got.tested, got.untested) == reference_uptake(people, period, as_of)
