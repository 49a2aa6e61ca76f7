"""Cervical screening rules as pure functions: ages, eligibility, coverage, result -> action,
next test due and the follow-up a result asks for. Every number comes from the programme file.

Conventions shared with anything that computes the same measures in SQL:

- Age is in whole years (``age_on``); someone born on 29 February turns a year older on
  1 March in a non-leap year. Equivalently, ``age_on(dob, day) >= n`` exactly when
  ``dob <= add_months(day, -12 * n)``, so "aged 25 to 64 on day" is
  ``add_months(day, -780) < dob <= add_months(day, -300)``.
- Months are calendar months clamped to the month end (``add_months``): 31 August minus
  6 months is 28 (or 29) February, never 2 or 3 March as SQLite's ``date(..., '-6 months')``
  gives.
- A coverage window on ``day`` is ``add_months(day, -coverage_months) < taken_on <= day``:
  the start is excluded and ``day`` itself is included.
"""

from __future__ import annotations

import calendar
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from typing import ClassVar

from outreach.model.enums import (
    Cytology,
    FollowUpReason,
    HasCervix,
    HpvResult,
    ResultAction,
    SampleTaker,
)
from outreach.rules.programme import AgeBand, ExtendedRecall, Programme

_REPEATS = (ResultAction.repeat_12_months, ResultAction.repeat_3_months)
_COLPOSCOPY = (ResultAction.colposcopy_2_weeks, ResultAction.colposcopy_6_weeks)


def age_on(date_of_birth: date, day: date) -> int:
    """Age in whole years on ``day``; a 29 February birthday counts from 1 March in non-leap
    years. Negative for a day before the birth."""
    before_birthday = (day.month, day.day) < (date_of_birth.month, date_of_birth.day)
    return day.year - date_of_birth.year - before_birthday


