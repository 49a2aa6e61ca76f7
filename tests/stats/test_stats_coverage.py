"""Coverage on a day, worked out by hand for a small cohort at a month end where SQLite's
month arithmetic and the rules' differ (31 August 2024: 42 months back is 28 February 2021,
not SQLite's 3 March 2021)."""

from __future__ import annotations

from datetime import date

import pytest

from outreach.stats.coverage import coverage_on, coverage_trend, month_end_days, unit_id
from outreach.store.store import Store
from tests.support.cohort import Cohort

D = date(2024, 8, 31)


def build_cohort(store: Store) -> None:
    """Nineteen people; each line says why they count on D = 31 August 2024."""
    with store.write() as session:
        c = Cohort(session)
        neg, pos = "negative", "positive"
        # 1. 34, tested 1 March 2021: after add_months(D, -42) = 28 Feb 2021 -> covered.
        c.person(date(1990, 1, 1), tests=[(date(2021, 3, 1), neg, None)])
        # 2. 34, tested on 28 Feb 2021, the excluded window start -> not covered.
        c.person(date(1990, 1, 1), tests=[(date(2021, 2, 28), pos, "normal")])
        # 3. turns 25 on D -> eligible, 25-49, never tested.
        c.person(date(1999, 8, 31))
        # 4. turns 25 the day after D -> not eligible.
        c.person(date(1999, 9, 1))
        # 5. turns 50 on D -> 50-64 (66-month window from 28 Feb 2019): tested 1 Mar 2019.
        c.person(date(1974, 8, 31), tests=[(date(2019, 3, 1), neg, None)])
        # 6. 64, turns 65 the day after D -> eligible 50-64, never tested.
        c.person(date(1959, 9, 1))
        # 7. turns 65 on D -> not eligible.
        c.person(date(1959, 8, 31))
        # 8. ceased clinically (no cervix) before D -> not eligible.
        c.person(date(1980, 5, 5), ceased=[(date(2023, 1, 1), "no_cervix")])
        # 9. ceased by informed choice -> still eligible, not covered.
        c.person(date(1980, 5, 5), ceased=[(date(2023, 1, 1), "informed_choice")])
        # 10. the programme does not apply -> not eligible, even though tested.
        c.person(
            date(1980, 5, 5),
            tests=[(date(2023, 1, 1), neg, None)],
            has_cervix="no",
            stays=[(date(2024, 1, 1), None, "B")],
        )
        # 11. arrived June 2024, tested before arrival (Jan 2023) -> covered.
        c.person(
            date(1985, 2, 10),
            stays=[(date(2024, 6, 1), None, "B")],
            tests=[(date(2023, 1, 1), neg, None)],
        )
        # 12. left on D -> not resident on D.
        c.person(date(1985, 2, 10), stays=[(date(2024, 1, 1), D, "B")])
        # 13. arrived the day after D -> not resident.
        c.person(date(1985, 2, 10), stays=[(date(2024, 9, 1), None, "B")])
        # 14. HPV unavailable -> inadequate, not covered.
        c.person(
            date(1985, 2, 10),
            stays=[(date(2024, 1, 1), None, "B")],
            tests=[(date(2024, 5, 1), "unavailable", None)],
        )
        # 15. 54, history result with cytology only (normal), Jan 2020 -> covered (50-64).
        c.person(
            date(1970, 1, 1),
            stays=[(date(2024, 1, 1), None, "B")],
            tests=[(date(2020, 1, 1), None, "normal")],
        )
        # 16. history result with inadequate cytology only -> not covered.
        c.person(
            date(1985, 2, 10),
            stays=[(date(2024, 1, 1), None, "B")],
            tests=[(date(2024, 1, 1), None, "inadequate")],
        )
        # 17. has_cervix unknown counts; stay without a unit; tested -> covered.
        c.person(
            date(1985, 2, 10),
            stays=[(date(2024, 1, 1), None, None)],
            has_cervix="unknown",
            tests=[(date(2024, 2, 2), neg, None)],
        )
        # 18. ceased clinically only after D -> eligible on D, not covered.
        c.person(
            date(1985, 2, 10),
            stays=[(date(2024, 1, 1), None, "B")],
            ceased=[(date(2024, 9, 1), "radiotherapy")],
        )
        # 19. two overlapping stays: counts once, in B (the later arrival); covered.
        c.person(
            date(1988, 6, 6),
            stays=[(date(2023, 1, 1), None, "A"), (date(2024, 2, 1), None, "B")],
            tests=[(date(2024, 3, 3), pos, "normal")],
        )


@pytest.fixture
def cohort_store(empty_store: Store) -> Store:
    build_cohort(empty_store)
    return empty_store


