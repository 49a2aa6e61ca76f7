"""The dashboard read on two connections agrees with one read in a single transaction."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import text
from sqlmodel import Session

from outreach.rules.programme import load_programme
from outreach.stats import dashboard as board
from outreach.stats.activity import FollowUps, months_to_count
from outreach.stats.checks import Checked
from outreach.stats.pathway import Colposcopy
from outreach.stats.period import Period
from outreach.store.store import Store
from tests.support.cohort import Cohort
from tests.support.stores import clear

AS_OF = date(2024, 3, 31)
Q1 = Period.parse("2024-Q1")


@pytest.fixture(scope="module")
def built(shared_store: Store) -> Store:
    clear(shared_store)
    with shared_store.write() as session:
        c = Cohort(session)
        c.person(date(1990, 1, 1), tests=[(date(2023, 6, 1), "negative", None)])
        c.person(date(1990, 1, 1))
        c.person(date(1960, 5, 5), stays=((date(2024, 2, 10), None, "B"),))
    return shared_store


def _one_read_after_another(session: Session) -> board.Dashboard:
    """The dashboard read inside ``session``, every statement in turn: what the dashboard's
    read on a second connection must agree with."""
    programme = load_programme()
    return board._dashboard(
        session, AS_OF, Q1, programme, lambda: board._aside_in(session, AS_OF, Q1, programme)
    )


def test_the_dashboard_matches_one_sequential_read(built: Store) -> None:
    got = board.dashboard(built, as_of=AS_OF, period=Q1)
    with built.read() as session:
        expected = _one_read_after_another(session)
    assert got == expected
    # Three eligible on 31 March, one covered; the two uncovered were never talked to.
    assert (got.coverage.eligible, got.coverage.covered) == (3, 1)
    assert (got.reach.uncovered, got.reach.reached) == (2, 0)


def test_checks_read_after_a_save_are_read_again(
    built: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    def after_a_save(*args: object) -> tuple[int, board._Aside]:
        # A later state of the store (a newer audit row) with figures that must not be used.
        return 10**9, board._Aside(
            checks=Checked([], 99, 99),
            follow_ups=FollowUps(99, 99, 99, 99, 99),
            colposcopy=Colposcopy(99, 99, 99, 99),
        )

    monkeypatch.setattr(board, "_aside_read_apart", after_a_save)
    got = board.dashboard(built, as_of=AS_OF, period=Q1)
    with built.read() as session:
        assert got == _one_read_after_another(session)
    assert (got.reach.uncovered, got.reach.reached) == (2, 0)
    assert got.coverage.eligible == 3


def test_the_aside_half_reads_on_one_connection_kept_for_it(built: Store) -> None:
    def aside_connection() -> object:
        with built.read_aside() as session:
            return session.connection().connection.dbapi_connection

    board.dashboard(built, as_of=AS_OF, period=Q1)
    first = aside_connection()
    board.dashboard(built, as_of=AS_OF, period=Q1)
    assert aside_connection() is first
    with built.read() as session:
        assert session.connection().connection.dbapi_connection is not first


YEAR = Period.parse("2024")


def _forget_kept_figures(store: Store) -> None:
    with store.write(derived=True) as session:
        session.execute(text("DELETE FROM month_activity"))
        session.execute(text("DELETE FROM month_coverage"))


def test_months_to_count_are_those_from_the_first_not_kept_to_the_last_day(built: Store) -> None:
    _forget_kept_figures(built)
    programme = load_programme()
    with built.read() as session:
        # Nothing kept: January to the period's last day by as-of.
        assert months_to_count(session, YEAR, as_of=date(2024, 12, 31), programme=programme) == 12
        assert months_to_count(session, YEAR, as_of=date(2024, 6, 15), programme=programme) == 6
        assert months_to_count(session, Q1, as_of=AS_OF, programme=programme) == 3
    board.dashboard(built, as_of=date(2024, 12, 31), period=YEAR)
    with built.read() as session:
        # Every month of 2024 has ended (the clock is past it): all twelve were kept.
        assert months_to_count(session, YEAR, as_of=date(2024, 12, 31), programme=programme) == 0


def test_a_year_counted_afresh_reads_the_aside_half_after_in_the_same_read(
    built: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    _forget_kept_figures(built)
    apart: list[object] = []
    real = board._aside_read_apart

    def counted(*args: object) -> object:
        apart.append(args)
        return real(*args)  # type: ignore[arg-type]

    monkeypatch.setattr(board, "_aside_read_apart", counted)
    as_of = date(2024, 12, 31)
    first = board.dashboard(built, as_of=as_of, period=YEAR)
    # Twelve months to count (more than MONTHS_BESIDE): nothing read on the aside connection.
    assert apart == []
    programme = load_programme()
    with built.read() as session:
        expected = board._dashboard(
            session,
            as_of,
            YEAR,
            programme,
            lambda: board._aside_in(session, as_of, YEAR, programme),
        )
    assert first == expected
    # Its months are kept now: the next one reads the aside half beside, to the same figures.
    assert board.dashboard(built, as_of=as_of, period=YEAR) == expected
    assert len(apart) == 1
    # A quarter's three months are read beside even when none is kept.
    _forget_kept_figures(built)
    board.dashboard(built, as_of=AS_OF, period=Q1)
    assert len(apart) == 2