def add_months(day: date, months: int) -> date:
    """``day`` moved by ``months`` calendar months (negative moves back), the day clamped to
    the last day of the month reached: add_months(2024-01-31, 1) is 2024-02-29."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return date(year, month + 1, min(day.day, last))


def age_band(programme: Programme, age: int) -> str | None:
    """The key of the programme's age band holding ``age`` ("25-49", "50-64"), or None outside
    the eligible ages."""
    band = _band(programme, age)
    return band.key if band else None


def is_eligible(
    programme: Programme,
    *,
    date_of_birth: date,
    has_cervix: str,
    ceased_clinically: bool,
    day: date,
) -> bool:
    """Whether the programme counts this person as eligible on ``day``: it applies to them
    (``has_cervix`` "yes" or "unknown"; "no" never), they are not clinically ceased, and their
    age on ``day`` is within the eligible ages (25 to 64 inclusive). Residency is the caller's
    to check. Raises ValueError for a ``has_cervix`` that is not a HasCervix value."""
    applies = HasCervix(has_cervix) != HasCervix.no
    if not applies or ceased_clinically:
        return False
    return _band(programme, age_on(date_of_birth, day)) is not None


ADEQUATE_HPV = (HpvResult.negative, HpvResult.positive)
"""HPV results that make a test adequate; any other HPV result makes it inadequate, whatever
its cytology (``TestResult.is_adequate``; in SQL, ``outreach.queries.adequate_test``)."""


@dataclass(frozen=True)
class TestResult:
    """One screening test and its results, as recorded (values of HpvResult, Cytology and
    SampleTaker, or None when not recorded)."""

    __test__: ClassVar[bool] = False  # a domain class, not a pytest test class

    taken_on: date
    hpv: str | None
    cytology: str | None
    sample: str | None

    @property
    def is_adequate(self) -> bool:
        """Whether the test counts for coverage: any HPV negative or positive result, or (for a
        history result with no HPV result) a cytology result other than inadequate. An HPV
        result that is unavailable is never adequate."""
        if self.hpv is not None:
            return self.hpv in ADEQUATE_HPV
        return self.cytology is not None and self.cytology != Cytology.inadequate


def coverage_window_start(programme: Programme, *, date_of_birth: date, day: date) -> date | None:
    """The excluded start of the coverage window on ``day`` for this person's age band
    (``day`` minus 42 or 66 months), or None when their age is outside the eligible ages."""
    band = _band(programme, age_on(date_of_birth, day))
    return add_months(day, -band.coverage_months) if band else None


def is_covered(
    programme: Programme, *, date_of_birth: date, tests: Sequence[TestResult], day: date
) -> bool:
    """Whether someone of eligible age on ``day`` has an adequate test taken after the start of
    their band's coverage window and on or before ``day``. False outside the eligible ages.
    Whether the programme applies to them is ``is_eligible``'s question, not this one's."""
    start = coverage_window_start(programme, date_of_birth=date_of_birth, day=day)
    if start is None:
        return False
    return any(test.is_adequate and start < test.taken_on <= day for test in tests)


def action_for_result(
    programme: Programme, *, result: TestResult, history: Sequence[TestResult]
) -> str:
    """The ResultAction value the programme's result table gives ``result``, after the rules
    for consecutive results. ``history`` holds the person's other tests in any order; only
    those taken before ``result`` are read.

    - The programme's count of consecutive inadequate results (HPV unavailable, or inadequate
      cytology) ending with this one gives the persistent-inadequate action.
    - The count of consecutive HPV positive results with normal cytology ending with this one
      (inadequate results between them skipped) gives the persistent-positive action.

    Raises ValueError for a result with no HPV and no cytology, an HPV positive result with no
    cytology yet, or values outside HpvResult / Cytology.
    """
    action = _single_result_action(programme, result)
    results = programme.results
    earlier = sorted(
        (test for test in history if test.taken_on < result.taken_on),
        key=lambda test: test.taken_on,
        reverse=True,
    )
    if _is_inadequate(result):
        run = 1
        for test in earlier:
            if not _is_inadequate(test):
                break
            run += 1
        if run >= results.persistent_inadequate_count:
            return results.persistent_inadequate_action
    elif _is_positive_normal(result):
        run = 1
        for test in earlier:
            if _is_inadequate(test):
                continue
            if not _is_positive_normal(test):
                break
            run += 1
        if run >= results.persistent_positive_count:
            return results.persistent_positive_action
    return action


def next_test_due(
    programme: Programme,
    *,
    date_of_birth: date,
    tests: Sequence[TestResult],
    day: date | None = None,
) -> date | None:
    """When the next screening test is due, from the latest test and the action it asks for.

    - No tests: the first invitation date (24.5 years), or None when ``day`` is given and the
      person is older than the eligible ages on it.
    - Routine recall: the band's recall by age on the test day (3 years at 49 and under,
      5 years at 50 to 64), or the extended recall (5 years) for an HPV negative result from
      its start date at 24.5 to 49, on a clinician-taken sample, with no recent uncleared HPV
      positive result. None when the test was taken past the eligible ages or the recall falls
      past them: the person leaves routine recall.
    - Repeat actions: the test date plus the repeat's months, at any age.
    - Colposcopy: None; colposcopy manages what comes next.

    A date returned is never before the latest test. Of tests on the same day, the last one
    given counts as the latest. Raises ValueError as ``action_for_result`` does.
    """
    if not tests:
        if day is not None and age_on(date_of_birth, day) > programme.eligibility.max_age:
            return None
        return add_months(date_of_birth, programme.eligibility.first_invitation_months)
    ordered = sorted(tests, key=lambda test: test.taken_on)
    latest, history = ordered[-1], ordered[:-1]
    action = action_for_result(programme, result=latest, history=history)
    if action in _REPEATS:
        return add_months(latest.taken_on, programme.results.repeat_months[action])
    if action != ResultAction.routine_recall:
        return None
    months = _recall_months(programme, date_of_birth, latest, history)
    if months is None:
        return None
    due = add_months(latest.taken_on, months)
    if age_on(date_of_birth, due) > programme.eligibility.max_age:
        return None
    return due


def followup_for_action(
    programme: Programme, action: str, taken_on: date
) -> tuple[str, date] | None:
    """The follow-up a result's action asks for: a FollowUpReason value and its due date.

    Repeat tests -> ("repeat_test", the test date plus the repeat's months); colposcopy ->
    ("colposcopy", the test date plus 14 or 42 days); routine recall -> None. Raises ValueError
    for a value that is not a ResultAction."""
    kind = ResultAction(action)
    if kind in _REPEATS:
        months = programme.results.repeat_months[kind]
        return FollowUpReason.repeat_test.value, add_months(taken_on, months)
    if kind in _COLPOSCOPY:
        days = programme.colposcopy_days[kind]
        return FollowUpReason.colposcopy.value, taken_on + timedelta(days=days)
    return None


def _band(programme: Programme, age: int) -> AgeBand | None:
    return next((band for band in programme.age_bands if band.contains(age)), None)


def _is_inadequate(test: TestResult) -> bool:
    """A sample to repeat in 3 months: HPV unavailable, or inadequate cytology where it is read
    (HPV positive, or no HPV result)."""
    if test.hpv == HpvResult.unavailable:
        return True
    return test.hpv != HpvResult.negative and test.cytology == Cytology.inadequate


def _is_positive_normal(test: TestResult) -> bool:
    return test.hpv == HpvResult.positive and test.cytology == Cytology.normal


def _single_result_action(programme: Programme, result: TestResult) -> str:
    """The result table's action for one result, before the consecutive rules."""
    table = programme.results
    if result.hpv == HpvResult.negative:
        return table.hpv_negative
    if result.hpv == HpvResult.unavailable:
        return table.hpv_unavailable
    if result.hpv not in (HpvResult.positive, None):
        raise ValueError(f"not an HPV result: {result.hpv!r}")
    if result.cytology is None:
        if result.hpv is None:
            raise ValueError(f"the test on {result.taken_on} has no HPV or cytology result")
        raise ValueError(f"the HPV positive test on {result.taken_on} has no cytology result yet")
    by_cytology = table.hpv_positive if result.hpv is not None else table.cytology_only
    if result.cytology not in by_cytology:
        raise ValueError(f"not a cytology result: {result.cytology!r}")
    return by_cytology[result.cytology]


def _recall_months(
    programme: Programme, date_of_birth: date, test: TestResult, history: Sequence[TestResult]
) -> int | None:
    """Months to routine recall after ``test``, or None past the eligible ages."""
    age = age_on(date_of_birth, test.taken_on)
    if age > programme.eligibility.max_age:
        return None
    # A test before the youngest band (from 24.5) recalls as the youngest band does.
    band = _band(programme, age) or programme.age_bands[0]
    rule = programme.extended_recall
    extended = (
        test.hpv == HpvResult.negative
        and test.taken_on >= rule.starts_on
        and add_months(date_of_birth, rule.min_age_months) <= test.taken_on
        and age <= rule.max_age
        and not (rule.self_sample_keeps_routine and test.sample != SampleTaker.clinician)
        and not (rule.recent_positive_keeps_routine and _recent_positive(rule, test, history))
    )
    return max(band.recall_months, rule.recall_months) if extended else band.recall_months


def _recent_positive(rule: ExtendedRecall, test: TestResult, history: Sequence[TestResult]) -> bool:
    """An HPV positive result less than ``recent_positive_months`` before ``test`` and not
    followed, before ``test``, by an HPV negative clinician-taken sample (the protocol's
    "recent hrHPV positive history"; one exactly 5 years before is not recent)."""
    since = add_months(test.taken_on, -rule.recent_positive_months)
    cleared_on = [
        other.taken_on
        for other in history
        if other.hpv == HpvResult.negative
        and other.sample == SampleTaker.clinician
        and other.taken_on < test.taken_on
    ]
    return any(
        other.hpv == HpvResult.positive
        and since < other.taken_on < test.taken_on
        and not any(other.taken_on < cleared < test.taken_on for cleared in cleared_on)
        for other in history
    )
