"""Decisions and follow-ups: informed decline, do not approach, and the due worklist."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from freezegun import freeze_time
from sqlmodel import select

from outreach.clock import now
from outreach.model import FollowUp, Role
from outreach.services.audit_log import recent_audit
from outreach.services.decisions import RecordDecision, decision_in_force, record_decision
from outreach.services.errors import AlreadyChanged, ValidationError
from outreach.services.followup_changes import (
    CompleteFollowUp,
    RescheduleFollowUp,
    complete_followup,
    reschedule_followup,
)
from outreach.services.followups import (
    CancelFollowUp,
    ScheduleFollowUp,
    cancel_followup,
    due_followups,
    schedule_followup,
)
from outreach.services.people import (
    AddPerson,
    RecordLeaving,
    add_person,
    person_by_ref,
    record_leaving,
)
from outreach.store.action import Action
from outreach.store.errors import NotAllowed
from outreach.store.store import Store
from outreach.store.store_lock import when
from tests.support.service_helpers import assert_no_value_in_audit, last_audit
from tests.support.store_helpers import table_counts
from tests.support.stores import PASSPHRASE, frozen_on, module_store

TODAY = "2025-06-01"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    with freeze_time(TODAY):
        for opened in module_store(tmp_path_factory):
            for ref in ("D1", "D2", "D3", "D4", "D5", "D6", "D7"):
                add_person(
                    opened,
                    AddPerson(
                        ref=ref,
                        display_name=f"Decider {ref}",
                        date_of_birth=date(1980, 1, 1),
                        arrived_on=date(2024, 1, 1),
                    ),
                )
            yield opened


_today = frozen_on(TODAY)


def _open_followups(store: Store, ref: str) -> list[FollowUp]:
    with store.read() as session:
        person = person_by_ref(session, ref)
        return list(
            session.exec(
                select(FollowUp).where(FollowUp.person_id == person.id, FollowUp.status == "open")
            )
        )


@pytest.mark.slow
def test_an_informed_decline_schedules_a_revisit_at_the_revisit_date(store: Store) -> None:
    result = record_decision(
        store,
        RecordDecision(
            person_ref="D1",
            kind="informed_decline",
            decided_on=date(2025, 5, 1),
            revisit_on=date(2025, 11, 1),
            note="Prefers to wait until after court",
        ),
    )
    assert (result.decision.kind, result.decision.decided_on, result.decision.revisit_on) == (
        "informed_decline",
        date(2025, 5, 1),
        date(2025, 11, 1),
    )
    [follow_up] = _open_followups(store, "D1")
    assert (follow_up.reason, follow_up.due_on) == ("revisit", date(2025, 11, 1))
    [row] = last_audit(store)
    assert (row.action, row.entity, row.fields) == (
        "decision.record",
        "decision",
        "decided_on,follow_up,kind,note,person_id,revisit_on",
    )
    assert_no_value_in_audit(store, "court", "informed_decline")


@pytest.mark.parametrize(
    ("kwargs", "field", "words"),
    [
        ({"revisit_on": None}, "revisit_on", "needs a revisit date"),
        ({"revisit_on": date(2025, 5, 1)}, "revisit_on", "is not after 2025-05-01"),
        ({"kind": "whatever"}, "kind", "'whatever' is not one of"),
        ({"kind": "do_not_approach"}, "revisit_on", "only an informed decline"),
        (
            {"decided_on": date(2025, 6, 2), "revisit_on": date(2025, 12, 1)},
            "decided_on",
            "in the future",
        ),
        ({"person_ref": "NOPE"}, "person_ref", "no person"),
    ],
)
def test_bad_decisions_are_refused_and_nothing_is_written(
    store: Store, kwargs: dict[str, object], field: str, words: str
) -> None:
    values: dict[str, object] = {
        "person_ref": "D2",
        "kind": "informed_decline",
        "decided_on": date(2025, 5, 1),
        "revisit_on": date(2025, 9, 1),
    }
    values.update(kwargs)
    before = table_counts(store)
    with pytest.raises(ValidationError) as caught:
        record_decision(store, RecordDecision(**values))  # type: ignore[arg-type]
    assert caught.value.field == field
    assert words in str(caught.value)
    assert table_counts(store) == before


def test_do_not_approach_cancels_outreach_follow_ups_and_keeps_clinical_ones(store: Store) -> None:
    schedule_followup(
        store, ScheduleFollowUp(person_ref="D3", due_on=date(2025, 6, 10), reason="next_step")
    )
    schedule_followup(
        store, ScheduleFollowUp(person_ref="D3", due_on=date(2025, 7, 1), reason="repeat_test")
    )
    result = record_decision(
        store, RecordDecision(person_ref="D3", kind="do_not_approach", decided_on=date(2025, 5, 20))
    )
    assert [f.reason for f in result.cancelled] == ["next_step"]
    assert [f.reason for f in _open_followups(store, "D3")] == ["repeat_test"]


def test_an_outreach_follow_up_for_a_do_not_approach_person_is_refused(store: Store) -> None:
    record_decision(
        store, RecordDecision(person_ref="D4", kind="do_not_approach", decided_on=date(2025, 5, 1))
    )
    before = table_counts(store)
    with pytest.raises(ValidationError) as caught:
        schedule_followup(
            store, ScheduleFollowUp(person_ref="D4", due_on=date(2025, 7, 1), reason="next_step")
        )
    assert str(caught.value) == "reason: D4 is marked do not approach"
    assert table_counts(store) == before


def test_approach_again_lifts_do_not_approach(store: Store) -> None:
    record_decision(
        store, RecordDecision(person_ref="D5", kind="do_not_approach", decided_on=date(2025, 4, 1))
    )
    record_decision(
        store, RecordDecision(person_ref="D5", kind="approach_again", decided_on=date(2025, 5, 1))
    )
    with store.read() as session:
        person = person_by_ref(session, "D5")
        assert person.id is not None
        in_april = decision_in_force(session, person.id, date(2025, 4, 15))
        in_may = decision_in_force(session, person.id, date(2025, 5, 15))
    assert (in_april and in_april.kind, in_may and in_may.kind) == (
        "do_not_approach",
        "approach_again",
    )
    follow_up = schedule_followup(
        store, ScheduleFollowUp(person_ref="D5", due_on=date(2025, 7, 1), reason="revisit")
    )
    assert follow_up.status == "open"


def test_follow_ups_can_be_done_cancelled_and_moved_once_each(store: Store) -> None:
    a = schedule_followup(
        store, ScheduleFollowUp(person_ref="D6", due_on=date(2025, 5, 1), reason="other")
    )
    b = schedule_followup(
        store, ScheduleFollowUp(person_ref="D6", due_on=date(2025, 5, 2), reason="result")
    )
    c = schedule_followup(
        store, ScheduleFollowUp(person_ref="D6", due_on=date(2025, 5, 3), reason="next_step")
    )
    assert a.id is not None and b.id is not None and c.id is not None
    done = complete_followup(store, CompleteFollowUp(followup_id=a.id, done_on=date(2025, 5, 30)))
    assert (done.after.status, done.after.done_on) == ("done", date(2025, 5, 30))
    assert last_audit(store)[0].action == "followup.done"
    done_at = last_audit(store)[0].at
    assert cancel_followup(store, CancelFollowUp(followup_id=b.id)).status == "cancelled"
    moved = reschedule_followup(
        store, RescheduleFollowUp(followup_id=c.id, due_on=date(2025, 8, 1))
    )
    assert moved.after.due_on == date(2025, 8, 1)
    assert (last_audit(store)[0].action, last_audit(store)[0].fields) == (
        "followup.reschedule",
        "due_on",
    )
    before = table_counts(store)
    with pytest.raises(AlreadyChanged) as already:
        complete_followup(store, CompleteFollowUp(followup_id=a.id))
    # In words: who closed it and when, not a field name.
    assert str(already.value) == (
        f"follow-up {a.id} was already marked done by ana at {when(done_at)}; nothing was changed"
    )
    with pytest.raises(ValidationError, match=r"done_on: .* is in the future"):
        complete_followup(store, CompleteFollowUp(followup_id=c.id, done_on=date(2025, 6, 2)))
    with pytest.raises(ValidationError, match="followup_id: no follow-up with id 9999"):
        cancel_followup(store, CancelFollowUp(followup_id=9999))
    assert table_counts(store) == before


@pytest.mark.slow
def test_due_follow_ups_are_oldest_first_without_leavers_or_do_not_approach_outreach(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    for fresh in module_store(tmp_path_factory):
        for ref in ("W1", "W2", "W3", "W4"):
            add_person(
                fresh,
                AddPerson(
                    ref=ref,
                    display_name=ref,
                    date_of_birth=date(1980, 1, 1),
                    unit="Wing A",
                    arrived_on=date(2024, 1, 1),
                ),
            )
        first = schedule_followup(
            fresh, ScheduleFollowUp(person_ref="W1", due_on=date(2025, 5, 20), reason="next_step")
        )
        second = schedule_followup(
            fresh, ScheduleFollowUp(person_ref="W2", due_on=date(2025, 4, 1), reason="revisit")
        )
        soon = schedule_followup(
            fresh, ScheduleFollowUp(person_ref="W1", due_on=date(2025, 6, 5), reason="result")
        )
        leaver = schedule_followup(
            fresh, ScheduleFollowUp(person_ref="W3", due_on=date(2025, 3, 1), reason="next_step")
        )
        record_leaving(
            fresh, RecordLeaving(person_ref="W3", left_on=date(2025, 5, 1), left_reason="released")
        )
        clinical = schedule_followup(
            fresh, ScheduleFollowUp(person_ref="W4", due_on=date(2025, 5, 1), reason="repeat_test")
        )
        hidden = schedule_followup(
            fresh, ScheduleFollowUp(person_ref="W4", due_on=date(2025, 2, 1), reason="other")
        )
        # Written directly: a do-not-approach decision entered behind an open outreach one.
        with fresh.write() as session:
            from outreach.model import Decision

            person = person_by_ref(session, "W4")
            assert person.id is not None
            session.add(
                Decision(
                    person_id=person.id,
                    kind="do_not_approach",
                    decided_on=date(2025, 5, 15),
                    created_at=now(),
                )
            )
        rows = due_followups(fresh, as_of=date(2025, 6, 1))
        assert [(r.id, r.days_overdue, r.do_not_approach) for r in rows] == [
            (second.id, 61, False),
            (clinical.id, 31, True),
            (first.id, 12, False),
        ]
        assert rows[0].unit == "Wing A"
        upcoming = due_followups(fresh, as_of=date(2025, 6, 1), include_upcoming_days=7)
        assert [r.id for r in upcoming] == [second.id, clinical.id, first.id, soon.id]
        assert upcoming[-1].days_overdue == -4
        with_left = due_followups(fresh, as_of=date(2025, 6, 1), include_left=True)
        assert [(r.id, r.left) for r in with_left][:1] == [(leaver.id, True)]
        assert hidden.id not in [r.id for r in with_left]
        paged = due_followups(fresh, as_of=date(2025, 6, 1), offset=1, limit=1)
        assert [r.id for r in paged] == [clinical.id]


@pytest.mark.slow
def test_recent_audit_is_newest_first_and_for_admins_only(store: Store) -> None:
    rows = recent_audit(store, limit=2)
    assert len(rows) == 2 and rows[0].id > rows[1].id
    assert rows[0].account == "ana"
    store.add_account("val", Role.staff, PASSPHRASE)
    staff = Store.unlock(store.folder, user="val", passphrase=PASSPHRASE)
    try:
        with pytest.raises(NotAllowed):
            recent_audit(staff)
    finally:
        staff.close()


@pytest.mark.slow
def test_a_page_after_a_row_continues_the_worklist_where_offset_would(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    for fresh in module_store(tmp_path_factory):
        for ref in ("K1", "K2"):
            add_person(
                fresh,
                AddPerson(
                    ref=ref,
                    display_name=ref,
                    date_of_birth=date(1980, 1, 1),
                    arrived_on=date(2024, 1, 1),
                ),
            )
        # Two due the same day, so the page boundary falls between equal dates.
        due = [date(2025, 5, 3), date(2025, 5, 1), date(2025, 5, 1), date(2025, 4, 1)]
        ids = [
            schedule_followup(
                fresh,
                ScheduleFollowUp(person_ref=("K1", "K2")[i % 2], due_on=day, reason="next_step"),
            ).id
            for i, day in enumerate(due)
        ]
        everything = [r.id for r in due_followups(fresh, as_of=date(2025, 6, 1))]
        assert everything == [ids[3], ids[1], ids[2], ids[0]]
        first = due_followups(fresh, as_of=date(2025, 6, 1), limit=2)
        last = first[-1]
        after = due_followups(fresh, as_of=date(2025, 6, 1), after=(last.due_on, last.id))
        assert [r.id for r in after] == [ids[2], ids[0]]
        assert after == due_followups(fresh, as_of=date(2025, 6, 1), offset=2)


@pytest.mark.slow
def test_decisions_read_up_front_answer_as_the_store_does_and_stay_current(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    from outreach.services.decisions import RecordDecision, record_decision
    from outreach.services.standing import read_decisions

    for fresh in module_store(tmp_path_factory):
        add_person(fresh, AddPerson(ref="M1", display_name="M1", date_of_birth=date(1980, 1, 1)))
        record_decision(
            fresh,
            RecordDecision(person_ref="M1", kind="do_not_approach", decided_on=date(2025, 1, 1)),
        )
        record_decision(
            fresh,
            RecordDecision(person_ref="M1", kind="approach_again", decided_on=date(2025, 3, 1)),
        )
        days = [date(2024, 12, 31), date(2025, 1, 1), date(2025, 3, 1), date(2025, 5, 1)]
        with fresh.read() as session:
            person_id = person_by_ref(session, "M1").id
            assert person_id is not None
            stored = [decision_in_force(session, person_id, day) for day in days]
        with fresh.write() as session:
            read_decisions(session, [person_id])
            assert [decision_in_force(session, person_id, day) for day in days] == stored
            assert [d.kind if d else None for d in stored] == [
                None,
                "do_not_approach",
                "approach_again",
                "approach_again",
            ]
            record_decision(
                Action.within(session, None),
                RecordDecision(
                    person_ref="M1", kind="do_not_approach", decided_on=date(2025, 4, 1)
                ),
            )
            in_force = decision_in_force(session, person_id, date(2025, 5, 1))
            assert in_force is not None and in_force.kind == "do_not_approach"
