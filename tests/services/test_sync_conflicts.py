"""Conflicts between paired stores: both values kept, clinical fields wait for a person,
do-not-approach and ceasing never undone by a merge, and a resolution travels."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from sqlmodel import select

from outreach.errors import ValidationError
from outreach.model import Decision, Person, ScreeningEvent
from outreach.services.site import own_card
from outreach.services.sync import export_bundle, import_bundle, pair
from outreach.services.sync_conflicts import ConflictView, conflicts, open_count, resolve
from outreach.store.store import Store
from tests.support.stores import new_store
from tests.support.sync_pairs import add_event, both, change, decide, in_force, person, sync, value


@pytest.fixture
def two(tmp_path: Path) -> Iterator[tuple[Store, Store]]:
    a, b = new_store(tmp_path / "a", site="Laptop A"), new_store(tmp_path / "b", site="Laptop B")
    pair(a, own_card(b).to_bytes())
    pair(b, own_card(a).to_bytes())
    yield a, b
    a.close()
    b.close()


def _open(store: Store) -> list[tuple[str, str, str | None, Any, str, Any, str]]:
    return [
        (
            c.table,
            c.field or c.op,
            c.person_ref,
            c.here_value,
            c.here_store,
            c.theirs_value,
            c.theirs_store,
        )
        for c in conflicts(store)
    ]


@pytest.mark.slow
def test_a_non_clinical_field_changed_on_both_takes_the_later_and_keeps_a_conflict(
    two: tuple[Store, Store],
) -> None:
    a, b = two
    person(a)
    both(a, b)
    change(a, Person, display_name="Ann Smith")  # A first...
    change(b, Person, display_name="Anne Smyth")  # ...then B, later: B's wins everywhere
    both(a, b)
    assert value(a, Person, "display_name") == value(b, Person, "display_name") == "Anne Smyth"
    assert _open(a) == [
        ("person", "display_name", "A1", "Ann Smith", "this laptop", "Anne Smyth", "Laptop B")
    ]
    assert _open(b) == [
        ("person", "display_name", "A1", "Anne Smyth", "this laptop", "Ann Smith", "Laptop A")
    ]
    (view,) = conflicts(a)
    assert (view.clinical, view.held_here) == (False, True)


@pytest.mark.slow
def test_changes_to_different_fields_raise_no_conflict(two: tuple[Store, Store]) -> None:
    a, b = two
    person(a)
    both(a, b)
    change(a, Person, display_name="Ann Smith")
    change(b, Person, language="pl")
    both(a, b)
    assert open_count(a) == open_count(b) == 0


@pytest.mark.slow
def test_a_change_made_after_seeing_the_other_is_no_conflict(two: tuple[Store, Store]) -> None:
    a, b = two
    person(a)
    both(a, b)
    change(a, Person, display_name="Ann Smith")
    both(a, b)
    change(b, Person, display_name="Ann Smyth")  # B had A's change: a correction, not a clash
    both(a, b)
    assert value(a, Person, "display_name") == "Ann Smyth"
    assert open_count(a) == open_count(b) == 0


@pytest.mark.slow
@pytest.mark.parametrize(
    ("field", "here", "there"),
    [
        ("hpv", "negative", "positive"),
        ("cytology", "normal", "low_grade"),
        ("action", "routine_recall", "colposcopy_2_weeks"),
        ("occurred_on", date(2025, 3, 5), date(2025, 3, 6)),
    ],
)
def test_a_screening_result_changed_on_both_keeps_each_sides_value_and_waits(
    two: tuple[Store, Store], field: str, here: Any, there: Any
) -> None:
    a, b = two
    person(a)
    add_event(a, "test")
    both(a, b)
    change(a, ScreeningEvent, **{field: here})
    change(b, ScreeningEvent, **{field: there})
    both(a, b)
    assert value(a, ScreeningEvent, field) == here
    assert value(b, ScreeningEvent, field) == there
    shown = str(here) if isinstance(here, date) else here
    shown_there = str(there) if isinstance(there, date) else there
    assert _open(a) == [
        ("screening_event", field, "A1", shown, "this laptop", shown_there, "Laptop B")
    ]
    assert _open(b) == [
        ("screening_event", field, "A1", shown_there, "this laptop", shown, "Laptop A")
    ]
    assert conflicts(a)[0].clinical


@pytest.mark.slow
def test_a_decision_and_a_follow_up_status_are_clinical(two: tuple[Store, Store]) -> None:
    a, b = two
    person(a)
    decide(a, "informed_decline", date(2025, 1, 10))
    both(a, b)
    change(a, Decision, revisit_on=date(2025, 7, 1))
    change(b, Decision, revisit_on=date(2025, 9, 1))
    both(a, b)
    assert (value(a, Decision, "revisit_on"), value(b, Decision, "revisit_on")) == (
        date(2025, 7, 1),
        date(2025, 9, 1),
    )
    assert [(c.field, c.clinical) for c in conflicts(a)] == [("revisit_on", True)]


@pytest.mark.slow
def test_the_resolution_travels_and_closes_the_conflict_on_the_other_store(
    two: tuple[Store, Store],
) -> None:
    a, b = two
    person(a)
    add_event(a, "test")
    both(a, b)
    change(a, ScreeningEvent, hpv="negative")
    change(b, ScreeningEvent, hpv="positive")
    both(a, b)
    (conflict,) = conflicts(b)
    done = resolve(b, conflict.id, "theirs")  # B's nurse checks the lab letter: A was right
    assert (done.status, done.resolved_by) == ("resolved", "ana")
    assert value(b, ScreeningEvent, "hpv") == "negative"
    assert open_count(b) == 0 and open_count(a) == 1
    sync(b, a, "Laptop B", "Laptop A")
    assert value(a, ScreeningEvent, "hpv") == "negative"
    assert open_count(a) == 0
    both(a, b)  # and nothing new is found once both hold the resolution
    assert open_count(a) == open_count(b) == 0
    assert value(a, ScreeningEvent, "hpv") == value(b, ScreeningEvent, "hpv") == "negative"


@pytest.mark.slow
def test_keeping_here_also_travels(two: tuple[Store, Store]) -> None:
    a, b = two
    person(a)
    add_event(a, "test")
    both(a, b)
    change(a, ScreeningEvent, hpv="negative")
    change(b, ScreeningEvent, hpv="positive")
    both(a, b)
    resolve(a, conflicts(a)[0].id, "here")
    both(a, b)
    assert value(a, ScreeningEvent, "hpv") == value(b, ScreeningEvent, "hpv") == "negative"
    assert open_count(a) == open_count(b) == 0


@pytest.mark.slow
def test_do_not_approach_lifted_on_one_side_stays_in_force_on_the_other(
    two: tuple[Store, Store],
) -> None:
    a, b = two
    person(a)
    decide(a, "do_not_approach", date(2025, 1, 10))
    both(a, b)
    decide(a, "approach_again", date(2025, 2, 1))  # lifted on A...
    change(b, Person, language="pl")  # ...while B changed something else
    both(a, b)
    assert in_force(b) == "do_not_approach"
    assert in_force(a) == "approach_again"
    expected_b = [("decision", "insert", "A1", None, "this laptop", "approach_again", "Laptop A")]
    assert [(*row[:3], None, row[4], row[5]["kind"], row[6]) for row in _open(b)] == expected_b
    assert [c.op for c in conflicts(a)] == ["insert"]  # the conflict travelled to A too
    # B's nurse agrees it was lifted: the decision arrives, and A's conflict closes
    resolve(b, conflicts(b)[0].id, "theirs")
    assert in_force(b) == "approach_again"
    both(a, b)
    assert open_count(a) == open_count(b) == 0
    assert in_force(a) == in_force(b) == "approach_again"


@pytest.mark.slow
def test_keeping_a_do_not_approach_removes_the_lifting_everywhere(
    two: tuple[Store, Store],
) -> None:
    a, b = two
    person(a)
    decide(a, "do_not_approach", date(2025, 1, 10))
    both(a, b)
    decide(a, "approach_again", date(2025, 2, 1))
    both(a, b)
    resolve(b, conflicts(b)[0].id, "here")
    both(a, b)
    assert in_force(a) == in_force(b) == "do_not_approach"
    assert open_count(a) == open_count(b) == 0


@pytest.mark.slow
def test_a_deleted_do_not_approach_is_held_even_when_not_concurrent(
    two: tuple[Store, Store],
) -> None:
    a, b = two
    person(a)
    decide(a, "do_not_approach", date(2025, 1, 10))
    both(a, b)
    with a.write() as session:
        session.delete(session.exec(select(Decision)).one())
    report = import_bundle(b, export_bundle(a, "Laptop B")[0])
    assert (report.applied, report.held, report.conflicts) == (0, 1, 1)
    assert in_force(b) == "do_not_approach"
    assert [(c.op, c.clinical) for c in conflicts(b)] == [("delete", True)]
    again = import_bundle(b, export_bundle(a, "Laptop B")[0])
    assert (again.applied, again.known, open_count(b)) == (0, 1, 1)


@pytest.mark.slow
def test_a_ceasing_is_never_undone_by_a_merge(two: tuple[Store, Store]) -> None:
    a, b = two
    person(a)
    add_event(a, "ceased", reason="radiotherapy")
    both(a, b)
    change(a, ScreeningEvent, reason="informed_choice")  # no longer a clinical ceasing
    both(a, b)
    assert value(b, ScreeningEvent, "reason") == "radiotherapy"
    assert [(c.field, c.here_value, c.theirs_value) for c in conflicts(b)] == [
        ("reason", "radiotherapy", "informed_choice")
    ]


@pytest.mark.slow
def test_resolving_needs_an_open_conflict_and_a_side(two: tuple[Store, Store]) -> None:
    a, b = two
    person(a)
    add_event(a, "test")
    both(a, b)
    change(a, ScreeningEvent, hpv="negative")
    change(b, ScreeningEvent, hpv="positive")
    both(a, b)
    conflict: ConflictView = conflicts(a)[0]
    with pytest.raises(ValidationError, match="not a side"):
        resolve(a, conflict.id, "mine")
    with pytest.raises(ValidationError, match="there is no conflict 99"):
        resolve(a, 99, "here")
    resolve(a, conflict.id, "here")
    with pytest.raises(ValidationError, match="already resolved by ana"):
        resolve(a, conflict.id, "here")
