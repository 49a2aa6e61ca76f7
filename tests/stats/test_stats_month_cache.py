"""The coverage cells of ended months kept in the store (outreach.stats.month_cache) are what
counting afresh gives, after any write: back-dated arrivals, leavings, tests, ceasings and
birth-date corrections, imports and their undo; a conversation keeps every kept month."""

from __future__ import annotations

import calendar
from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from freezegun import freeze_time
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from outreach.errors import ValidationError
from outreach.exports.preview import published_summary
from outreach.imports.pipeline import import_people
from outreach.imports.undo import UndoRefused, undo_import
from outreach.rules.programme import load_programme
from outreach.services.conversations import LogConversation, log_conversation
from outreach.services.mentors import AddMentor, add_mentor
from outreach.services.people import (
    AddPerson,
    RecordLeaving,
    UpdatePerson,
    add_person,
    record_leaving,
    update_person,
)
from outreach.services.screening import RecordScreeningEvent, record_screening_event
from outreach.stats.checks import check
from outreach.stats.coverage import coverage_trend, month_end_days
from outreach.stats.dashboard import dashboard
from outreach.stats.month_cache import DAYS_AT_ONCE, check_with_kept, verify
from outreach.stats.pathway import reach_checks
from outreach.stats.period import Period
from outreach.store.store import Store
from tests.conftest import PASSPHRASE

TODAY = date(2024, 6, 14)
MONTH = Period.containing(TODAY, "month")
FROZEN = {"ignore": ["concurrent"]}


def kept_days(store: Store) -> list[str]:
    with store.read() as session:
        return [str(r[0]) for r in session.execute(text("SELECT day FROM month_coverage"))]


def trend_afresh(store: Store) -> list[tuple[int, int]]:
    with store.read() as session:
        return [(c.eligible, c.covered) for c in coverage_trend(session, TODAY)]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    folder: Path = tmp_path_factory.mktemp("months") / "store"
    with freeze_time(TODAY, **FROZEN):
        opened, _ = Store.init(folder, site_name="HMP Test", admin="ana", passphrase=PASSPHRASE)
        add_mentor(opened, AddMentor(name="Maya Lee"))
        for n in range(4):
            add_person(
                opened,
                AddPerson(
                    ref=f"P{n}",
                    display_name=f"Person {n}",
                    date_of_birth=date(1970 + 8 * n, 3, 1),
                    has_cervix="yes",
                    unit="Wing A" if n % 2 else "Wing B",
                    arrived_on=date(2023, 1 + n, 10),
                ),
            )
    try:
        yield opened
    finally:
        opened.close()


people = st.integers(0, 5).map(lambda n: f"P{n}")
days_back = st.integers(0, 500).map(lambda n: TODAY - timedelta(days=n))
writes = st.one_of(
    st.tuples(st.just("arrive"), st.integers(1960, 1999), days_back, st.booleans()),
    st.tuples(st.just("test"), people, days_back, st.sampled_from(["negative", "positive"])),
    st.tuples(st.just("cease"), people, days_back, st.sampled_from(["no_cervix", "other"])),
    st.tuples(st.just("leave"), people, days_back),
    st.tuples(st.just("born"), people, st.integers(1955, 2000)),
    st.tuples(st.just("talk"), people),
    st.tuples(st.just("import"), days_back, st.integers(1960, 1999)),
    st.tuples(st.just("undo")),
)
counter = [0]


