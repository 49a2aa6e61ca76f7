"""Uptake, reach and colposcopy attendance, worked out by hand."""

from __future__ import annotations

from datetime import UTC, date, datetime

from outreach.model import Conversation
from outreach.rules.programme import load_programme
from outreach.stats.checks import check
from outreach.stats.pathway import colposcopy, reach, reach_check_days, reach_checks, uptake
from outreach.stats.period import Period
from outreach.store.store import Store
from tests.support.cohort import Cohort

CREATED = datetime(2024, 1, 1, tzinfo=UTC)
Q1 = Period.parse("2024-Q1")


def talk(cohort: Cohort, person_id: int | None, day: date, kind: str = "one_to_one") -> None:
    cohort.session.add(
        Conversation(
            occurred_on=day,
            kind=kind,
            person_id=person_id,
            attendees=1 if person_id else 6,
            setting="wing",
            outcome="booked",
            minutes=20,
            created_at=CREATED,
        )
    )


def test_uptake_counts_offers_tested_within_183_days(empty_store: Store) -> None:
    with empty_store.write() as session:
        c = Cohort(session)
        a = c.person(date(1990, 1, 1))
        c.event(a, date(2024, 1, 10), "offered")
        # Tested on the 183rd day: counts.
        c.event(a, date(2024, 7, 11), "test", hpv="negative")
        b = c.person(date(1990, 1, 1))
        c.event(b, date(2024, 1, 10), "offered")
        # Tested on the 184th day: too late -> untested (window passed by as-of).
        c.event(b, date(2024, 7, 12), "test", hpv="negative")
        d = c.person(date(1990, 1, 1))
        c.event(d, date(2024, 3, 1), "offered")
        # Inadequate: does not count; window still open on as-of -> pending.
        c.event(d, date(2024, 3, 5), "test", hpv="unavailable")
        e = c.person(date(1990, 1, 1))
        c.event(e, date(2024, 4, 1), "offered")  # after Q1: not counted
    with empty_store.read() as session:
        got = uptake(session, Q1, as_of=date(2024, 8, 1))
    assert (got.offers, got.tested, got.untested, got.pending) == (3, 1, 1, 1)
    assert got.rate == 50.0


def test_a_test_after_as_of_is_not_seen(empty_store: Store) -> None:
    with empty_store.write() as session:
        c = Cohort(session)
        a = c.person(date(1990, 1, 1))
        c.event(a, date(2024, 1, 10), "offered")
        c.event(a, date(2024, 2, 10), "test", hpv="negative")
    with empty_store.read() as session:
        got = uptake(session, Q1, as_of=date(2024, 2, 1))
    assert (got.offers, got.tested, got.pending) == (1, 0, 1)


def test_reach_check_days_are_the_start_and_month_ends_up_to_as_of() -> None:
    assert reach_check_days(Q1, date(2024, 2, 15)) == [
        date(2024, 1, 1),
        date(2024, 1, 31),
        date(2024, 2, 15),
    ]


def test_reach_counts_the_uncovered_with_a_one_to_one_conversation(empty_store: Store) -> None:
    with empty_store.write() as session:
        c = Cohort(session)
        stay = [(date(2023, 1, 1), None, "A")]
        # Uncovered all quarter, talked to in February: reached.
        a = c.person(date(1990, 1, 1), stays=stay)
        talk(c, a, date(2024, 2, 2))
        # Uncovered, only met in a group session: uncovered, not reached.
        c.person(date(1990, 1, 1), stays=stay)
        talk(c, None, date(2024, 2, 2), kind="group")
        # Covered throughout (tested 2023): not in the denominator even though talked to.
        b = c.person(date(1990, 1, 1), stays=stay, tests=[(date(2023, 6, 1), "negative", None)])
        talk(c, b, date(2024, 2, 2))
        # Arrived 10 Feb uncovered, tested 20 Feb: uncovered on the arrival day, reached.
        d = c.person(date(1990, 1, 1), stays=[(date(2024, 2, 10), None, "B")])
        c.event(d, date(2024, 2, 20), "test", hpv="negative")
        talk(c, d, date(2024, 2, 11))
        # Left on 1 Jan: not resident on any check day.
        c.person(date(1990, 1, 1), stays=[(date(2023, 1, 1), date(2024, 1, 1), "A")])
        # Uncovered, talked to in December 2023 only: uncovered, not reached in Q1.
        e = c.person(date(1990, 1, 1), stays=stay)
        talk(c, e, date(2023, 12, 1))
    with empty_store.read() as session:
        got = reach(session, Q1, as_of=date(2024, 6, 1))
        # Read beside a trend day, by the statement that also counts coverage cells.
        beside = check(
            session,
            programme=load_programme(),
            trend_days=[date(2024, 3, 31)],
            **reach_checks(Q1, date(2024, 6, 1)),
        )
    assert (got.uncovered, got.reached) == (4, 2)
    assert (beside.uncovered, beside.reached) == (4, 2)


def test_colposcopy_attendance_within_2_and_6_weeks(empty_store: Store) -> None:
    with empty_store.write() as session:
        c = Cohort(session)
        for referred, attended in [
            (date(2024, 1, 1), date(2024, 1, 15)),  # day 14: within 2 weeks
            (date(2024, 1, 1), date(2024, 1, 16)),  # day 15: within 6 weeks only
            (date(2024, 1, 1), date(2024, 2, 13)),  # day 43: neither
            (date(2024, 3, 30), None),  # 6 weeks not passed on 1 April: pending
        ]:
            p = c.person(date(1990, 1, 1))
            c.event(p, referred, "colposcopy_referred")
            if attended:
                c.event(p, attended, "colposcopy_attended")
    with empty_store.read() as session:
        got = colposcopy(session, Q1, as_of=date(2024, 4, 1))
    assert (got.referred, got.within_2_weeks, got.within_6_weeks, got.pending) == (4, 1, 2, 1)