@pytest.mark.slow
def test_coverage_counts_the_hand_worked_cohort(cohort_store: Store) -> None:
    with cohort_store.read() as session:
        cov = coverage_on(session, D)
    # Eligible: 1 2 3 5 6 9 11 14 15 16 17 18 19; covered: 1 5 11 15 17 19.
    assert (cov.eligible, cov.covered) == (13, 6)
    assert cov.rate == pytest.approx(100 * 6 / 13)


def test_coverage_counts_the_clinically_ceased_apart(cohort_store: Store) -> None:
    with cohort_store.read() as session:
        on_d, next_day = coverage_on(session, D), coverage_on(session, date(2024, 9, 1))
    # On D only 8 (no cervix, 2023): 9 ceased by informed choice stays eligible, 18 is ceased
    # after D and 10 is not counted at all (the programme does not apply). On 1 Sep: 8 and 18.
    assert (on_d.ceased, next_day.ceased) == (1, 2)


def test_the_clinically_ceased_of_one_unit(cohort_store: Store) -> None:
    with cohort_store.read() as session:
        a = coverage_on(session, date(2024, 9, 1), unit=unit_id(session, "A"))
        b = coverage_on(session, date(2024, 9, 1), unit=unit_id(session, "B"))
    # 8 lives in A, 18 in B.
    assert (a.ceased, b.ceased) == (1, 1)


def test_coverage_splits_by_age_band(cohort_store: Store) -> None:
    with cohort_store.read() as session:
        cov = coverage_on(session, D)
    # 25-49: 1 2 3 9 11 14 16 17 18 19 (covered 1 11 17 19); 50-64: 5 6 15 (covered 5 15).
    assert cov.by_age_band == {"25-49": (10, 4), "50-64": (3, 2)}


def test_coverage_splits_by_unit_of_the_latest_stay(cohort_store: Store) -> None:
    with cohort_store.read() as session:
        cov = coverage_on(session, D)
    # A: 1 2 3 5 6 9 (covered 1 5); B: 11 14 15 16 18 19 (covered 11 15 19); none: 17.
    assert cov.by_unit == {"(no unit)": (1, 1), "A": (6, 2), "B": (6, 3)}


def test_coverage_of_one_unit(cohort_store: Store) -> None:
    with cohort_store.read() as session:
        cov = coverage_on(session, D, unit=unit_id(session, "A"))
    assert (cov.eligible, cov.covered, cov.by_unit) == (6, 2, {"A": (6, 2)})


def test_a_day_later_the_window_and_ages_move(cohort_store: Store) -> None:
    with cohort_store.read() as session:
        cov = coverage_on(session, date(2024, 9, 1))
    # On 1 Sep: 4 turns 25 and 13 arrives (both eligible, uncovered); 6 turns 65 and 18 is
    # ceased (both leave). Windows now start on 1 Mar 2021 and 1 Mar 2019, both excluded:
    # 1 and 5 are no longer covered. Eligible 13 + 2 - 2 = 13; covered 6 - 2 = 4.
    assert (cov.eligible, cov.covered) == (13, 4)


def test_a_29_february_birthday_turns_25_on_1_march(empty_store: Store) -> None:
    with empty_store.write() as session:
        Cohort(session).person(date(2000, 2, 29), stays=[(date(2024, 1, 1), None, "A")])
    with empty_store.read() as session:
        before = coverage_on(session, date(2025, 2, 28))
        after = coverage_on(session, date(2025, 3, 1))
    assert (before.eligible, after.eligible) == (0, 1)


def test_nobody_eligible_gives_no_rate(empty_store: Store) -> None:
    with empty_store.read() as session:
        cov = coverage_on(session, D)
    assert (cov.eligible, cov.covered, cov.rate) == (0, 0, None)
    assert cov.by_age_band == {"25-49": (0, 0), "50-64": (0, 0)}


def test_month_end_days_end_with_as_of() -> None:
    assert month_end_days(date(2024, 3, 15), 3) == [
        date(2024, 1, 31),
        date(2024, 2, 29),
        date(2024, 3, 15),
    ]


def test_trend_reads_coverage_at_each_month_end(cohort_store: Store) -> None:
    with cohort_store.read() as session:
        trend = coverage_trend(session, D, months=2)
    # 31 July: 3 is 24 (out); 7 is 64 (in, untested); 12 has not left yet (in, untested).
    # 5 is 49: the 42-month window from 31 Jan 2021 misses the 2019 test (not covered);
    # 2's test on 28 Feb 2021 is inside that window (covered).
    # Eligible: 13 - 1 + 2 = 14; covered: 6 - 1 + 1 = 6.
    assert [(c.day, c.eligible, c.covered) for c in trend] == [
        (date(2024, 7, 31), 14, 6),
        (D, 13, 6),
    ]
