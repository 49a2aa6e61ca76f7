"""Twelve people in three ethnic groups (White British, not stated, declined) with tests and
offers, for the hand-worked equity figures (tests/stats/test_stats_equity.py, the CLI and the
export tests)."""

from __future__ import annotations

from datetime import date

from sqlmodel import Session

from outreach.model import Person
from outreach.stats.period import Period
from outreach.store.store import Store
from tests.support.cohort import Cohort

AS_OF = date(2025, 12, 31)
YEAR = Period.year(2025)
BORN = date(1990, 1, 1)  # 35 on AS_OF: a 42-month window, tests after 30 June 2022 count
NEG = "negative"


def _person(c: Cohort, ethnicity: str, **spec: object) -> int:
    person_id = c.person(BORN, **spec)  # type: ignore[arg-type]
    row = c.session.get(Person, person_id)
    assert row is not None
    row.ethnicity = ethnicity
    c.session.add(row)
    return person_id


def _offer(session: Session, c: Cohort, person_id: int, day: date) -> None:
    c.event(person_id, day, "offered")
    session.flush()


def build(store: Store) -> None:
    """Twelve people, resident since 1 January 2024 unless said; each line says why."""
    with store.write() as session:
        c = Cohort(session)
        wb, ns, dec = "white_british", "not_stated", "declined"
        # White British: eligible 4 (P5 has no cervix), covered 2 (P1, P2).
        p1 = _person(c, wb, tests=[(date(2023, 5, 1), NEG, None), (date(2025, 6, 20), NEG, None)])
        _offer(session, c, p1, date(2025, 6, 1))  # tested in 19 days
        _person(c, wb, tests=[(date(2024, 3, 1), NEG, None)])
        p3 = _person(c, wb)
        _offer(session, c, p3, date(2025, 2, 1))  # 183 days passed untested
        p4 = _person(c, wb)
        _offer(session, c, p4, date(2025, 3, 1))  # untested
        _person(c, wb, has_cervix="no")
        # Not stated: eligible 3 (P9 left), covered 1 (P6; P7's test is too old).
        _person(c, ns, tests=[(date(2024, 6, 1), NEG, None)])
        _person(c, ns, tests=[(date(2020, 1, 1), NEG, None)])
        p8 = _person(c, ns)
        _offer(session, c, p8, date(2025, 4, 1))  # untested
        _person(c, ns, stays=[(date(2024, 1, 1), date(2025, 1, 1), "A")])
        # Declined: eligible 3, covered 2 (P10, P11).
        p10 = _person(c, dec, tests=[(date(2025, 2, 1), NEG, None)])
        _offer(session, c, p10, date(2025, 1, 15))  # tested in 17 days
        _person(c, dec, tests=[(date(2024, 12, 1), NEG, None)])
        p12 = _person(c, dec)
        _offer(session, c, p12, date(2025, 12, 1))  # pending: window open on AS_OF
