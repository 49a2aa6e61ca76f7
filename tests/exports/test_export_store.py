"""The export tests' store holds what tests/support/export_store.py says it holds, and the
table the export builds from it has the figures worked out there by hand."""

from __future__ import annotations

from sqlmodel import select

from outreach.exports.builder import build_table
from outreach.exports.rows import TOTAL, Kind
from outreach.model import Person
from outreach.stats.period import Period
from outreach.store.store import Store
from tests.support.export_store import ALDER, AS_OF, BIRCH, MENTOR_NAME, PERIOD, person_name


def test_the_table_counts_coverage_at_the_end_of_the_period(filled_store: Store) -> None:
    with filled_store.read() as session:
        table = build_table(session, Period.parse(PERIOD), as_of=AS_OF)
    coverage = [r for r in table.rows if r.measure == "coverage"]
    assert [(r.breakdown, r.category, r.numerator, r.denominator) for r in coverage] == [
        (TOTAL, "all", 30, 43),
        # Born 1965 + i % 30: 25-49 on 2024-09-30 are i = 10-29 and 40-42 (born 1975 or
        # later) and i = 9 (born 1974-10-10, still 49); residents 0-29 are the covered ones.
        ("age_band", "25-49", 21, 24),
        ("age_band", "50-64", 9, 19),
        ("unit", ALDER, 30, 40),
        ("unit", BIRCH, 0, 3),
    ]


def test_the_trend_runs_over_the_period_and_the_twelve_months_before(
    filled_store: Store,
) -> None:
    with filled_store.read() as session:
        table = build_table(session, Period.parse(PERIOD), as_of=AS_OF)
    months = [r.category for r in table.rows if r.measure == "coverage_trend"]
    assert months[0] == "2023-07" and months[-1] == "2024-09" and len(months) == 15


def test_the_table_holds_no_mentor_breakdown(filled_store: Store) -> None:
    with filled_store.read() as session:
        table = build_table(session, Period.parse(PERIOD), as_of=AS_OF)
    assert all(row.breakdown != "mentor" for row in table.rows)
    assert all(MENTOR_NAME not in row.category for row in table.rows)


def test_uptake_counts_tested_offers_against_resolved_offers(filled_store: Store) -> None:
    with filled_store.read() as session:
        table = build_table(session, Period.parse(PERIOD), as_of=AS_OF)
    [uptake] = [r for r in table.rows if r.measure == "uptake"]
    # 10 offers on 2024-07-03; 6 tested by 2024-10-01; the other 4 still within 183 days.
    assert (uptake.kind, uptake.numerator, uptake.denominator) == (Kind.rate, 6, 6)
    assert (uptake.initial_population, uptake.exclusions) == (10, 4)


def test_the_store_holds_the_identifying_texts_the_export_must_not(filled_store: Store) -> None:
    with filled_store.read() as session:
        names = {p.display_name for p in session.exec(select(Person))}
    assert person_name(0) in names and len(names) == 43
