"""Follow-ups as they stood on a past date: open and overdue are decided by the follow-up's
own dates (opened, due, done), never by when it was typed, and ``outreach followups --as-of``
and ``outreach stats --as-of --json`` agree.

The store is the issue's first reproduction: every record is typed on 1 June 2025, a year
after the dates it records (as when history is imported late).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from freezegun import freeze_time
from typer.testing import CliRunner

from outreach.cli import app
from outreach.services.conversations import LogConversation, log_conversation
from outreach.services.decisions import RecordDecision, record_decision
from outreach.services.followup_changes import (
    CompleteFollowUp,
    RescheduleFollowUp,
    complete_followup,
    reschedule_followup,
)
from outreach.services.mentors import AddMentor, add_mentor
from outreach.services.people import AddPerson, add_person
from outreach.services.screening import RecordScreeningEvent, record_screening_event
from outreach.stats.activity import follow_ups
from outreach.stats.period import Period
from outreach.store.store import Store
from tests.support.stores import PASSPHRASE, frozen_on, new_store

TYPED = "2025-06-01"


def _talk(store: Store, ref: str, day: date, next_step: date) -> int:
    logged = log_conversation(
        store,
        LogConversation(
            occurred_on=day,
            kind="one_to_one",
            mentors=["Mo"],
            setting="wing",
            outcome="undecided_more_time",
            person_ref=ref,
            next_step_on=next_step,
        ),
    )
    assert logged.follow_up is not None and logged.follow_up.id is not None
    return logged.follow_up.id


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    path = tmp_path_factory.mktemp("late") / "store"
    with freeze_time(TYPED):
        store = new_store(path)
        try:
            for ref in ("R1", "R2", "R3", "R4", "R5", "R6", "R7"):
                add_person(
                    store,
                    AddPerson(
                        ref=ref,
                        display_name=f"Person {ref}",
                        date_of_birth=date(1980, 1, 1),
                        arrived_on=date(2023, 1, 1),
                    ),
                )
            add_mentor(store, AddMentor(name="Mo", active_from=date(2023, 1, 1)))
            # R1: a test on 10 April 2023 asks for a repeat test by 10 April 2024, not done.
            record_screening_event(
                store,
                RecordScreeningEvent(
                    person_ref="R1",
                    occurred_on=date(2023, 4, 10),
                    event="test",
                    hpv="positive",
                    cytology="normal",
                ),
            )
            # R2: a next step set on 1 May 2024 for 10 June, done late on 2 July.
            late = _talk(store, "R2", date(2024, 5, 1), date(2024, 6, 10))
            complete_followup(store, CompleteFollowUp(followup_id=late, done_on=date(2024, 7, 2)))
            # R3: a next step set on 1 June for 15 June, done on 14 June.
            early = _talk(store, "R3", date(2024, 6, 1), date(2024, 6, 15))
            complete_followup(store, CompleteFollowUp(followup_id=early, done_on=date(2024, 6, 14)))
            # R4: a next step set on 5 July for 20 July: not yet opened on 30 June.
            _talk(store, "R4", date(2024, 7, 5), date(2024, 7, 20))
            # R5: an informed decline on 5 June, revisit on 5 December.
            record_decision(
                store,
                RecordDecision(
                    person_ref="R5",
                    kind="informed_decline",
                    decided_on=date(2024, 6, 5),
                    revisit_on=date(2024, 12, 5),
                ),
            )
            # R6: a next step set on 1 March for 10 March, moved to 20 March, done 15 March:
            # before the due date in force, after the original one.
            moved = _talk(store, "R6", date(2024, 3, 1), date(2024, 3, 10))
            reschedule_followup(
                store, RescheduleFollowUp(followup_id=moved, due_on=date(2024, 3, 20))
            )
            complete_followup(store, CompleteFollowUp(followup_id=moved, done_on=date(2024, 3, 15)))
            # R7: a next step set on 1 April for 1 May; asked not to be approached on 20 June,
            # which cancels it that day.
            _talk(store, "R7", date(2024, 4, 1), date(2024, 5, 1))
            record_decision(
                store,
                RecordDecision(
                    person_ref="R7", kind="do_not_approach", decided_on=date(2024, 6, 20)
                ),
            )
        finally:
            store.close()
    yield path


_today = frozen_on(TYPED)


def _cli(folder: Path, *args: str) -> str:
    result = CliRunner().invoke(
        app, [*args, "--store", str(folder)], env={"OUTREACH_PASSPHRASE": PASSPHRASE}
    )
    assert result.exit_code == 0, result.output
    return result.output


def test_the_worklist_on_a_past_date_lists_what_was_due_then(folder: Path) -> None:
    rows = json.loads(_cli(folder, "followups", "--as-of", "2024-06-30", "--json"))
    # R1's repeat test (due 10 April: 81 days overdue) and R2's next step (due 10 June: 20
    # days), done since but open on 30 June. R3's was done on 14 June; R4's not yet opened.
    assert [(r["person_ref"], r["reason"], r["days_overdue"]) for r in rows] == [
        ("R1", "repeat_test", 81),
        ("R2", "next_step", 20),
    ]


def test_stats_on_a_past_date_count_what_the_worklist_lists(folder: Path) -> None:
    figures = json.loads(_cli(folder, "stats", "--as-of", "2024-06-30", "--json"))
    # Open on 30 June: R1, R2 and R5's revisit (due in December); overdue: R1 and R2.
    # Completed in 2024 up to 30 June: R3's (on time) and R6's (after its original due date).
    assert figures["follow_ups"] == {
        "open": 3,
        "overdue": 2,
        "completed": 2,
        "completed_on_time": 1,
        "open_left": 0,
    }
    upcoming = json.loads(
        _cli(folder, "followups", "--as-of", "2024-06-30", "--upcoming", "365", "--json")
    )
    assert len(upcoming) == figures["follow_ups"]["open"]
    assert sum(r["days_overdue"] > 0 for r in upcoming) == figures["follow_ups"]["overdue"]


def test_an_ended_period_counts_open_and_overdue_on_its_last_day(folder: Path) -> None:
    store = Store.unlock(folder, user="ana", passphrase=PASSPHRASE)
    try:
        with store.read() as session:
            july = follow_ups(session, Period.parse("2024-07"), as_of=date(2025, 1, 15))
            march = follow_ups(session, Period.parse("2024-03"), as_of=date(2025, 1, 15))
    finally:
        store.close()
    # 31 July: R1 (overdue), R4 (due 20 July: overdue), R5 (not yet due). R2's, done late on
    # 2 July, is completed in July and not on time.
    assert (july.open, july.overdue, july.completed, july.completed_on_time) == (3, 2, 1, 0)
    # 31 March: R1's (due 10 April) is open, not overdue. R6's, done 15 March, is late: it was
    # due on 10 March when it was set, whatever it was moved to.
    assert (march.open, march.overdue, march.completed, march.completed_on_time) == (1, 0, 1, 0)


def test_a_cancelled_follow_up_was_open_until_the_day_it_was_cancelled(folder: Path) -> None:
    def listed(day: str) -> list[tuple[str, int]]:
        rows = json.loads(_cli(folder, "followups", "--as-of", day, "--json"))
        return [(r["person_ref"], r["days_overdue"]) for r in rows if r["person_ref"] == "R7"]

    assert listed("2024-05-01") == [("R7", 0)]
    assert listed("2024-06-19") == [("R7", 49)]
    assert listed("2024-06-20") == []  # cancelled by the decision of that day
    figures = json.loads(_cli(folder, "stats", "--as-of", "2024-06-19", "--json"))
    # Open on 19 June: R1, R2 (due 10 June), R5's revisit and R7's next step; overdue: R1, R2
    # and R7.
    assert (figures["follow_ups"]["open"], figures["follow_ups"]["overdue"]) == (4, 3)


@pytest.mark.slow
def test_a_follow_up_done_late_is_overdue_until_the_day_before_it_was_done(folder: Path) -> None:
    def overdue_refs(day: str) -> list[str]:
        rows = json.loads(_cli(folder, "followups", "--as-of", day, "--json"))
        return [r["person_ref"] for r in rows if r["days_overdue"] > 0]

    assert "R2" not in overdue_refs("2024-06-10")  # due that day
    assert "R2" in overdue_refs("2024-06-11")
    assert "R2" in overdue_refs("2024-07-01")
    assert "R2" not in overdue_refs("2024-07-02")  # done that day
