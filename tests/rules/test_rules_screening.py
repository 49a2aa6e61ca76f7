"""Cervical screening rules, as specifications with dates worked out by hand."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from outreach.rules.programme import Programme, load_programme
from outreach.rules.screening import (
    TestResult,
    action_for_result,
    add_months,
    age_band,
    age_on,
    coverage_window_start,
    followup_for_action,
    is_covered,
    is_eligible,
    next_test_due,
)

P: Programme = load_programme()
D = date


def result(
    taken_on: date, hpv: str | None, cytology: str | None = None, sample: str | None = "clinician"
) -> TestResult:
    return TestResult(taken_on=taken_on, hpv=hpv, cytology=cytology, sample=sample)


def neg(taken_on: date, sample: str | None = "clinician") -> TestResult:
    return result(taken_on, "negative", None, sample)


def pos(taken_on: date, cytology: str = "normal") -> TestResult:
    return result(taken_on, "positive", cytology)


def unavailable(taken_on: date) -> TestResult:
    return result(taken_on, "unavailable")


# --- ages and months ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dob", "day", "age"),
    [
        (D(1990, 6, 15), D(2020, 6, 14), 29),
        (D(1990, 6, 15), D(2020, 6, 15), 30),
        (D(1990, 6, 15), D(1990, 6, 15), 0),
        (D(1990, 12, 31), D(2025, 1, 1), 34),
        (D(2000, 2, 29), D(2021, 2, 28), 20),
        (D(2000, 2, 29), D(2021, 3, 1), 21),
        (D(2000, 2, 29), D(2024, 2, 28), 23),
        (D(2000, 2, 29), D(2024, 2, 29), 24),
    ],
)
def test_age_on_counts_whole_years(dob: date, day: date, age: int) -> None:
    assert age_on(dob, day) == age


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (D(2020, 5, 15), 0, D(2020, 5, 15)),
        (D(2020, 12, 15), 1, D(2021, 1, 15)),
        (D(2021, 1, 15), -1, D(2020, 12, 15)),
        (D(2024, 1, 31), 1, D(2024, 2, 29)),
        (D(2023, 1, 31), 1, D(2023, 2, 28)),
        (D(2024, 8, 31), -6, D(2024, 2, 29)),
        (D(2024, 3, 31), -42, D(2020, 9, 30)),
        (D(2024, 3, 31), -66, D(2018, 9, 30)),
        (D(2000, 2, 29), 294, D(2024, 8, 29)),
        (D(2000, 8, 31), 294, D(2025, 2, 28)),
    ],
)
def test_add_months_clamps_to_the_month_end(day: date, months: int, expected: date) -> None:
    assert add_months(day, months) == expected


@pytest.mark.parametrize(
    ("age", "band"),
    [(24, None), (25, "25-49"), (49, "25-49"), (50, "50-64"), (64, "50-64"), (65, None)],
)
def test_age_band(age: int, band: str | None) -> None:
    assert age_band(P, age) == band


# --- eligibility -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dob", "day", "expected"),
    [
        (D(1995, 6, 15), D(2020, 6, 14), False),  # 24
        (D(1995, 6, 15), D(2020, 6, 15), True),  # turns 25
        (D(1955, 6, 15), D(2020, 6, 14), True),  # 64
        (D(1955, 6, 15), D(2020, 6, 15), False),  # turns 65
        (D(1996, 2, 29), D(2021, 2, 28), False),  # 24 until 1 March
        (D(1996, 2, 29), D(2021, 3, 1), True),
    ],
)
def test_eligible_from_25_to_64(dob: date, day: date, expected: bool) -> None:
    eligible = is_eligible(P, date_of_birth=dob, has_cervix="yes", ceased_clinically=False, day=day)
    assert eligible is expected


@pytest.mark.parametrize(
    ("has_cervix", "ceased", "expected"),
    [
        ("yes", False, True),
        ("unknown", False, True),
        ("no", False, False),
        ("yes", True, False),
        ("unknown", True, False),
    ],
)
def test_eligible_only_where_the_programme_applies(
    has_cervix: str, ceased: bool, expected: bool
) -> None:
    eligible = is_eligible(
        P,
        date_of_birth=D(1990, 6, 15),
        has_cervix=has_cervix,
        ceased_clinically=ceased,
        day=D(2024, 3, 31),
    )
    assert eligible is expected


def test_an_unknown_has_cervix_value_is_refused() -> None:
    with pytest.raises(ValueError):
        is_eligible(
            P,
            date_of_birth=D(1990, 6, 15),
            has_cervix="maybe",
            ceased_clinically=False,
            day=D(2024, 3, 31),
        )


# --- adequacy and coverage ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("hpv", "cytology", "adequate"),
    [
        ("negative", None, True),
        ("negative", "inadequate", True),
        ("positive", "normal", True),
        ("positive", "inadequate", True),
        ("positive", None, True),
        ("unavailable", None, False),
        ("unavailable", "normal", False),
        (None, "normal", True),
        (None, "high_grade", True),
        (None, "inadequate", False),
        (None, None, False),
    ],
)
def test_an_hpv_result_makes_a_test_adequate(
    hpv: str | None, cytology: str | None, adequate: bool
) -> None:
    assert result(D(2024, 1, 1), hpv, cytology).is_adequate is adequate


@pytest.mark.parametrize(
    ("dob", "taken_on", "day", "covered"),
    [
        # 33 on 2024-03-31: 42 months back is 2020-09-30, excluded.
        (D(1990, 6, 15), D(2020, 9, 30), D(2024, 3, 31), False),
        (D(1990, 6, 15), D(2020, 10, 1), D(2024, 3, 31), True),
        (D(1990, 6, 15), D(2024, 3, 31), D(2024, 3, 31), True),
        (D(1990, 6, 15), D(2024, 4, 1), D(2024, 3, 31), False),  # after the day
        # 54 on 2024-03-31: 66 months back is 2018-09-30, excluded.
        (D(1970, 1, 10), D(2018, 9, 30), D(2024, 3, 31), False),
        (D(1970, 1, 10), D(2018, 10, 1), D(2024, 3, 31), True),
        # Month-end clamp: 2024-08-31 minus 42 months is 2021-02-28.
        (D(1990, 1, 1), D(2021, 2, 28), D(2024, 8, 31), False),
        (D(1990, 1, 1), D(2021, 3, 1), D(2024, 8, 31), True),
        # Turning 50 on 2024-04-01 widens the window from 42 to 66 months.
        (D(1974, 4, 1), D(2019, 6, 1), D(2024, 3, 31), False),
        (D(1974, 4, 1), D(2019, 6, 1), D(2024, 4, 1), True),
        # Turning 25 on 2024-04-01: a test at 24 counts from then on.
        (D(1999, 4, 1), D(2023, 12, 1), D(2024, 3, 31), False),
        (D(1999, 4, 1), D(2023, 12, 1), D(2024, 4, 1), True),
        # Turning 65 on 2024-04-01: no longer counted.
        (D(1959, 4, 1), D(2023, 1, 1), D(2024, 3, 31), True),
        (D(1959, 4, 1), D(2023, 1, 1), D(2024, 4, 1), False),
    ],
)
def test_covered_by_an_adequate_test_in_the_band_window(
    dob: date, taken_on: date, day: date, covered: bool
) -> None:
    assert is_covered(P, date_of_birth=dob, tests=[neg(taken_on)], day=day) is covered


def test_an_inadequate_test_in_the_window_does_not_cover() -> None:
    tests = [unavailable(D(2023, 6, 1)), neg(D(2019, 6, 1))]
    assert is_covered(P, date_of_birth=D(1990, 6, 15), tests=tests, day=D(2024, 3, 31)) is False


def test_no_tests_is_not_covered() -> None:
    assert is_covered(P, date_of_birth=D(1990, 6, 15), tests=[], day=D(2024, 3, 31)) is False


@pytest.mark.parametrize(
    ("dob", "day", "start"),
    [
        (D(1990, 6, 15), D(2024, 3, 31), D(2020, 9, 30)),
        (D(1970, 1, 10), D(2024, 3, 31), D(2018, 9, 30)),
        (D(2000, 1, 1), D(2024, 3, 31), None),
        (D(1950, 1, 1), D(2024, 3, 31), None),
    ],
)
def test_coverage_window_start(dob: date, day: date, start: date | None) -> None:
    assert coverage_window_start(P, date_of_birth=dob, day=day) == start


# --- result -> action --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("hpv", "cytology", "sample", "action"),
    [
        ("negative", None, "clinician", "routine_recall"),
        ("negative", None, "self", "routine_recall"),
        ("positive", "normal", "clinician", "repeat_12_months"),
        ("positive", "borderline", "clinician", "colposcopy_6_weeks"),
        ("positive", "low_grade", "clinician", "colposcopy_6_weeks"),
        ("positive", "high_grade", "clinician", "colposcopy_2_weeks"),
        ("positive", "invasive", "clinician", "colposcopy_2_weeks"),
        ("positive", "glandular", "clinician", "colposcopy_2_weeks"),
        ("positive", "inadequate", "clinician", "repeat_3_months"),
        ("unavailable", None, "clinician", "repeat_3_months"),
        (None, "normal", "clinician", "routine_recall"),
        (None, "borderline", "clinician", "colposcopy_6_weeks"),
        (None, "high_grade", "clinician", "colposcopy_2_weeks"),
        (None, "inadequate", "clinician", "repeat_3_months"),
    ],
)
def test_each_result_row(hpv: str | None, cytology: str | None, sample: str, action: str) -> None:
    test = result(D(2024, 5, 1), hpv, cytology, sample)
    assert action_for_result(P, result=test, history=[]) == action


@pytest.mark.parametrize(
    ("history", "latest", "action"),
    [
        # Positive with normal cytology: 12 months, then the "24 months" repeat, then colposcopy.
        ([pos(D(2022, 1, 10))], pos(D(2023, 1, 12)), "repeat_12_months"),
        ([pos(D(2022, 1, 10)), pos(D(2023, 1, 12))], pos(D(2024, 1, 15)), "colposcopy_6_weeks"),
        ([pos(D(2023, 1, 12)), pos(D(2022, 1, 10))], pos(D(2024, 1, 15)), "colposcopy_6_weeks"),
        # A negative result ends the run.
        (
            [pos(D(2021, 1, 10)), neg(D(2022, 1, 10)), pos(D(2023, 1, 10))],
            pos(D(2024, 1, 10)),
            "repeat_12_months",
        ),
        # Inadequate results in between neither count nor end the run.
        (
            [pos(D(2022, 1, 10)), unavailable(D(2023, 1, 10)), pos(D(2023, 4, 12))],
            pos(D(2024, 4, 15)),
            "colposcopy_6_weeks",
        ),
        # Abnormal cytology (referred to colposcopy) ends the run.
        (
            [pos(D(2020, 1, 10)), pos(D(2021, 1, 10), "low_grade"), pos(D(2022, 6, 1))],
            pos(D(2023, 6, 5)),
            "repeat_12_months",
        ),
        # Inadequate twice in a row -> colposcopy, whichever kind of inadequate.
        ([unavailable(D(2023, 1, 10))], unavailable(D(2023, 4, 12)), "colposcopy_6_weeks"),
        ([pos(D(2023, 1, 10), "inadequate")], unavailable(D(2023, 4, 12)), "colposcopy_6_weeks"),
        ([unavailable(D(2023, 1, 10))], pos(D(2023, 4, 12), "inadequate"), "colposcopy_6_weeks"),
        # An adequate result in between resets the count.
        (
            [unavailable(D(2022, 1, 10)), neg(D(2022, 4, 12))],
            unavailable(D(2023, 4, 12)),
            "repeat_3_months",
        ),
        ([pos(D(2023, 1, 10))], unavailable(D(2024, 1, 10)), "repeat_3_months"),
        # A negative result after inadequate ones is still routine recall.
        ([unavailable(D(2023, 1, 10))], neg(D(2023, 4, 12)), "routine_recall"),
        # Cytology is not read on an HPV negative sample, so it is never an inadequate one.
        (
            [unavailable(D(2023, 1, 10))],
            result(D(2023, 4, 12), "negative", "inadequate"),
            "routine_recall",
        ),
        (
            [result(D(2023, 1, 10), "negative", "inadequate")],
            unavailable(D(2023, 4, 12)),
            "repeat_3_months",
        ),
        # Abnormal cytology after a run of positives goes by its own grade.
        (
            [pos(D(2022, 1, 10)), pos(D(2023, 1, 12))],
            pos(D(2024, 1, 15), "high_grade"),
            "colposcopy_2_weeks",
        ),
        # Tests on or after the result are not its history.
        ([unavailable(D(2023, 4, 12))], unavailable(D(2023, 4, 12)), "repeat_3_months"),
        ([unavailable(D(2023, 9, 1))], unavailable(D(2023, 4, 12)), "repeat_3_months"),
    ],
)
def test_consecutive_results(history: list[TestResult], latest: TestResult, action: str) -> None:
    assert action_for_result(P, result=latest, history=history) == action


@pytest.mark.parametrize(
    ("hpv", "cytology", "message"),
    [
        ("positive", None, "no cytology result yet"),
        (None, None, "no HPV or cytology result"),
        ("maybe", None, "not an HPV result"),
        ("positive", "odd", "not a cytology result"),
    ],
)
def test_an_incomplete_or_unknown_result_is_refused(
    hpv: str | None, cytology: str | None, message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        action_for_result(P, result=result(D(2024, 5, 1), hpv, cytology), history=[])


# --- next test due -----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dob", "day", "due"),
    [
        (D(1990, 6, 15), None, D(2014, 12, 15)),
        (D(2000, 8, 31), None, D(2025, 2, 28)),
        (D(1955, 6, 15), D(2020, 6, 14), D(1979, 12, 15)),  # 64 on the day
        (D(1955, 6, 15), D(2020, 6, 15), None),  # 65 on the day
    ],
)
def test_no_tests_is_due_at_24_and_a_half(dob: date, day: date | None, due: date | None) -> None:
    assert next_test_due(P, date_of_birth=dob, tests=[], day=day) == due


@pytest.mark.parametrize(
    ("dob", "tests", "due"),
    [
        # 25-49 before 1 July 2025: 3 years.
        (D(1990, 6, 15), [neg(D(2025, 6, 30))], D(2028, 6, 30)),
        # From 1 July 2025, clinician-taken: 5 years.
        (D(1990, 6, 15), [neg(D(2025, 7, 1))], D(2030, 7, 1)),
        # A self-sample, or an unrecorded sample taker, keeps 3 years.
        (D(1990, 6, 15), [neg(D(2025, 7, 1), "self")], D(2028, 7, 1)),
        (D(1990, 6, 15), [neg(D(2025, 7, 1), None)], D(2028, 7, 1)),
        # 49 at the test (turns 50 on 2025-09-02): 5 years from July 2025 only.
        (D(1975, 9, 2), [neg(D(2025, 2, 28))], D(2028, 2, 28)),
        (D(1975, 9, 2), [neg(D(2025, 9, 1))], D(2030, 9, 1)),
        # 50 at the test: 5 years either side of July 2025.
        (D(1975, 3, 1), [neg(D(2025, 3, 1))], D(2030, 3, 1)),
        (D(1975, 3, 1), [neg(D(2025, 3, 1), "self")], D(2030, 3, 1)),
        # 24.5 on 2025-08-10: the extended interval starts there.
        (D(2001, 2, 10), [neg(D(2025, 8, 9))], D(2028, 8, 9)),
        (D(2001, 2, 10), [neg(D(2025, 8, 10))], D(2030, 8, 10)),
        # A test at 24, before July 2025: recalled as 25-49.
        (D(2000, 1, 1), [neg(D(2024, 1, 1))], D(2027, 1, 1)),
        # Recent uncleared HPV positive keeps 3 years (the 12-month repeat coming back negative).
        (D(1990, 6, 15), [pos(D(2024, 9, 1)), neg(D(2025, 9, 2))], D(2028, 9, 2)),
        # ... cleared by an earlier clinician-taken negative: 5 years.
        (
            D(1990, 6, 15),
            [pos(D(2021, 9, 1)), neg(D(2022, 9, 5)), neg(D(2025, 9, 8))],
            D(2030, 9, 8),
        ),
        # ... a self-sampled negative does not clear it.
        (
            D(1990, 6, 15),
            [pos(D(2021, 9, 1)), neg(D(2022, 9, 5), "self"), neg(D(2025, 9, 8))],
            D(2028, 9, 8),
        ),
        # ... a positive exactly 5 years before is not recent; a day later it is.
        (D(1990, 6, 15), [pos(D(2020, 9, 8)), neg(D(2025, 9, 8))], D(2030, 9, 8)),
        (D(1990, 6, 15), [pos(D(2020, 9, 9)), neg(D(2025, 9, 8))], D(2028, 9, 8)),
        # The latest test counts, in whatever order the tests come.
        (D(1990, 6, 15), [neg(D(2025, 9, 1)), pos(D(2024, 8, 20))], D(2028, 9, 1)),
        # Repeats: 12 and 3 months (clamped), at any age.
        (D(1990, 6, 15), [pos(D(2024, 3, 15))], D(2025, 3, 15)),
        (D(1990, 6, 15), [unavailable(D(2024, 11, 30))], D(2025, 2, 28)),
        (D(1955, 1, 1), [pos(D(2021, 1, 1))], D(2022, 1, 1)),
        # Colposcopy manages what comes next.
        (D(1990, 6, 15), [pos(D(2024, 3, 15), "high_grade")], None),
        (D(1990, 6, 15), [pos(D(2023, 3, 1)), pos(D(2024, 3, 4)), pos(D(2025, 3, 5))], None),
        # Routine recall ends at 65: recall due at 64 is kept, at 65 or past it is not.
        (D(1962, 5, 10), [neg(D(2022, 5, 9))], D(2027, 5, 9)),
        (D(1962, 5, 10), [neg(D(2022, 5, 10))], None),
        (D(1962, 5, 10), [neg(D(2024, 5, 10))], None),
        (D(1955, 1, 1), [neg(D(2021, 1, 1))], None),
    ],
)
def test_next_test_due(dob: date, tests: list[TestResult], due: date | None) -> None:
    assert next_test_due(P, date_of_birth=dob, tests=tests) == due


# --- follow-ups --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("action", "taken_on", "followup"),
    [
        ("repeat_12_months", D(2024, 1, 31), ("repeat_test", D(2025, 1, 31))),
        ("repeat_3_months", D(2024, 11, 30), ("repeat_test", D(2025, 2, 28))),
        ("colposcopy_2_weeks", D(2024, 12, 20), ("colposcopy", D(2025, 1, 3))),
        ("colposcopy_6_weeks", D(2024, 12, 20), ("colposcopy", D(2025, 1, 31))),
        ("routine_recall", D(2024, 12, 20), None),
    ],
)
def test_followup_for_action(
    action: str, taken_on: date, followup: tuple[str, date] | None
) -> None:
    assert followup_for_action(P, action, taken_on) == followup


def test_followup_for_an_unknown_action_is_refused() -> None:
    with pytest.raises(ValueError):
        followup_for_action(P, "repeat_6_months", D(2024, 1, 1))


# --- properties --------------------------------------------------------------------------


def plus_years(day: date, years: int) -> date:
    """The same day ``years`` later; 29 February becomes 28 February in a non-leap year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


