"""The hepatitis C cascade of 2024-Q1, read on 30 June 2024, worked out by hand for a small
cohort of receptions (schema/programmes/bbv-hepatitis-c.toml)."""

from __future__ import annotations

from datetime import date

import pytest

from outreach.rules.cascade import load_cascade
from outreach.stats.cascade import Cascade, cascade
from outreach.stats.period import Period
from outreach.store.store import Store
from tests.support.cohort import Cohort

HEP_C = "bbv-hepatitis-c"
AS_OF = date(2024, 6, 30)
ADULT = date(1990, 5, 5)


def build(store: Store) -> None:
    """Ten people; each says whether their reception is in the cohort and what it reaches."""
    with store.write() as session:
        c = Cohort(session)

        def steps(person: int, *rows: tuple[date, str, str | None]) -> None:
            for day, step, result in rows:
                c.event(person, day, step, programme=HEP_C, result=result)

        # 1. A, arrived 10 Jan: offered in 1 day, antibody negative the next day.
        p = c.person(ADULT, stays=[(date(2024, 1, 10), None, "A")])
        steps(
            p,
            (date(2024, 1, 11), "offered", None),
            (date(2024, 1, 12), "antibody_test", "negative"),
        )
        # 2. A, arrived 15 Jan: offered late (5 days), then every stage to cure.
        p = c.person(ADULT, stays=[(date(2024, 1, 15), None, "A")])
        steps(
            p,
            (date(2024, 1, 20), "offered", None),
            (date(2024, 1, 20), "antibody_test", "positive"),  # same day: 0 days
            (date(2024, 2, 1), "rna_test", "positive"),  # 12 days
            (date(2024, 2, 5), "referred", None),  # 4 days
            (date(2024, 3, 1), "treatment_started", None),  # 25 days (2024 is a leap year)
            (date(2024, 6, 1), "cure_checked", "cured"),  # 92 days
        )
        # 3. B, arrived 1 Feb: offered next day, declined.
        p = c.person(ADULT, stays=[(date(2024, 2, 1), None, "B")])
        steps(p, (date(2024, 2, 2), "offered", None), (date(2024, 2, 2), "declined", None))
        # 4. B, arrived 10 Feb: nothing recorded (a cervical test does not count).
        p = c.person(ADULT, stays=[(date(2024, 2, 10), None, "B")])
        c.event(p, date(2024, 2, 11), "test", hpv="negative")
        # 5. 17 on arrival (18 the next day): not in the cohort, whatever is recorded.
        p = c.person(date(2006, 3, 2), stays=[(date(2024, 3, 1), None, "B")])
        steps(p, (date(2024, 3, 2), "offered", None))
        # 6. arrived before the quarter: not in the cohort.
        p = c.person(ADULT, stays=[(date(2023, 12, 20), None, "A")])
        steps(p, (date(2024, 1, 5), "offered", None))
        # 7. A, arrived 20 Mar, left 25 Mar: offered; the test after leaving is not this stay's.
        p = c.person(ADULT, stays=[(date(2024, 3, 20), date(2024, 3, 25), "A")])
        steps(
            p,
            (date(2024, 3, 21), "offered", None),
            (date(2024, 3, 26), "antibody_test", "positive"),
        )
        # 8. A, arrived 5 Jan: inadequate sample first (not tested), positive 14 days after the
        #    offer, RNA negative (cleared).
        p = c.person(ADULT, stays=[(date(2024, 1, 5), None, "A")])
        steps(
            p,
            (date(2024, 1, 6), "offered", None),
            (date(2024, 1, 7), "antibody_test", "inadequate"),
            (date(2024, 1, 20), "antibody_test", "positive"),
            (date(2024, 2, 1), "rna_test", "negative"),
        )
        # 9. A, arrived 15 Feb: offered that day, positive, referred; treatment after AS_OF.
        p = c.person(ADULT, stays=[(date(2024, 2, 15), None, "A")])
        steps(
            p,
            (date(2024, 2, 15), "offered", None),
            (date(2024, 2, 16), "antibody_test", "positive"),
            (date(2024, 3, 1), "rna_test", "positive"),  # 14 days
            (date(2024, 3, 5), "referred", None),
            (date(2024, 7, 15), "treatment_started", None),
        )
        # 10. no unit, arrived 10 Mar: an offer before arrival does not count; the one 4 days
        #     after does, tested the same day.
        p = c.person(ADULT, stays=[(date(2024, 3, 10), None, None)])
        steps(
            p,
            (date(2024, 3, 1), "offered", None),
            (date(2024, 3, 14), "offered", None),
            (date(2024, 3, 14), "antibody_test", "negative"),
        )


