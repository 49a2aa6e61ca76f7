"""When the next test is due, in SQL: :func:`outreach.rules.screening.next_test_due` written
once as SQLite text, for the people list's "due" and "overdue" filters.

The rules' Python is the definition; this is its one SQL form, read from the action stored
with the latest test (what ``action_for_result`` gave it when it was recorded), and
``tests/services/test_recall_sql.py`` holds the two to the same answer on random people and
test histories.
"""

from __future__ import annotations

from typing import Any

from outreach.rules.programme import Programme

_EVENTS = (
    "screening_event {a} WHERE {a}.person_id = {person}.id AND {a}.programme = :programme "
    "AND {a}.event = '{event}'"
)


def add_months_sql(expr: str, months: int) -> str:
    """SQL for :func:`outreach.rules.screening.add_months`: SQLite's ``date()`` rolls 31 August
    + 6 months over into March, so an overflow is pulled back to the last day of the month
    meant."""
    moved = f"date({expr}, '{months:+d} months')"
    return (
        f"(CASE WHEN strftime('%d', {moved}) = strftime('%d', {expr}) THEN {moved} "
        f"ELSE date({expr}, '{months:+d} months', 'start of month', '-1 day') END)"
    )


def age_at_sql(date_of_birth: str, day: str) -> str:
    """SQL for :func:`outreach.rules.screening.age_on`: whole years, birthdays compared as
    mm-dd."""
    return (
        f"(CAST(strftime('%Y', {day}) AS INTEGER) - CAST(strftime('%Y', {date_of_birth}) AS "
        f"INTEGER) - (strftime('%m-%d', {day}) < strftime('%m-%d', {date_of_birth})))"
    )


def next_test_due_by(
    programme: Programme, params: dict[str, Any], *, person: str = "p", test: str = "lt"
) -> str:
    """SQL true when the next test after ``test`` (a ``screening_event`` row: the person's
    latest test) is due on or before ``:as_of``, for the person row ``person``; false when
    no next test is due (colposcopy, or taken past the eligible ages). Adds the parameter it
    needs (``ext_start``) to ``params``; ``:programme`` and ``:as_of`` are the caller's.

    A person whose next test would fall past the eligible ages is not eligible on a day past
    it, which the caller's eligibility test answers."""
    taken = f"{test}.occurred_on"
    age = age_at_sql(f"{person}.date_of_birth", taken)
    rule = programme.extended_recall
    params["ext_start"] = rule.starts_on.isoformat()
    extended = (
        f"({test}.hpv = 'negative' AND {taken} >= :ext_start "
        f"AND {add_months_sql(f'{person}.date_of_birth', rule.min_age_months)} <= {taken} "
        f"AND {age} <= {rule.max_age}"
    )
    if rule.self_sample_keeps_routine:
        extended += f" AND {test}.sample = 'clinician'"
    if rule.recent_positive_keeps_routine:
        since = add_months_sql(taken, -rule.recent_positive_months)
        earlier = _EVENTS.format(a="o", person=person, event="test")
        cleared = _EVENTS.format(a="k", person=person, event="test")
        extended += (
            f" AND NOT EXISTS (SELECT 1 FROM {earlier} "
            f"AND o.hpv = 'positive' AND o.occurred_on < {taken} AND o.occurred_on > {since} "
            f"AND NOT EXISTS (SELECT 1 FROM {cleared} "
            "AND k.hpv = 'negative' AND k.sample = 'clinician' "
            f"AND k.occurred_on > o.occurred_on AND k.occurred_on < {taken}))"
        )
    extended += ")"
    recall = f"CASE WHEN {age} > {programme.eligibility.max_age} THEN 0"
    bands = list(programme.age_bands)
    for index, band in reversed(list(enumerate(bands))):
        longer = max(band.recall_months, rule.recall_months)
        months = (
            f"(CASE WHEN {extended} THEN {add_months_sql(taken, longer)} "
            f"ELSE {add_months_sql(taken, band.recall_months)} END)"
        )
        due = f"{months} <= :as_of"
        recall += f" WHEN {age} >= {band.min_age} THEN {due}" if index else f" ELSE {due} END"
    repeats = " ".join(
        f"WHEN '{action}' THEN {add_months_sql(taken, months)} <= :as_of"
        for action, months in programme.results.repeat_months.items()
    )
    return f"(CASE {test}.action {repeats} WHEN 'routine_recall' THEN ({recall}) ELSE 0 END)"