def apply(store: Store, write: tuple[object, ...]) -> None:
    """Make one write; one a service refuses (a person unknown, a date out of order) is
    skipped, as a person would be told and try again."""
    kind = write[0]
    counter[0] += 1
    ref = str(write[1]) if len(write) > 1 else ""
    on = write[2] if len(write) > 2 and isinstance(write[2], date) else TODAY
    try:
        if kind == "arrive":
            year, wing = int(str(write[1])), bool(write[3])
            add_person(
                store,
                AddPerson(
                    ref=f"Q{counter[0]}",
                    display_name=f"Newcomer {counter[0]}",
                    date_of_birth=date(year, 5, 17),
                    has_cervix="yes",
                    unit="Wing A" if wing else "Wing C",
                    arrived_on=on,
                ),
            )
        elif kind == "test":
            record_screening_event(
                store,
                RecordScreeningEvent(
                    person_ref=ref,
                    occurred_on=on,
                    event="test",
                    hpv=str(write[3]),
                    sample="clinician",
                ),
            )
        elif kind == "cease":
            record_screening_event(
                store,
                RecordScreeningEvent(
                    person_ref=ref, occurred_on=on, event="ceased", reason=str(write[3])
                ),
            )
        elif kind == "leave":
            record_leaving(store, RecordLeaving(person_ref=ref, left_on=on, left_reason="released"))
        elif kind == "born":
            born = date(int(str(write[2])), 2, 2)
            update_person(store, UpdatePerson(person_ref=ref, date_of_birth=born))
        elif kind == "talk":
            before = kept_days(store)
            log_conversation(
                store,
                LogConversation(
                    occurred_on=TODAY,
                    kind="one_to_one",
                    mentors=["Maya Lee"],
                    setting="wing",
                    outcome="booked",
                    person_ref=ref,
                ),
            )
            assert kept_days(store) == before  # a conversation today keeps every month
        elif kind == "import":
            csv = (
                "ref,name,date_of_birth,arrived,unit\n"
                f"I{counter[0]},Imported {counter[0]},{write[2]}-08-08,{write[1]},Wing A\n"
            )
            import_people(store, csv.encode())
        else:
            undo_import(store)
    except (ValidationError, UndoRefused):
        pass


@pytest.mark.slow
@settings(
    max_examples=20,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=st.lists(writes, min_size=1, max_size=4))
def test_kept_months_are_what_counting_afresh_gives(
    store: Store, steps: list[tuple[object, ...]]
) -> None:
    with freeze_time(TODAY, **FROZEN):
        for write in steps:
            apply(store, write)
            board = dashboard(store, as_of=TODAY, period=MONTH)
            # What the dashboard showed (kept months read, the rest counted) is the count.
            assert [(c.eligible, c.covered) for c in board.trend] == trend_afresh(store)
            # Every ended month end is kept now, and each agrees with counting afresh.
            assert len(kept_days(store)) == 11
            with store.read() as session:
                count, wrong = verify(session, load_programme())
            assert (count, wrong) == (11, [])


def test_a_back_dated_test_drops_the_month_ends_from_its_date(tmp_path: Path) -> None:
    with freeze_time(TODAY, **FROZEN):
        store, _ = Store.init(
            tmp_path / "s", site_name="HMP Test", admin="ana", passphrase=PASSPHRASE
        )
        try:
            add_person(
                store,
                AddPerson(
                    ref="A1",
                    display_name="Ada",
                    date_of_birth=date(1980, 1, 1),
                    has_cervix="yes",
                    arrived_on=date(2023, 1, 1),
                ),
            )
            dashboard(store, as_of=TODAY, period=MONTH)
            # Month ends July 2023 to May 2024: eleven, kept, nobody covered.
            assert len(kept_days(store)) == 11
            record_screening_event(
                store,
                RecordScreeningEvent(
                    person_ref="A1",
                    occurred_on=date(2024, 2, 10),
                    event="test",
                    hpv="negative",
                    sample="clinician",
                ),
            )
            # Month ends before 10 February 2024 stay; February to May are gone.
            assert sorted(kept_days(store)) == [
                "2023-07-31",
                "2023-08-31",
                "2023-09-30",
                "2023-10-31",
                "2023-11-30",
                "2023-12-31",
                "2024-01-31",
            ]
            board = dashboard(store, as_of=TODAY, period=MONTH)
            assert [c.covered for c in board.trend] == [0] * 7 + [1] * 5
        finally:
            store.close()


