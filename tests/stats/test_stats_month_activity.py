"""The conversation counts of ended months kept in the store (outreach.stats.month_activity)
are what counting afresh gives, after any write: conversations logged late, group sessions,
imports and their undo, a conversation moved to another month; a conversation logged today
keeps every kept month and every kept coverage month end."""

from __future__ import annotations

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
from outreach.imports.pipeline import import_conversations
from outreach.imports.undo import UndoRefused, undo_import
from outreach.rules.programme import load_programme
from outreach.services.conversations import LogConversation, log_conversation
from outreach.services.mentors import AddMentor, add_mentor
from outreach.services.people import AddPerson, add_person
from outreach.stats.activity import PeriodFigures, counted_figures
from outreach.stats.dashboard import dashboard
from outreach.stats.month_activity import verify
from outreach.stats.period import Period
from outreach.store.store import Store
from tests.conftest import PASSPHRASE

TODAY = date(2024, 6, 14)
YEAR = Period.containing(TODAY, "year")
FROZEN = {"ignore": ["concurrent"]}
MENTORS = ("Maya Lee", "Dee Hartley")


def kept_months(store: Store) -> list[str]:
    with store.read() as session:
        return [str(r[0]) for r in session.execute(text("SELECT month FROM month_activity"))]


def kept_month_ends(store: Store) -> list[str]:
    with store.read() as session:
        return [str(r[0]) for r in session.execute(text("SELECT day FROM month_coverage"))]


def afresh(store: Store, period: Period = YEAR) -> PeriodFigures:
    """The period's figures with no kept month read: on a day before any month ended."""
    with store.read() as session:
        programme = load_programme()
        return counted_figures(session, period, as_of=TODAY, programme=programme, today=date.min)[0]


def _store(folder: Path) -> Store:
    store, _ = Store.init(folder, site_name="HMP Test", admin="ana", passphrase=PASSPHRASE)
    for name in MENTORS:
        add_mentor(store, AddMentor(name=name))
    for n in range(4):
        add_person(
            store,
            AddPerson(
                ref=f"P{n}",
                display_name=f"Person {n}",
                date_of_birth=date(1970 + 8 * n, 3, 1),
                has_cervix="yes",
                unit="Wing A" if n % 2 else "Wing B",
                arrived_on=date(2023, 1 + n, 10),
            ),
        )
    return store


def talk(store: Store, on: date, ref: str = "P0", **more: object) -> None:
    fields: dict[str, object] = {
        "occurred_on": on,
        "kind": "one_to_one",
        "mentors": [MENTORS[0]],
        "setting": "wing",
        "outcome": "booked",
        "person_ref": ref,
        "minutes": 10,
    }
    fields.update(more)
    log_conversation(store, LogConversation(**fields))  # type: ignore[arg-type]


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    with freeze_time(TODAY, **FROZEN):
        opened = _store(tmp_path_factory.mktemp("months") / "store")
    try:
        yield opened
    finally:
        opened.close()


days_back = st.integers(0, 200).map(lambda n: TODAY - timedelta(days=n))
refs = st.integers(0, 3).map(lambda n: f"P{n}")
barriers = st.lists(
    st.sampled_from(["fear_anxiety", "past_trauma", "worry_result"]), max_size=2, unique=True
)
writes = st.one_of(
    st.tuples(
        st.just("talk"),
        refs,
        days_back,
        barriers,
        st.sampled_from(["booked", "informed_decline", "undecided_more_time"]),
        st.integers(0, 60),
        st.lists(st.sampled_from(MENTORS), min_size=1, max_size=2, unique=True),
    ),
    st.tuples(st.just("group"), days_back, st.integers(2, 9), st.lists(refs, unique=True)),
    st.tuples(st.just("import"), refs, days_back, barriers),
    st.tuples(st.just("move"), st.integers(0, 40), days_back),
    st.tuples(st.just("undo")),
)


