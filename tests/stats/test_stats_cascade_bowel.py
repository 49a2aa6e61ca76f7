"""Bowel screening in 2024, read on 31 December 2024, worked out by hand for a small cohort
(schema/programmes/bowel-screening.toml): the cascade follows each person sent a kit in the
year, from their first kit in it; coverage counts adequate results within 30 months."""

from __future__ import annotations

from datetime import date

import pytest

from outreach.rules.cascade import load_cascade
from outreach.stats.cascade import ProgrammeFigures, programme_figures
from outreach.stats.period import Period
from outreach.store.store import Store
from tests.support.cohort import Cohort

BOWEL = "bowel-screening"
D = date(2024, 12, 31)
SINCE = date(2020, 1, 1)


def build(store: Store) -> None:
    with store.write() as session:
        c = Cohort(session)

        def person(born: date, unit: str, *rows: tuple[date, str, str | None]) -> None:
            p = c.person(born, stays=[(SINCE, None, unit)])
            for day, step, result in rows:
                c.event(p, day, step, programme=BOWEL, result=result)

        # 1. 64, A: returned after 19 days, normal 10 days later.
        person(
            date(1960, 1, 1),
            "A",
            (date(2024, 2, 1), "kit_sent", None),
            (date(2024, 2, 20), "kit_returned", None),
            (date(2024, 3, 1), "fit_result", "normal"),
        )
        # 2. 53, A: two kits (followed from the first), spoilt then abnormal, referred in 9
        #    days, colonoscopy 21 days later.
        person(
            date(1970, 6, 15),
            "A",
            (date(2024, 1, 10), "kit_sent", None),
            (date(2024, 5, 1), "kit_sent", None),
            (date(2024, 5, 10), "kit_returned", None),  # 121 days after the first kit
            (date(2024, 5, 15), "fit_result", "spoilt"),
            (date(2024, 6, 1), "fit_result", "abnormal"),  # 22 days after the return
            (date(2024, 6, 10), "colonoscopy_referred", None),
            (date(2024, 7, 1), "colonoscopy_done", None),
        )
        # 3. 44: too young for the cohort and for coverage.
        person(date(1980, 1, 1), "A", (date(2024, 3, 1), "kit_sent", None))
        # 4. 69, B: kit sent in 2023, so not in 2024's cohort; covered by January's result.
        person(
            date(1955, 1, 1),
            "B",
            (date(2023, 11, 1), "kit_sent", None),
            (date(2024, 1, 5), "kit_returned", None),
            (date(2024, 1, 10), "fit_result", "normal"),
        )
        # 5. 74 on D, B: sent a kit, never returned it.
        person(date(1950, 6, 1), "B", (date(2024, 7, 1), "kit_sent", None))
        # 6. 74 when sent a kit, 75 on D, B: abnormal, referred after 30 days (late).
        person(
            date(1949, 12, 31),
            "B",
            (date(2024, 4, 1), "kit_sent", None),
            (date(2024, 4, 10), "kit_returned", None),
            (date(2024, 4, 20), "fit_result", "abnormal"),
            (date(2024, 5, 20), "colonoscopy_referred", None),
        )
        # 7. 59, A: normal on 1 July 2022, after the window's start (30 months before D is
        #    30 June 2022): covered.
        person(date(1965, 1, 1), "A", (date(2022, 7, 1), "fit_result", "normal"))
        # 8. 59, A: normal on 30 June 2022, the window's excluded start: not covered.
        person(date(1965, 1, 1), "A", (date(2022, 6, 30), "fit_result", "normal"))


@pytest.fixture(scope="module")
def figures(shared_store: Store) -> ProgrammeFigures:
    build(shared_store)
    return programme_figures(
        shared_store, load_cascade(BOWEL), as_of=D, period=Period.year(2024), breakdown="unit"
    )


def test_the_cohort_is_everyone_in_the_ages_sent_a_kit_in_the_year(
    figures: ProgrammeFigures,
) -> None:
    # 1, 2, 5 and 6.
    assert figures.cascade.overall.cohort == 4
    assert {k: v.cohort for k, v in figures.cascade.groups.items()} == {"A": 2, "B": 2}


def test_each_stage_with_its_rate_and_time_from_the_stage_before(
    figures: ProgrammeFigures,
) -> None:
    stages = [
        (s.key, s.count, s.of, s.median_days, s.on_time) for s in figures.cascade.overall.stages
    ]
    assert stages == [
        ("sent", 4, 4, 0.0, None),
        ("returned", 3, 4, 19.0, None),  # 19, 121 and 9 days
        ("tested", 3, 3, 10.0, 3),  # 10, 22, 10 days, all within 183
        ("abnormal", 2, 3, 0.0, None),
        ("referred", 2, 2, 19.5, 1),  # 9 and 30 days; one within 14
        ("colonoscopy", 1, 2, 21.0, None),
    ]


def test_uptake_and_referral(figures: ProgrammeFigures) -> None:
    measures = [(m.key, m.numerator, m.denominator) for m in figures.cascade.overall.measures]
    assert measures == [("uptake", 3, 4), ("referred", 2, 2)]
    assert figures.cascade.overall.measure("uptake").rate == 75.0


def test_coverage_on_the_day_by_unit_against_the_national_figure(
    figures: ProgrammeFigures,
) -> None:
    cover = figures.coverage
    assert cover is not None
    # Eligible: 1, 2, 4, 5, 7, 8 (3 is 44, 6 is 75); covered: 1, 2, 4, 7.
    assert (cover.eligible, cover.covered) == (6, 4)
    assert cover.groups == {"A": (4, 3), "B": (2, 1)}
    assert figures.national_gap == pytest.approx(400 / 6 - 72.0)
