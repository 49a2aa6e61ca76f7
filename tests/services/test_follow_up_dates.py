"""The dates a follow-up carries: ``opened_on`` (the date of the event, conversation or
decision that created it, not when it was typed) and ``original_due_on`` (kept through
rescheduling); set by every path that creates one and filled in by migration 0008."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from freezegun import freeze_time
from sqlalchemy import text
from sqlmodel import col, select

from outreach.model import Conversation, Decision, FollowUp, Person, ScreeningEvent
from outreach.services.conversations import LogConversation, log_conversation
from outreach.services.decisions import RecordDecision, record_decision
from outreach.services.followup_changes import RescheduleFollowUp, reschedule_followup
from outreach.services.followups import (
    CancelFollowUp,
    ScheduleFollowUp,
    cancel_followup,
    schedule_followup,
)
from outreach.services.mentors import AddMentor, add_mentor
from outreach.services.people import AddPerson, add_person
from outreach.services.screening import RecordScreeningEvent, record_screening_event
from outreach.store.store import Store
from tests.support.store_helpers import put_old
from tests.support.stores import PASSPHRASE, frozen_on, module_store, new_store

TODAY = "2025-06-01"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    with freeze_time(TODAY):
        for opened in module_store(tmp_path_factory):
            for ref in ("F1", "F2", "F3", "F4", "F5", "F6", "F7"):
                add_person(
                    opened,
                    AddPerson(
                        ref=ref,
                        display_name=f"Person {ref}",
                        date_of_birth=date(1980, 1, 1),
                        arrived_on=date(2024, 1, 1),
                    ),
                )
            add_mentor(opened, AddMentor(name="Mo", active_from=date(2023, 1, 1)))
            yield opened


_today = frozen_on(TODAY)


def _dates(store: Store, ref: str) -> list[tuple[str, date, date, date]]:
    with store.read() as session:
        rows = session.exec(
            select(FollowUp)
            .join(Person, col(Person.id) == col(FollowUp.person_id))
            .where(Person.ref == ref)
            .order_by(col(FollowUp.id))
        )
        return [(f.reason, f.opened_on, f.original_due_on, f.due_on) for f in rows]


@pytest.mark.slow
def test_a_test_result_opens_its_follow_up_on_the_test_date(store: Store) -> None:
    record_screening_event(
        store,
        RecordScreeningEvent(
            person_ref="F1",
            occurred_on=date(2024, 3, 5),
            event="test",
            hpv="positive",
            cytology="normal",
        ),
    )
    assert _dates(store, "F1") == [
        ("repeat_test", date(2024, 3, 5), date(2025, 3, 5), date(2025, 3, 5))
    ]


def test_a_conversation_next_step_opens_on_the_conversation_date(store: Store) -> None:
    log_conversation(
        store,
        LogConversation(
            occurred_on=date(2024, 2, 3),
            kind="one_to_one",
            mentors=["Mo"],
            setting="wing",
            outcome="undecided_more_time",
            person_ref="F2",
            next_step_on=date(2024, 3, 1),
        ),
    )
    assert _dates(store, "F2") == [
        ("next_step", date(2024, 2, 3), date(2024, 3, 1), date(2024, 3, 1))
    ]


def test_a_decline_revisit_opens_on_the_decision_date(store: Store) -> None:
    record_decision(
        store,
        RecordDecision(
            person_ref="F3",
            kind="informed_decline",
            decided_on=date(2024, 2, 10),
            revisit_on=date(2024, 8, 10),
        ),
    )
    assert _dates(store, "F3") == [
        ("revisit", date(2024, 2, 10), date(2024, 8, 10), date(2024, 8, 10))
    ]


def test_a_follow_up_scheduled_by_hand_opens_today_or_on_a_due_date_already_passed(
    store: Store,
) -> None:
    schedule_followup(
        store, ScheduleFollowUp(person_ref="F4", due_on=date(2025, 7, 1), reason="other")
    )
    schedule_followup(
        store, ScheduleFollowUp(person_ref="F4", due_on=date(2025, 5, 20), reason="other")
    )
    assert _dates(store, "F4") == [
        ("other", date(2025, 6, 1), date(2025, 7, 1), date(2025, 7, 1)),
        ("other", date(2025, 5, 20), date(2025, 5, 20), date(2025, 5, 20)),
    ]


def test_rescheduling_moves_the_due_date_and_keeps_the_original(store: Store) -> None:
    followup = schedule_followup(
        store, ScheduleFollowUp(person_ref="F5", due_on=date(2025, 6, 10), reason="next_step")
    )
    assert followup.id is not None
    reschedule_followup(
        store, RescheduleFollowUp(followup_id=followup.id, due_on=date(2025, 6, 17))
    )
    reschedule_followup(
        store, RescheduleFollowUp(followup_id=followup.id, due_on=date(2025, 6, 24))
    )
    assert _dates(store, "F5") == [
        ("next_step", date(2025, 6, 1), date(2025, 6, 10), date(2025, 6, 24))
    ]


def _cancelled(store: Store, ref: str) -> list[tuple[str, str, date | None]]:
    with store.read() as session:
        rows = session.exec(
            select(FollowUp)
            .join(Person, col(Person.id) == col(FollowUp.person_id))
            .where(Person.ref == ref)
            .order_by(col(FollowUp.id))
        )
        return [(f.reason, f.status, f.cancelled_on) for f in rows]


def test_a_decision_cancels_outreach_follow_ups_on_its_own_date(store: Store) -> None:
    log_conversation(
        store,
        LogConversation(
            occurred_on=date(2024, 4, 1),
            kind="one_to_one",
            mentors=["Mo"],
            setting="wing",
            outcome="undecided_more_time",
            person_ref="F6",
            next_step_on=date(2024, 5, 1),
        ),
    )
    record_decision(
        store, RecordDecision(person_ref="F6", kind="do_not_approach", decided_on=date(2024, 6, 20))
    )
    assert _cancelled(store, "F6") == [("next_step", "cancelled", date(2024, 6, 20))]


def test_ceasing_cancels_clinical_follow_ups_on_its_date_and_by_hand_today(store: Store) -> None:
    record_screening_event(
        store,
        RecordScreeningEvent(
            person_ref="F7",
            occurred_on=date(2024, 3, 5),
            event="test",
            hpv="positive",
            cytology="normal",
        ),
    )
    record_screening_event(
        store,
        RecordScreeningEvent(
            person_ref="F7", occurred_on=date(2024, 9, 1), event="ceased", reason="no_cervix"
        ),
    )
    followup = schedule_followup(
        store, ScheduleFollowUp(person_ref="F7", due_on=date(2025, 7, 1), reason="other")
    )
    assert followup.id is not None
    cancel_followup(store, CancelFollowUp(followup_id=followup.id))
    assert _cancelled(store, "F7") == [
        ("repeat_test", "cancelled", date(2024, 9, 1)),
        ("other", "cancelled", date(2025, 6, 1)),
    ]


CREATED = datetime(2024, 1, 1, tzinfo=UTC)


@pytest.mark.slow
def test_migration_0008_backfills_each_follow_up_from_what_created_it(tmp_path: Path) -> None:
    folder = tmp_path / "store"
    old = new_store(folder, revision="0007")
    typed = "2024-09-09 10:00:00.000000"
    with old.write() as session:
        people = [
            Person(
                ref=f"M{n}",
                display_name=f"M {n}",
                date_of_birth=date(1980, 1, 1),
                created_at=CREATED,
            )
            for n in range(5)
        ]
        a, b, c, d, e = (put_old(session, p) for p in people)
        test = ScreeningEvent(
            person_id=a,
            occurred_on=date(2024, 1, 10),
            event="test",
            hpv="negative",
            created_at=datetime(2024, 9, 9, 10, tzinfo=UTC),
        )
        test_id = put_old(session, test)
        for row in [
            Conversation(
                occurred_on=date(2024, 2, 3),
                kind="one_to_one",
                person_id=b,
                setting="wing",
                outcome="undecided_more_time",
                next_step_on=date(2024, 3, 1),
                created_at=datetime(2024, 9, 9, 10, tzinfo=UTC),
            ),
            # A later conversation with no next step is not the source.
            Conversation(
                occurred_on=date(2024, 2, 20),
                kind="one_to_one",
                person_id=b,
                setting="wing",
                outcome="undecided_more_time",
                created_at=datetime(2024, 9, 9, 10, tzinfo=UTC),
            ),
            Decision(
                person_id=c,
                kind="informed_decline",
                decided_on=date(2024, 2, 10),
                revisit_on=date(2024, 8, 10),
                created_at=datetime(2024, 9, 9, 10, tzinfo=UTC),
            ),
            # Its next step (20 April) was later moved to 27 April: found by its save time.
            Conversation(
                occurred_on=date(2024, 4, 4),
                kind="one_to_one",
                person_id=d,
                setting="wing",
                outcome="undecided_more_time",
                next_step_on=date(2024, 4, 20),
                created_at=datetime(2024, 4, 4, 15, 0, 0, 100000, tzinfo=UTC),
            ),
        ]:
            put_old(session, row)
        rows = [
            (a, "repeat_test", "2025-01-10", test_id, typed),
            (b, "next_step", "2024-03-01", None, typed),
            (c, "revisit", "2024-08-10", None, typed),
            (d, "next_step", "2024-04-27", None, "2024-04-04 15:00:00.300000"),
            (e, "other", "2024-06-01", None, typed),
            (e, "other", "2025-01-01", None, typed),
        ]
        for person, reason, due, source, created in rows:
            session.execute(
                text(
                    "INSERT INTO follow_up (person_id, programme, due_on, reason, status,"
                    " source_event_id, created_at) VALUES (:p, 'cervical-screening', :due,"
                    " :reason, 'open', :source, :created)"
                ),
                {"p": person, "due": due, "reason": reason, "source": source, "created": created},
            )
    old.close()

    store = Store.unlock(folder, user="ana", passphrase=PASSPHRASE)
    try:
        with store.read() as session:
            got = session.execute(
                text("SELECT opened_on, original_due_on, due_on FROM follow_up ORDER BY id")
            ).all()
    finally:
        store.close()
    assert [tuple(row) for row in got] == [
        ("2024-01-10", "2025-01-10", "2025-01-10"),  # the test that asked for it
        ("2024-02-03", "2024-03-01", "2024-03-01"),  # the conversation naming its due date
        ("2024-02-10", "2024-08-10", "2024-08-10"),  # the decline naming its revisit date
        ("2024-04-04", "2024-04-27", "2024-04-27"),  # moved: the conversation saved with it
        ("2024-06-01", "2024-06-01", "2024-06-01"),  # by hand, typed after its due date
        ("2024-09-09", "2025-01-01", "2025-01-01"),  # by hand, typed before its due date
    ]
