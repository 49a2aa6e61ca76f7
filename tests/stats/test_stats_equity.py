"""Who is being missed: coverage, uptake and reach broken down by an equity field, worked out
by hand for twelve people in three groups (White British, not stated, declined), with each
group's gap to the site's rate in percentage points."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlmodel import select

from outreach.model import Conversation, Person
from outreach.stats.coverage import coverage_on
from outreach.stats.equity import equity_figures
from outreach.stats.pathway import Reach, Uptake, reach, uptake
from outreach.store.store import Store
from tests.support.equity_cohort import AS_OF, YEAR, build


@pytest.fixture
def cohort(empty_store: Store) -> Store:
    build(empty_store)
    return empty_store


def _rows(store: Store, measure: str) -> dict[str, tuple[int, int, float | None]]:
    figures = equity_figures(store, "ethnicity", as_of=AS_OF, period=YEAR)
    found = next(m for m in figures.measures if m.key == measure)
    return {
        g.code: (g.numerator, g.denominator, None if g.gap is None else round(g.gap, 3))
        for g in found.groups
        if g.denominator
    }


def test_coverage_by_ethnic_group_with_the_gap_to_the_site(cohort: Store) -> None:
    # Site: 5 of 10 = 50%. White British 2/4 = 50% (0); not stated 1/3 = 33.333% (-16.667);
    # declined 2/3 = 66.667% (+16.667).
    assert _rows(cohort, "coverage") == {
        "white_british": (2, 4, 0.0),
        "not_stated": (1, 3, -16.667),
        "declined": (2, 3, 16.667),
    }


def test_uptake_by_ethnic_group_with_the_gap_to_the_site(cohort: Store) -> None:
    # Site: 2 tested of 5 offers whose window ended or were tested = 40% (P12 pending).
    # White British 1/3 = 33.333% (-6.667); not stated 0/1 (-40); declined 1/1 (+60).
    assert _rows(cohort, "uptake") == {
        "white_british": (1, 3, -6.667),
        "not_stated": (0, 1, -40.0),
        "declined": (1, 1, 60.0),
    }


def _talk(store: Store, ref: str, day: date, kind: str = "one_to_one") -> None:
    with store.write() as session:
        person_id = session.exec(select(Person.id).where(Person.ref == ref)).one()
        session.add(
            Conversation(
                occurred_on=day,
                kind=kind,
                person_id=person_id if kind == "one_to_one" else None,
                attendees=1 if kind == "one_to_one" else 5,
                setting="wing",
                outcome="booked",
                minutes=20,
                created_at=datetime(2025, 1, 1, tzinfo=UTC),
            )
        )


def test_reach_by_ethnic_group_with_the_gap_to_the_site(cohort: Store) -> None:
    # Eligible and not covered on some check day of 2025: White British P3, P4; not stated P7
    # (test too old), P8 (P9 left on 1 January 2025, before the first check); declined P10
    # (uncovered on 1 January, tested in February) and P12. Six people.
    _talk(cohort, "P3", date(2025, 3, 10))
    _talk(cohort, "P4", date(2025, 11, 2))
    _talk(cohort, "P8", date(2025, 5, 1))
    _talk(cohort, "P12", date(2024, 12, 20))  # before the period: not reached in 2025
    _talk(cohort, "P7", date(2025, 6, 1), kind="group")  # a group session is not one-to-one
    _talk(cohort, "P1", date(2025, 6, 1))  # covered all year: not in the denominator
    # Site 3 of 6 = 50%. White British 2/2 = 100% (+50); not stated 1/2 = 50% (0);
    # declined 0/2 = 0% (-50).
    assert _rows(cohort, "reach") == {
        "white_british": (2, 2, 50.0),
        "not_stated": (1, 2, 0.0),
        "declined": (0, 2, -50.0),
    }
    with cohort.read() as session:
        assert reach(session, YEAR, as_of=AS_OF) == Reach(uncovered=6, reached=3)


def test_the_groups_add_up_to_the_dashboards_figures(cohort: Store) -> None:
    _talk(cohort, "P8", date(2025, 5, 1))
    figures = equity_figures(cohort, "ethnicity", as_of=AS_OF, period=YEAR)
    cover, offers, reached = figures.measures
    with cohort.read() as session:
        site = coverage_on(session, AS_OF)
        assert uptake(session, YEAR, as_of=AS_OF) == Uptake(offers=6, tested=2, untested=3)
        assert reach(session, YEAR, as_of=AS_OF) == Reach(uncovered=6, reached=1)
    assert (cover.numerator, cover.denominator) == (site.covered, site.eligible) == (5, 10)
    assert (offers.numerator, offers.denominator) == (2, 5)
    assert (reached.numerator, reached.denominator) == (1, 6)
    # Every one of the 21 codes is listed, empty groups with no rate and no gap.
    assert len(cover.groups) == 21
    empty = next(g for g in cover.groups if g.code == "asian_indian")
    assert (empty.numerator, empty.denominator, empty.rate, empty.gap) == (0, 0, None, None)


def test_who_is_missed_lists_groups_below_the_site_biggest_gap_first(cohort: Store) -> None:
    missed = equity_figures(cohort, "ethnicity", as_of=AS_OF, period=YEAR).missed()
    assert [(m.measure, m.group.label, round(m.group.gap or 0, 3)) for m in missed] == [
        ("Uptake", "Not stated", -40.0),
        ("Coverage", "Not stated", -16.667),
        ("Uptake", "English, Welsh, Scottish, Northern Irish or British", -6.667),
    ]


def test_a_field_nobody_has_answered_is_all_not_stated(cohort: Store) -> None:
    assert _rows(cohort, "coverage") != {}
    figures = equity_figures(cohort, "interpreter", as_of=AS_OF, period=YEAR)
    cover = figures.measures[0]
    assert [(g.code, g.numerator, g.denominator, g.gap) for g in cover.groups] == [
        ("yes", 0, 0, None),
        ("no", 0, 0, None),
        ("not_stated", 5, 10, 0.0),
        ("declined", 0, 0, None),
    ]
    assert figures.missed() == []