days = st.dates(min_value=D(2019, 12, 1), max_value=D(2040, 12, 31))
births = st.dates(min_value=D(1940, 1, 1), max_value=D(2010, 12, 31))
valid_results = st.one_of(
    st.tuples(st.sampled_from(["negative", "unavailable"]), st.none()),
    st.tuples(
        st.sampled_from(["positive", None]),
        st.sampled_from(
            [
                "normal",
                "borderline",
                "low_grade",
                "high_grade",
                "invasive",
                "glandular",
                "inadequate",
            ]
        ),
    ),
)
test_results = st.builds(
    lambda day, hpv_cytology, sample: result(day, hpv_cytology[0], hpv_cytology[1], sample),
    days,
    valid_results,
    st.sampled_from(["clinician", "self", None]),
)


@given(dob=births, tests=st.lists(test_results, min_size=1, max_size=6))
def test_next_due_is_never_before_the_latest_test(dob: date, tests: list[TestResult]) -> None:
    due = next_test_due(P, date_of_birth=dob, tests=tests)
    assert due is None or due > max(test.taken_on for test in tests)


@given(
    taken_on=st.dates(min_value=D(2025, 7, 1), max_value=D(2045, 12, 31)),
    days_old=st.integers(0, 364),
)
def test_clinician_negative_at_30_from_july_2025_recalls_in_exactly_5_years(
    taken_on: date, days_old: int
) -> None:
    dob = plus_years(taken_on, -30) - timedelta(days=days_old)
    assume(age_on(dob, taken_on) == 30)
    due = next_test_due(P, date_of_birth=dob, tests=[neg(taken_on)])
    assert due == plus_years(taken_on, 5)


