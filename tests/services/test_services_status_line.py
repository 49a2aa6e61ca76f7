"""The status line puts the most urgent thing first (worked out by hand for each person)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from freezegun import freeze_time

from outreach.services.decisions import RecordDecision, record_decision
from outreach.services.followup_changes import CompleteFollowUp, complete_followup
from outreach.services.people import AddPerson, RecordLeaving, add_person, record_leaving
from outreach.services.profile import person_profile
from outreach.services.screening import RecordScreeningEvent, record_screening_event
from outreach.store.store import Store

TODAY = date(2024, 6, 14)


def _add(store: Store, ref: str, born: date, arrived: date = date(2023, 1, 10)) -> None:
    add_person(
        store,
        AddPerson(
            ref=ref,
            display_name=f"Person {ref}",
            date_of_birth=born,
            has_cervix="yes",
            unit="Wing A",
            arrived_on=arrived,
        ),
    )


def _test(store: Store, ref: str, on: date, hpv: str, cytology: str | None = None) -> None:
    record_screening_event(
        store,
        RecordScreeningEvent(
            person_ref=ref,
            occurred_on=on,
            event="test",
            hpv=hpv,
            cytology=cytology,
            sample="clinician",
            where="on_site",
        ),
    )


def _decline(store: Store, ref: str, on: date, revisit: date) -> None:
    record_decision(
        store,
        RecordDecision(person_ref=ref, kind="informed_decline", decided_on=on, revisit_on=revisit),
    )


@pytest.fixture
def people(store: Store) -> Iterator[Store]:
    with freeze_time(TODAY):
        # Colposcopy within 2 weeks of a high-grade result on 2024-06-10: due 2024-06-24;
        # declined the next day with a revisit in December.
        _add(store, "C1", date(1990, 1, 1))
        _test(store, "C1", date(2024, 6, 10), "positive", "high_grade")
        _decline(store, "C1", date(2024, 6, 11), date(2024, 12, 11))
        # HPV positive, normal cytology on 2023-05-01: repeat at 12 months, due 2024-05-01,
        # now overdue; declined on 2024-06-01 with a revisit in 2025.
        _add(store, "R1", date(1988, 2, 2))
        _test(store, "R1", date(2023, 5, 1), "positive", "normal")
        _decline(store, "R1", date(2024, 6, 1), date(2025, 1, 1))
        # Arrived last week aged 45, never screened: her first invitation was in 2003.
        _add(store, "N1", date(1979, 3, 3), arrived=date(2024, 6, 7))
        # Left on 2024-04-30 after a 2021 test that is due again in 2024.
        _add(store, "L1", date(1985, 5, 5), arrived=date(2020, 1, 6))
        _test(store, "L1", date(2021, 5, 5), "negative")
        record_leaving(
            store, RecordLeaving(person_ref="L1", left_on=date(2024, 4, 30), left_reason="released")
        )
        # Do not approach, with a colposcopy still to be done (care only).
        _add(store, "D1", date(1992, 7, 7))
        _test(store, "D1", date(2024, 6, 3), "positive", "low_grade")
        record_decision(
            store,
            RecordDecision(person_ref="D1", kind="do_not_approach", decided_on=date(2024, 6, 4)),
        )
        # A colposcopy attended (follow-up done on 2024-06-12): the decline shows again.
        _add(store, "A1", date(1991, 8, 8))
        _test(store, "A1", date(2024, 5, 20), "positive", "high_grade")
        _decline(store, "A1", date(2024, 5, 21), date(2024, 11, 21))
    yield store


def _status(store: Store, ref: str, day: date = TODAY) -> tuple[str, str]:
    status = person_profile(store, ref, as_of=day).status
    return status.summary, status.next_due


def test_an_open_colposcopy_outranks_a_declined_revisit(people: Store) -> None:
    assert _status(people, "C1") == (
        "colposcopy due by 2024-06-24",
        "colposcopy due by 2024-06-24",
    )


def test_an_overdue_repeat_test_outranks_a_declined_revisit(people: Store) -> None:
    assert _status(people, "R1") == (
        "repeat test overdue since 2024-05-01",
        "repeat test overdue since 2024-05-01",
    )


def test_a_never_screened_newcomer_is_due_now(people: Store) -> None:
    assert _status(people, "N1") == ("due now (never screened)", "now (never screened)")


def test_someone_who_left_shows_when_not_a_due_date(people: Store) -> None:
    assert _status(people, "L1") == ("left on 2024-04-30", "left on 2024-04-30")


def test_do_not_approach_stays_first_and_names_the_care_still_due(people: Store) -> None:
    # Low grade: colposcopy within 6 weeks of 2024-06-03, by 2024-07-15.
    assert _status(people, "D1") == (
        "do not approach; colposcopy due by 2024-07-15 (care only)",
        "colposcopy due by 2024-07-15",
    )


def test_a_completed_colposcopy_no_longer_outranks_the_decline(people: Store) -> None:
    followup = next(
        f
        for f in person_profile(people, "A1", as_of=TODAY).timeline
        if f.kind == "follow_up" and "colposcopy" in f.summary
    )
    with freeze_time(TODAY):
        complete_followup(
            people, CompleteFollowUp(followup_id=followup.id, done_on=date(2024, 6, 12))
        )
    assert _status(people, "A1") == ("declined, revisit 2024-11-21", "–")
    # Before it was done, it came first.
    assert _status(people, "A1", date(2024, 6, 11)) == (
        "colposcopy overdue since 2024-06-03",
        "colposcopy overdue since 2024-06-03",
    )


def test_the_command_line_shows_the_same(people: Store) -> None:
    from typer.testing import CliRunner

    from outreach.cli import app
    from tests.support.stores import PASSPHRASE

    folder = str(people.folder)
    people.close()
    result = CliRunner().invoke(
        app,
        ["person", "C1", "--as-of", "2024-06-14", "--store", folder],
        env={"OUTREACH_PASSPHRASE": PASSPHRASE},
    )
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[1] == "Status on 2024-06-14: colposcopy due by 2024-06-24"
    assert "  next due: colposcopy due by 2024-06-24" in lines
    assert "  decision in force: declined on 2024-06-11, revisit 2024-12-11" in lines
    result = CliRunner().invoke(
        app,
        ["person", "L1", "--as-of", "2024-06-14", "--store", folder],
        env={"OUTREACH_PASSPHRASE": PASSPHRASE},
    )
    lines = result.output.splitlines()
    assert lines[1:3] == ["Status on 2024-06-14: left on 2024-04-30", "  left on 2024-04-30"]
    assert "  next due: left on 2024-04-30" in lines


def test_a_cancelled_repeat_test_counts_until_the_day_it_was_cancelled(people: Store) -> None:
    from outreach.services.followups import CancelFollowUp, cancel_followup

    followup = next(
        f
        for f in person_profile(people, "R1", as_of=TODAY).timeline
        if f.kind == "follow_up" and "repeat test" in f.summary
    )
    with freeze_time(TODAY):
        cancel_followup(people, CancelFollowUp(followup_id=followup.id))
    # Cancelled today: still the most urgent thing yesterday, no longer today.
    assert _status(people, "R1", date(2024, 6, 13))[0] == "repeat test overdue since 2024-05-01"
    assert _status(people, "R1")[0] == "declined, revisit 2025-01-01"