def test_a_kept_month_that_differs_from_counting_is_named(tmp_path: Path) -> None:
    with freeze_time(TODAY, **FROZEN):
        store, _ = Store.init(
            tmp_path / "s", site_name="HMP Test", admin="ana", passphrase=PASSPHRASE
        )
        try:
            add_person(
                store,
                AddPerson(
                    ref="A1",
                    display_name="Ada",
                    date_of_birth=date(1980, 1, 1),
                    has_cervix="yes",
                    arrived_on=date(2023, 1, 1),
                ),
            )
            dashboard(store, as_of=TODAY, period=MONTH)
            with store.write() as session:
                session.execute(
                    text("UPDATE month_coverage SET cells = '[]' WHERE day = '2024-01-31'")
                )
            with store.read() as session:
                assert verify(session, load_programme()) == (11, [date(2024, 1, 31)])
        finally:
            store.close()


def _one_resident_store(folder: Path) -> Store:
    store, _ = Store.init(folder, site_name="HMP Test", admin="ana", passphrase=PASSPHRASE)
    add_person(
        store,
        AddPerson(
            ref="A1",
            display_name="Ada",
            date_of_birth=date(1980, 1, 1),
            has_cervix="yes",
            arrived_on=date(2021, 1, 1),
        ),
    )
    return store


def test_keeping_month_ends_writes_no_audit_row_and_is_no_commit(tmp_path: Path) -> None:
    with freeze_time(TODAY, **FROZEN):
        store = _one_resident_store(tmp_path / "s")
        try:
            with store.read() as session:
                audit_rows = session.execute(text("SELECT count(*) FROM audit")).scalar_one()
            commits = store.commits
            dashboard(store, as_of=TODAY, period=MONTH)
            assert len(kept_days(store)) == 11
            with store.read() as session:
                assert session.execute(text("SELECT count(*) FROM audit")).scalar_one() == (
                    audit_rows
                )
            assert store.commits == commits
        finally:
            store.close()


def test_an_export_keeps_the_month_ends_of_its_trend_and_reads_them_back(
    tmp_path: Path,
) -> None:
    with freeze_time(TODAY, **FROZEN):
        store = _one_resident_store(tmp_path / "s")
        try:
            first = published_summary(store, period="2023", as_of=TODAY)
            # The year's 12 month ends and the 12 before it, all ended on 14 June 2024.
            assert sorted(kept_days(store)) == [
                f"{year}-{month:02d}-{calendar.monthrange(year, month)[1]:02d}"
                for year in (2022, 2023)
                for month in range(1, 13)
            ]
            with store.read() as session:
                assert verify(session, load_programme()) == (24, [])
            # Read back from the kept cells, the figures are the same.
            assert published_summary(store, period="2023", as_of=TODAY) == first
        finally:
            store.close()


def test_month_ends_counted_a_few_at_a_time_give_what_one_statement_gives(
    store: Store,
) -> None:
    # Nothing kept: the 11 ended month ends and today are counted DAYS_AT_ONCE at a time,
    # and reach on its own (month_cache._in_parts), rather than in one statement.
    programme = load_programme()
    days = month_end_days(TODAY, 12)
    asked = reach_checks(Period.year(2024), TODAY)
    with freeze_time(TODAY, **FROZEN):
        with store.write(derived=True) as session:
            session.execute(text("DELETE FROM month_coverage"))
        with store.read() as session:
            parts = check_with_kept(
                session, programme=programme, trend_days=days, today=TODAY, **asked
            )
            whole = check(session, programme=programme, trend_days=days, **asked)
    assert len(days) > DAYS_AT_ONCE
    assert sorted(parts.checked.cells, key=str) == sorted(whole.cells, key=str)
    assert (parts.checked.uncovered, parts.checked.reached) == (whole.uncovered, whole.reached)
    # Every ended month end is among the cells to keep, counted now.
    assert sorted(parts.fresh) == days[:-1]
    # One day of the trend to count, beside a year's reach (13 check days): apart, too.
    with store.read() as session:
        one = check_with_kept(
            session, programme=programme, trend_days=days[-1:], today=TODAY, **asked
        )
        whole = check(session, programme=programme, trend_days=days[-1:], **asked)
    assert sorted(one.checked.cells, key=str) == sorted(whole.cells, key=str)
    assert (one.checked.uncovered, one.checked.reached) == (whole.uncovered, whole.reached)
    assert one.checked.cells and one.checked.reached + one.checked.uncovered > 0