def apply(store: Store, write: tuple[object, ...]) -> None:
    """Make one write; one a service refuses is skipped, as a person would be told."""
    kind = write[0]
    try:
        if kind == "talk":
            _, ref, on, codes, outcome, minutes, mentors = write
            talk(
                store,
                on,  # type: ignore[arg-type]
                str(ref),
                barriers=codes,
                outcome=outcome,
                minutes=minutes,
                mentors=mentors,
            )
        elif kind == "group":
            _, on, attendees, who = write
            talk(
                store,
                on,  # type: ignore[arg-type]
                kind="group",
                person_ref=None,
                attendees=attendees,
                attendee_refs=who,
                setting="group_room",
                outcome="undecided_more_time",
                barriers=["fear_anxiety"],
            )
        elif kind == "import":
            _, ref, on, codes = write
            csv = (
                "ref,date,mentor,kind,attendees,minutes,setting,barriers,outcome,next_step,note\n"
                f"{ref},{on},{MENTORS[1]},one_to_one,,25,reception,"
                f"{';'.join(codes)},accepted_offer,,\n"  # type: ignore[arg-type]
            )
            import_conversations(store, csv.encode())
        elif kind == "move":
            # A correction of a conversation's date, whichever path makes it.
            _, nth, on = write
            with store.write() as session:
                session.execute(
                    text(
                        "UPDATE conversation SET occurred_on = :on WHERE id = "
                        "(SELECT id FROM conversation ORDER BY id LIMIT 1 OFFSET :nth)"
                    ),
                    {"on": on.isoformat(), "nth": nth},  # type: ignore[attr-defined]
                )
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
            board = dashboard(store, as_of=TODAY, period=YEAR)
            counted = afresh(store)
            # What the dashboard showed (kept months read, the rest counted) is the count.
            assert board.activity.conversations == counted.conversations
            assert board.activity.barriers == counted.barriers
            assert board.activity.outcomes == counted.outcomes
            # January to May 2024 have ended: each is kept, and agrees with counting afresh.
            assert sorted(kept_months(store)) == [
                "2024-01",
                "2024-02",
                "2024-03",
                "2024-04",
                "2024-05",
            ]
            with store.read() as session:
                assert verify(session) == (5, [])


def test_a_month_is_counted_by_hand(tmp_path: Path) -> None:
    with freeze_time(TODAY, **FROZEN):
        store = _store(tmp_path / "s")
        try:
            talk(store, date(2024, 2, 3), "P0", minutes=20, barriers=["fear_anxiety"])
            talk(
                store,
                date(2024, 2, 20),
                "P1",
                minutes=5,
                mentors=list(MENTORS),
                barriers=["fear_anxiety", "past_trauma"],
                outcome="informed_decline",
            )
            talk(store, date(2024, 6, 1), "P2", minutes=7)
            dashboard(store, as_of=TODAY, period=YEAR)
            assert sorted(kept_months(store)) == [
                "2024-01",
                "2024-02",
                "2024-03",
                "2024-04",
                "2024-05",
            ]
            board = dashboard(store, as_of=TODAY, period=YEAR)
            # February (kept) and June (counted), then every month counted (none kept: the
            # statement that counts every conversation): three conversations, 32 minutes.
            for figures in (board.activity, afresh(store)):
                conv = figures.conversations
                assert (conv.count, conv.one_to_one, conv.minutes, conv.people) == (3, 3, 32, 3)
                assert conv.by_mentor == {"Dee Hartley": (1, 5), "Maya Lee": (3, 32)}
                assert conv.by_setting == {"wing": (3, 32)}
                assert figures.barriers == {"fear_anxiety": (2, 2), "past_trauma": (1, 1)}
                assert figures.outcomes == {"booked": 2, "informed_decline": 1}
        finally:
            store.close()


def test_a_late_conversation_drops_only_its_month_and_today_keeps_everything(
    tmp_path: Path,
) -> None:
    with freeze_time(TODAY, **FROZEN):
        store = _store(tmp_path / "s")
        try:
            dashboard(store, as_of=TODAY, period=YEAR)
            months, month_ends = sorted(kept_months(store)), sorted(kept_month_ends(store))
            assert len(months) == 5 and len(month_ends) == 11
            talk(store, TODAY, "P1")
            # Logged today: every kept month and month end stays.
            assert sorted(kept_months(store)) == months
            assert sorted(kept_month_ends(store)) == month_ends
            talk(store, date(2024, 3, 9), "P1")
            assert sorted(kept_months(store)) == ["2024-01", "2024-02", "2024-04", "2024-05"]
            assert sorted(kept_month_ends(store)) == month_ends
            board = dashboard(store, as_of=TODAY, period=YEAR)
            assert board.activity.conversations.count == 2
        finally:
            store.close()


def test_a_kept_month_that_differs_from_counting_is_named(tmp_path: Path) -> None:
    with freeze_time(TODAY, **FROZEN):
        store = _store(tmp_path / "s")
        try:
            talk(store, date(2024, 4, 2), "P3")
            dashboard(store, as_of=TODAY, period=YEAR)
            with store.write() as session:
                session.execute(
                    text(
                        "UPDATE month_activity SET counts = "
                        """'{"held":[],"mentors":[],"barriers":[]}' WHERE month = '2024-04'"""
                    )
                )
            with store.read() as session:
                assert verify(session) == (5, ["2024-04"])
        finally:
            store.close()


def test_an_export_keeps_the_months_of_its_year_and_reads_them_back(tmp_path: Path) -> None:
    with freeze_time(TODAY, **FROZEN):
        store = _store(tmp_path / "s")
        try:
            talk(store, date(2023, 5, 5), "P0", barriers=["worry_result"])
            first = published_summary(store, period="2023", as_of=TODAY)
            assert sorted(kept_months(store)) == [f"2023-{m:02d}" for m in range(1, 13)]
            with store.read() as session:
                assert verify(session) == (12, [])
            assert published_summary(store, period="2023", as_of=TODAY) == first
        finally:
            store.close()
