"""The dashboard read on two connections agrees with one read in a single transaction."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import Session

from outreach.rules.programme import load_programme
from outreach.stats import dashboard as board
from outreach.stats.activity import FollowUps
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
