"""The SQL form of "next test due on or before the day" (outreach.queries.recall, read by the
people list's due and overdue filters) gives the answer of the rules' next_test_due on random
people and test histories."""

from __future__ import annotations

import random
import sqlite3
from datetime import date, timedelta

import pytest

from outreach.model import Cytology, HpvResult, SampleTaker
from outreach.queries import next_test_due_by
from outreach.rules.programme import load_programme
from outreach.rules.screening import TestResult, action_for_result, age_on, next_test_due

PROGRAMME = load_programme("cervical-screening")
CASES = 400

SCHEMA = """
CREATE TABLE person (id INTEGER PRIMARY KEY, date_of_birth TEXT);
CREATE TABLE screening_event (
    id INTEGER PRIMARY KEY, person_id INTEGER, programme TEXT, event TEXT,
    occurred_on TEXT, hpv TEXT, cytology TEXT, sample TEXT, action TEXT
);
"""
INSERT_TEST = (
    "INSERT INTO screening_event VALUES (?, 1, 'cervical-screening', 'test', ?, ?, ?, ?, ?)"
)


def _random_test(rng: random.Random, day: date) -> TestResult:
    hpv = rng.choice([HpvResult.negative, HpvResult.positive, HpvResult.unavailable, None])
    # As recorded: a positive HPV result has its cytology, a test without HPV has cytology.
    cytology = rng.choice(list(Cytology)) if hpv in (HpvResult.positive, None) else None
    sample = rng.choice([SampleTaker.clinician, SampleTaker.self, None])
    return TestResult(
        taken_on=day,
        hpv=None if hpv is None else hpv.value,
        cytology=None if cytology is None else cytology.value,
        sample=None if sample is None else sample.value,
    )


def _case(rng: random.Random) -> tuple[date, list[TestResult], date]:
    """A date of birth, one to four tests on different days before ``as_of``, and ``as_of``."""
    born = date(1955, 1, 1) + timedelta(days=rng.randrange(45 * 365))
    as_of = date(2016, 1, 1) + timedelta(days=rng.randrange(14 * 365))
    days = sorted(rng.sample(range(1, 12 * 365), rng.randint(1, 4)), reverse=True)
    tests = [_random_test(rng, as_of - timedelta(days=d)) for d in days]
    return born, [t for t in tests if t.taken_on > born], as_of


def _sql_due(conn: sqlite3.Connection, born: date, tests: list[TestResult], as_of: date) -> bool:
    conn.execute("DELETE FROM person")
    conn.execute("DELETE FROM screening_event")
    conn.execute("INSERT INTO person VALUES (1, ?)", (born.isoformat(),))
    for index, test in enumerate(tests, start=1):
        # Each test keeps the action it was given when recorded, after the ones before it.
        action = action_for_result(PROGRAMME, result=test, history=tests[: index - 1])
        row = (index, test.taken_on.isoformat(), test.hpv, test.cytology, test.sample, action)
        conn.execute(INSERT_TEST, row)
    params = {"as_of": as_of.isoformat(), "programme": "cervical-screening"}
    due = next_test_due_by(PROGRAMME, params)
    query = f"SELECT {due} FROM person p, screening_event lt WHERE p.id = 1 AND lt.id = :latest"
    return bool(conn.execute(query, {**params, "latest": len(tests)}).fetchone()[0])


@pytest.mark.parametrize("seed", range(4))
def test_the_sql_and_the_rules_agree_on_who_is_due_by_the_day(seed: int) -> None:
    rng = random.Random(seed)
    conn = sqlite3.connect(":memory:")
    conn.executescript(SCHEMA)
    ages = PROGRAMME.eligibility
    compared = due = 0
    for _ in range(CASES):
        born, tests, as_of = _case(rng)
        # The filters ask only about people eligible on the day (a next test that would fall
        # past the eligible ages is due on no day they are eligible).
        if not tests or not ages.min_age <= age_on(born, as_of) <= ages.max_age:
            continue
        tests.sort(key=lambda t: t.taken_on)
        expected = next_test_due(PROGRAMME, date_of_birth=born, tests=tests, day=as_of)
        by_rules = expected is not None and expected <= as_of
        assert _sql_due(conn, born, tests, as_of) == by_rules, (born, tests, as_of, expected)
        compared += 1
        due += by_rules
    # Enough cases of each answer to mean something.
    assert compared > CASES // 4
    assert 0 < due < compared


def test_a_routine_recall_three_years_on_is_due_on_its_day_and_not_before() -> None:
    conn = sqlite3.connect(":memory:")
    conn.executescript(SCHEMA)
    # Born 1990-05-10, tested HPV negative by a clinician on 2019-03-01 (before the extended
    # recall began): routine recall at 28 is 36 months, so due on 2022-03-01.
    tests = [TestResult(date(2019, 3, 1), "negative", None, "clinician")]
    born = date(1990, 5, 10)
    assert next_test_due(PROGRAMME, date_of_birth=born, tests=tests) == date(2022, 3, 1)
    assert _sql_due(conn, born, tests, date(2022, 2, 28)) is False
    assert _sql_due(conn, born, tests, date(2022, 3, 1)) is True
