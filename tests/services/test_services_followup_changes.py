"""Worklist changes and their undo: the state before is put back in one audited step, and
only while the follow-up is still as the change left it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from freezegun import freeze_time

from outreach.model import FollowUp
from outreach.services.decisions import RecordDecision, record_decision
from outreach.services.errors import AlreadyChanged, ValidationError
from outreach.services.followup_changes import (
    CompleteFollowUp,
    FollowUpState,
    RescheduleFollowUp,
    UndoFollowUpChange,
    complete_followup,
    reschedule_followup,
    undo_followup_change,
)
from outreach.services.followups import ScheduleFollowUp, schedule_followup
from outreach.services.people import AddPerson, add_person
from outreach.store.store import Store
from outreach.store.store_lock import when
from tests.support.service_helpers import last_audit
from tests.support.store_helpers import table_counts
from tests.support.stores import frozen_on, module_store

TODAY = "2025-06-01"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    with freeze_time(TODAY):
        for opened in module_store(tmp_path_factory):
            for ref in ("U1", "U2", "U3", "U4"):
                add_person(
                    opened,
                    AddPerson(
                        ref=ref,
                        display_name=f"Undo {ref}",
                        date_of_birth=date(1980, 1, 1),
                        arrived_on=date(2024, 1, 1),
                    ),
                )
            yield opened


_today = frozen_on(TODAY)


def _state(store: Store, followup_id: int) -> FollowUpState:
    with store.read() as session:
        followup = session.get(FollowUp, followup_id)
        assert followup is not None
        return FollowUpState.of(followup)


def _next_step(store: Store, ref: str) -> int:
    followup = schedule_followup(
        store, ScheduleFollowUp(person_ref=ref, due_on=date(2025, 5, 20), reason="next_step")
    )
    assert followup.id is not None
    return followup.id


def test_done_then_undo_leaves_the_follow_up_open_as_before(store: Store) -> None:
    followup_id = _next_step(store, "U1")
    done = complete_followup(store, CompleteFollowUp(followup_id=followup_id))
    assert done.person_ref == "U1"
    assert done.before == FollowUpState("open", date(2025, 5, 20), None)
    assert done.after == FollowUpState("done", date(2025, 5, 20), date(2025, 6, 1))
    undone = undo_followup_change(store, UndoFollowUpChange(change=done))
    assert undone.after == done.before
    assert _state(store, followup_id) == FollowUpState("open", date(2025, 5, 20), None)
    assert last_audit(store)[0].action == "followup.undo"
    assert last_audit(store)[0].fields == "done_on,status"
    assert last_audit(store)[0].entity_id == followup_id


def test_a_move_then_undo_puts_back_the_due_date(store: Store) -> None:
    followup_id = _next_step(store, "U2")
    moved = reschedule_followup(
        store, RescheduleFollowUp(followup_id=followup_id, due_on=date(2025, 6, 8))
    )
    assert _state(store, followup_id).due_on == date(2025, 6, 8)
    undo_followup_change(store, UndoFollowUpChange(change=moved))
    assert _state(store, followup_id) == FollowUpState("open", date(2025, 5, 20), None)
    assert (last_audit(store)[0].action, last_audit(store)[0].fields) == ("followup.undo", "due_on")


def test_an_undo_is_refused_once_the_follow_up_changed_since(store: Store) -> None:
    followup_id = _next_step(store, "U3")
    moved = reschedule_followup(
        store, RescheduleFollowUp(followup_id=followup_id, due_on=date(2025, 6, 8))
    )
    complete_followup(store, CompleteFollowUp(followup_id=followup_id))
    before = table_counts(store)
    with pytest.raises(AlreadyChanged) as refused:
        undo_followup_change(store, UndoFollowUpChange(change=moved))
    done_at = when(last_audit(store)[0].at)
    assert str(refused.value) == (
        f"follow-up {followup_id} was marked done by ana at {done_at} since; nothing was undone"
    )
    assert table_counts(store) == before
    assert _state(store, followup_id) == FollowUpState("done", date(2025, 6, 8), date(2025, 6, 1))


def test_an_undo_never_reopens_an_approach_for_someone_now_marked_do_not_approach(
    store: Store,
) -> None:
    followup_id = _next_step(store, "U4")
    done = complete_followup(store, CompleteFollowUp(followup_id=followup_id))
    record_decision(
        store, RecordDecision(person_ref="U4", kind="do_not_approach", decided_on=date(2025, 6, 1))
    )
    with pytest.raises(ValidationError) as refused:
        undo_followup_change(store, UndoFollowUpChange(change=done))
    assert str(refused.value) == "followup_id: U4 is now marked do not approach"
    assert _state(store, followup_id).status == "done"