@given(
    taken_on=st.dates(min_value=D(2019, 12, 1), max_value=D(2025, 6, 30)),
    age=st.integers(25, 49),
    sample=st.sampled_from(["clinician", "self", None]),
)
def test_negative_at_25_to_49_before_july_2025_recalls_in_3_years(
    taken_on: date, age: int, sample: str | None
) -> None:
    dob = plus_years(taken_on, -age)
    due = next_test_due(P, date_of_birth=dob, tests=[neg(taken_on, sample)])
    assert due == plus_years(taken_on, 3)


@given(taken_on=days, age=st.integers(25, 49))
def test_a_self_sample_at_25_to_49_always_recalls_in_3_years(taken_on: date, age: int) -> None:
    dob = plus_years(taken_on, -age)
    due = next_test_due(P, date_of_birth=dob, tests=[neg(taken_on, "self")])
    assert due == plus_years(taken_on, 3)


@given(dob=births, day=days, taken_on=days, later=st.integers(0, 2500))
def test_a_later_test_within_the_window_still_covers(
    dob: date, day: date, taken_on: date, later: int
) -> None:
    moved = min(taken_on + timedelta(days=later), day)
    assume(taken_on <= day)
    if is_covered(P, date_of_birth=dob, tests=[neg(taken_on)], day=day):
        assert is_covered(P, date_of_birth=dob, tests=[neg(moved)], day=day)


@given(dob=births, day=days, tests=st.lists(test_results, max_size=4), extra=test_results)
def test_another_test_never_uncovers(
    dob: date, day: date, tests: list[TestResult], extra: TestResult
) -> None:
    if is_covered(P, date_of_birth=dob, tests=tests, day=day):
        assert is_covered(P, date_of_birth=dob, tests=[*tests, extra], day=day)


@given(dob=births, day=days, years=st.integers(0, 90))
def test_age_matches_the_month_arithmetic_sql_can_use(dob: date, day: date, years: int) -> None:
    assert (age_on(dob, day) >= years) == (dob <= add_months(day, -12 * years))
