"""Searching people: text, status filters and paging on a hand-made cohort, and the SQL
filters held to the Python status rules person by person on a generated one."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import date, timedelta

import pytest
from freezegun import freeze_time
from sqlmodel import select

from outreach.model import Person
from outreach.services.conversations import LogConversation, log_conversation
from outreach.services.decisions import RecordDecision, record_decision
from outreach.services.errors import ValidationError
from outreach.services.mentors import AddMentor, add_mentor
from outreach.services.people import (
    AddPerson,
    RecordArrival,
    RecordLeaving,
    add_person,
    person_profile,
    record_arrival,
    record_leaving,
)
from outreach.services.screening import RecordScreeningEvent, record_screening_event
from outreach.services.search import PeopleFilter, matches, search_people
from outreach.services.status import statuses_of
from outreach.store.action import Action
from outreach.store.store import Store
from tests.support.stores import module_store

TODAY = "2026-06-01"
DAY = date(2026, 6, 1)


def _add(store: Store, ref: str, name: str, dob: date, **kwargs: object) -> None:
    values: dict[str, object] = {"has_cervix": "yes", "arrived_on": date(2024, 1, 1)}
    values.update(kwargs)
    add_person(store, AddPerson(ref=ref, display_name=name, date_of_birth=dob, **values))  # type: ignore[arg-type]


def _test(
    store: Store,
    ref: str,
    on: date,
    hpv: str | None,
    cytology: str | None = None,
    sample: str | None = "clinician",
) -> None:
    record_screening_event(
        store,
        RecordScreeningEvent(
            person_ref=ref, occurred_on=on, event="test", hpv=hpv, cytology=cytology, sample=sample
        ),
    )


@pytest.fixture(scope="module")
def cohort(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """Fifteen people whose status on 2026-06-01 is worked out by hand in each comment."""
    with freeze_time(TODAY):
        for store in module_store(tmp_path_factory):
            # Covered: HPV negative in 2024, window from 2022-12-01; due 2027-01-10.
            _add(store, "R01", "Ann Able", date(1995, 3, 15))
            _test(store, "R01", date(2024, 1, 10), "negative")
            # Never screened, aged 40: due and overdue.
            _add(store, "R02", "Bea Brown", date(1986, 2, 2))
            # Tested 2022-01-05: due 2025-01-05; outside the 42-month window: overdue.
            _add(store, "R03", "Cat Cole", date(1990, 7, 7))
            _test(store, "R03", date(2022, 1, 5), "negative")
            # HPV positive, normal cytology 2025-05-01: repeat due 2026-05-01, still covered.
            _add(store, "R04", "Dee Dunn", date(1992, 9, 9))
            _test(store, "R04", date(2025, 5, 1), "positive", "normal")
            # Aged 51 at a 2022 test: 5-year recall (2027), 66-month window: covered.
            _add(store, "R05", "Eve Eden", date(1970, 4, 4))
            _test(store, "R05", date(2022, 1, 1), "negative")
            # Informed decline, revisit in November: declined, off the worklist.
            _add(store, "R06", "Fay Fox", date(1988, 1, 1))
            record_decision(
                store,
                RecordDecision(
                    person_ref="R06",
                    kind="informed_decline",
                    decided_on=date(2026, 5, 1),
                    revisit_on=date(2026, 11, 1),
                ),
            )
            # Do not approach.
            _add(store, "R07", "Gil Gray", date(1989, 1, 1))
            record_decision(
                store,
                RecordDecision(
                    person_ref="R07", kind="do_not_approach", decided_on=date(2026, 4, 1)
                ),
            )
            # Left in March.
            _add(store, "R08", "Hal Hunt", date(1991, 1, 1))
            record_leaving(
                store,
                RecordLeaving(person_ref="R08", left_on=date(2026, 3, 1), left_reason="released"),
            )
            # No cervix; aged 76; ceased by informed choice: resident only.
            _add(store, "R09", "Ivy Ives", date(1985, 1, 1), has_cervix="no")
            _add(store, "R10", "Joy Judd", date(1950, 1, 1))
            _add(store, "R11", "Kay King", date(1981, 1, 1))
            record_screening_event(
                store,
                RecordScreeningEvent(
                    person_ref="R11",
                    occurred_on=date(2025, 1, 1),
                    event="ceased",
                    reason="informed_choice",
                ),
            )
            # Clinician HPV negative after 2025-07-01 at 29: extended recall, due 2030-08-01.
            _add(store, "R12", "Lou Lamb", date(1997, 6, 1))
            _test(store, "R12", date(2025, 8, 1), "negative")
            # Self-sample: keeps the 3-year recall, due 2028-08-01.
            _add(store, "R13", "Mia Moss", date(1997, 6, 1))
            _test(store, "R13", date(2025, 8, 1), "negative", sample="self")
            # High grade: under colposcopy, covered, no routine due date.
            _add(store, "R14", "Ned Nash", date(1980, 1, 1))
            _test(store, "R14", date(2024, 2, 1), "positive", "high_grade")
            # Never arrived.
            add_person(
                store, AddPerson(ref="R15", display_name="Ola Oak", date_of_birth=date(1990, 1, 1))
            )
            yield store


def _refs(store: Store, which: str = "all", text: str = "", as_of: date = DAY) -> list[str]:
    return [
        r.ref for r in search_people(store, filter=which, text=text, as_of=as_of, limit=100).rows
    ]


EVERYONE = [f"R{n:02d}" for n in range(1, 16)]


@pytest.mark.slow
@pytest.mark.parametrize(
    ("which", "expected"),
    [
        ("all", EVERYONE),
        ("resident", [r for r in EVERYONE if r not in ("R08", "R15")]),
        ("covered", ["R01", "R04", "R05", "R12", "R13", "R14"]),
        ("due", ["R02", "R03", "R04"]),
        ("overdue", ["R02", "R03"]),
        ("never_screened", ["R02"]),
        ("declined", ["R06"]),
        ("do_not_approach", ["R07"]),
        ("left", ["R08"]),
    ],
)
def test_each_filter_lists_exactly_the_people_worked_out_by_hand(
    cohort: Store, which: str, expected: list[str]
) -> None:
    assert _refs(cohort, which) == expected


def test_recall_depends_on_the_sample_taker_after_the_extended_interval_began(
    cohort: Store,
) -> None:
    assert "R13" in _refs(cohort, "due", as_of=date(2028, 8, 1))
    assert "R12" not in _refs(cohort, "due", as_of=date(2028, 8, 1))
    assert person_profile(cohort, "R12", as_of=DAY).status.next_test_due == date(2030, 8, 1)


def test_text_matches_the_start_of_a_reference_ignoring_case(cohort: Store) -> None:
    assert _refs(cohort, text="r1") == ["R10", "R11", "R12", "R13", "R14", "R15"]


def test_text_matches_part_of_a_name_ignoring_case(cohort: Store) -> None:
    assert _refs(cohort, text="AN") == ["R01"]
    # Spaces between the parts of a name are ignored: "e e" is "ee", in "Dee Dunn" as well
    # as in "Eve Eden"; "ve e" only in "Eve Eden".
    assert _refs(cohort, text="e e") == ["R04", "R05"]
    assert _refs(cohort, text="ve e") == ["R05"]


def test_like_wildcards_in_the_text_are_taken_literally(cohort: Store) -> None:
    assert _refs(cohort, text="%") == []
    assert _refs(cohort, text="_") == []


def test_text_and_filter_combine(cohort: Store) -> None:
    assert _refs(cohort, "covered", text="r0") == ["R01", "R04", "R05"]


def test_pages_follow_the_reference_order(cohort: Store) -> None:
    first = search_people(cohort, as_of=DAY, offset=0, limit=5)
    last = search_people(cohort, as_of=DAY, offset=10, limit=5)
    assert ([r.ref for r in first.rows], first.has_more) == (
        ["R01", "R02", "R03", "R04", "R05"],
        True,
    )
    assert ([r.ref for r in last.rows], last.has_more) == (
        ["R11", "R12", "R13", "R14", "R15"],
        False,
    )


def test_rows_carry_the_unit_and_a_status_summary(cohort: Store) -> None:
    rows = {r.ref: r for r in search_people(cohort, as_of=DAY, limit=100).rows}
    assert (rows["R03"].status, rows["R01"].status) == (
        "overdue since 2025-01-05",
        "covered, next due 2027-01-10",
    )
    assert (rows["R02"].status, rows["R07"].status, rows["R08"].status) == (
        "due now (never screened)",
        "do not approach",
        "left on 2026-03-01",
    )
    assert rows["R06"].status == "declined, revisit 2026-11-01"


def test_an_unknown_filter_names_the_field(cohort: Store) -> None:
    with pytest.raises(ValidationError) as caught:
        search_people(cohort, filter="everyone")
    assert caught.value.field == "filter"


def test_the_profile_timeline_is_newest_first(cohort: Store) -> None:
    with freeze_time(TODAY):
        add_mentor(cohort, AddMentor(name="Tia", trained_on=date(2024, 1, 1)))
        log_conversation(
            cohort,
            LogConversation(
                occurred_on=date(2025, 1, 2),
                kind="one_to_one",
                person_ref="R04",
                mentors=["Tia"],
                setting="wing",
                minutes=15,
                outcome="booked",
            ),
        )
    profile = person_profile(cohort, "r04", as_of=DAY)
    assert [(item.on, item.kind) for item in profile.timeline] == [
        (date(2026, 5, 1), "follow_up"),
        (date(2025, 5, 1), "screening"),
        (date(2025, 1, 2), "conversation"),
        (date(2024, 1, 1), "stay"),
    ]
    assert profile.timeline[1].summary == (
        "test, HPV positive, cytology normal, clinician-taken, -> repeat 12 months"
    )
    # The open repeat-test follow-up (due 2026-05-01) is the most urgent thing.
    assert (profile.ref, profile.age, profile.status.summary) == (
        "R04",
        33,
        "repeat test overdue since 2026-05-01",
    )


# -- the SQL filters agree with the Python rules ------------------------------------------

_RESULTS = [
    ("negative", None, "clinician"),
    ("negative", None, "self"),
    ("negative", None, None),
    ("positive", "normal", "clinician"),
    ("positive", "high_grade", "clinician"),
    ("positive", "borderline", "self"),
    ("positive", "inadequate", "clinician"),
    ("unavailable", None, "clinician"),
    (None, "normal", None),
    (None, "inadequate", None),
]


def _some_day(rng: random.Random, start: date, end: date) -> date:
    if end <= start:
        return start
    day = start + timedelta(days=rng.randrange((end - start).days + 1))
    if rng.random() < 0.2:  # month ends, where calendar arithmetic goes wrong
        following = date(day.year + day.month // 12, day.month % 12 + 1, 1)
        day = min(following - timedelta(days=1), end)
    return day


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    rng = random.Random(20240305)
    last = date(2029, 12, 31)
    with freeze_time("2030-01-01"):
        for store in module_store(tmp_path_factory):
            with store.write() as session:
                for number in range(400):
                    ref = f"G{number:04d}"
                    year = rng.randint(1958, 2004)
                    dob = _some_day(rng, date(year, 1, 1), date(year, 12, 31))
                    if rng.random() < 0.03:
                        dob = date(rng.choice([1960, 1972, 1996, 2000]), 2, 29)
                    add_person(
                        Action.within(session, None),
                        AddPerson(
                            ref=ref,
                            display_name=ref,
                            date_of_birth=dob,
                            has_cervix=rng.choice(["yes", "yes", "yes", "unknown", "no"]),
                        ),
                    )
                    if rng.random() < 0.9:
                        # Residents are adults on arriving (outreach.rules.limits).
                        adult = (
                            date(dob.year + 18, 3, 1)
                            if (dob.month, dob.day) == (2, 29)
                            else (dob.replace(year=dob.year + 18))
                        )
                        arrived = max(_some_day(rng, date(2015, 1, 1), last), adult)
                        record_arrival(
                            Action.within(session, None),
                            RecordArrival(person_ref=ref, arrived_on=arrived),
                        )
                        if rng.random() < 0.4:
                            left = _some_day(rng, arrived, last)
                            record_leaving(
                                Action.within(session, None),
                                RecordLeaving(person_ref=ref, left_on=left, left_reason="released"),
                            )
                    first_test = max(dob + timedelta(days=365 * 20), date(2012, 1, 1))
                    for _ in range(rng.choice([0, 0, 1, 1, 2, 3, 4])):
                        hpv, cytology, sample = rng.choice(_RESULTS)
                        record_screening_event(
                            Action.within(session, None),
                            RecordScreeningEvent(
                                person_ref=ref,
                                event="test",
                                occurred_on=_some_day(rng, first_test, last),
                                hpv=hpv,
                                cytology=cytology,
                                sample=sample,
                            ),
                        )
                    if rng.random() < 0.08:
                        record_screening_event(
                            Action.within(session, None),
                            RecordScreeningEvent(
                                person_ref=ref,
                                event="ceased",
                                occurred_on=_some_day(rng, first_test, last),
                                reason=rng.choice(
                                    ["no_cervix", "radiotherapy", "informed_choice", "other"]
                                ),
                            ),
                        )
                    for _ in range(rng.choice([0, 0, 0, 1, 2])):
                        decided = _some_day(rng, first_test, date(2029, 6, 1))
                        kind = rng.choice(["informed_decline", "do_not_approach", "approach_again"])
                        revisit = (
                            decided + timedelta(days=rng.randint(30, 400))
                            if kind == "informed_decline"
                            else None
                        )
                        record_decision(
                            Action.within(session, None),
                            RecordDecision(
                                person_ref=ref, kind=kind, decided_on=decided, revisit_on=revisit
                            ),
                        )
            yield store


@pytest.mark.slow
@pytest.mark.parametrize(
    "as_of", [date(2016, 6, 30), date(2024, 2, 29), date(2026, 3, 31), date(2029, 8, 31)]
)
def test_sql_filters_agree_with_the_status_rules_for_every_person(
    generated: Store, as_of: date
) -> None:
    with generated.read() as session:
        people = list(session.exec(select(Person)))
        statuses = statuses_of(session, people, as_of)
    refs = {p.id: p.ref for p in people}
    sizes = {}
    for which in PeopleFilter:
        expected = sorted(refs[pid] for pid, status in statuses.items() if matches(which, status))
        found = [r.ref for r in search_people(generated, filter=which, as_of=as_of, limit=500).rows]
        assert found == expected, which
        sizes[which] = len(found)
    # The cohort exercises every filter on the later days.
    if as_of.year >= 2024:
        assert all(sizes[which] > 0 for which in PeopleFilter), sizes