@pytest.fixture(scope="module")
def figures(shared_store: Store) -> Cascade:
    build(shared_store)
    with shared_store.read() as session:
        return cascade(
            session, load_cascade(HEP_C), Period.quarter(2024, 1), as_of=AS_OF, breakdown="unit"
        )


@pytest.mark.slow
def test_the_cohort_is_the_adult_receptions_of_the_quarter(figures: Cascade) -> None:
    # People 1, 2, 3, 4, 7, 8, 9 and 10.
    assert figures.overall.cohort == 8


@pytest.mark.parametrize(
    ("stage", "count", "of", "median_days", "on_time"),
    [
        # offered: 1 (1 day), 2 (5), 3 (1), 7 (1), 8 (1), 9 (0), 10 (4); within 3 days: 5.
        ("offered", 7, 8, 1.0, 5),
        # tested: 1 (1 day after the offer), 2 (0), 8 (14), 9 (1), 10 (0).
        ("tested", 5, 7, 1.0, None),
        # antibody positive: 2, 8 and 9, each on the day tested.
        ("antibody_positive", 3, 5, 0.0, None),
        # RNA positive: 2 (12 days), 9 (14 days); 8 cleared.
        ("rna_positive", 2, 3, 13.0, None),
        ("referred", 2, 2, 4.0, None),
        # treated: 2 after 25 days, within the 126; 9 not yet by AS_OF.
        ("treated", 1, 2, 25.0, 1),
        ("cured", 1, 1, 92.0, None),
    ],
)
def test_each_stage_with_its_rate_and_time_from_the_stage_before(
    figures: Cascade,
    stage: str,
    count: int,
    of: int,
    median_days: float,
    on_time: int | None,
) -> None:
    got = figures.overall.stage(stage)
    assert (got.count, got.of, got.median_days, got.on_time) == (count, of, median_days, on_time)
    assert got.rate == pytest.approx(100.0 * count / of)


def test_the_headline_measures_against_their_targets(figures: Cascade) -> None:
    measures = {m.key: (m.numerator, m.denominator, m.target) for m in figures.overall.measures}
    assert measures == {"offered": (7, 8, None), "tested": (5, 8, 95.0), "treated": (1, 2, 90.0)}
    assert figures.overall.measure("tested").rate == 62.5


def test_every_stage_broken_down_by_unit(figures: Cascade) -> None:
    # A: 1, 2, 7, 8, 9; B: 3, 4; no unit: 10.
    counts = {
        group: [counts.cohort, *(s.count for s in counts.stages)]
        for group, counts in figures.groups.items()
    }
    assert counts == {
        "A": [5, 5, 4, 3, 2, 2, 1, 1],
        "B": [2, 1, 0, 0, 0, 0, 0, 0],
        "(no unit)": [1, 1, 1, 0, 0, 0, 0, 0],
    }


def test_a_period_read_before_it_ends_stops_at_the_day_read(
    figures: Cascade, shared_store: Store
) -> None:
    # Read on 31 January: receptions 1, 2 and 8; 8's positive test on 20 Jan counts, 2's RNA
    # test on 1 Feb does not yet.
    with shared_store.read() as session:
        early = cascade(
            session, load_cascade(HEP_C), Period.quarter(2024, 1), as_of=date(2024, 1, 31)
        )
    assert [early.overall.cohort, *(s.count for s in early.overall.stages)] == [
        3,
        3,
        3,
        2,
        0,
        0,
        0,
        0,
    ]


def test_a_step_on_the_day_of_leaving_counts_for_that_stay(store: Store) -> None:
    with store.write() as session:
        c = Cohort(session)
        p = c.person(ADULT, stays=[(date(2024, 1, 10), date(2024, 1, 12), "A")])
        c.event(p, date(2024, 1, 12), "offered", programme=HEP_C)
        c.event(p, date(2024, 1, 13), "antibody_test", programme=HEP_C, result="negative")
    with store.read() as session:
        got = cascade(session, load_cascade(HEP_C), Period.quarter(2024, 1), as_of=AS_OF)
    assert [s.count for s in got.overall.stages[:2]] == [1, 0]
