"""Store.action: one role check, one write transaction and one audit row per write use case."""

from __future__ import annotations

from datetime import date

import pytest
from sqlmodel import col, select

from outreach.model import AuditEntry, Mentor, Role
from outreach.services.mentors import AddMentor, add_mentor
from outreach.store import audit
from outreach.store.action import Action
from outreach.store.errors import NotAllowed
from outreach.store.store import Store
from tests.support.stores import PASSPHRASE


def _audit(store: Store) -> list[tuple[str, str, int | None, str]]:
    with store.read() as session:
        rows = session.exec(select(AuditEntry).order_by(col(AuditEntry.id))).all()
        return [(r.action, r.entity, r.entity_id, r.fields) for r in rows][1:]  # after init's


def _mentors(store: Store) -> list[str]:
    with store.read() as session:
        return list(session.exec(select(Mentor.name).order_by(col(Mentor.id))))


def test_the_audit_row_names_what_the_block_said_in_the_same_transaction(store: Store) -> None:
    with store.action("thing.do", entity="mentor") as act:
        act.session.add(Mentor(name="Mo"))
        act.session.flush()
        act.names(7, ["b", "a", "a"])
    assert _mentors(store) == ["Mo"]
    assert _audit(store) == [("thing.do", "mentor", 7, "a,b")]
    assert store.commits == 1


def test_an_error_in_the_block_leaves_neither_the_write_nor_an_audit_row(store: Store) -> None:
    with pytest.raises(RuntimeError), store.action("thing.do", entity="mentor") as act:
        act.session.add(Mentor(name="Mo"))
        act.session.flush()
        act.names(1, ["name"])
        raise RuntimeError("stop")
    assert _mentors(store) == []
    assert _audit(store) == []
    assert store.commits == 0


def test_a_block_that_changes_nothing_leaves_no_audit_row(store: Store) -> None:
    with store.action("thing.do") as act:
        act.unchanged()
    assert _audit(store) == []


def test_a_viewer_is_refused_before_any_transaction(store: Store, store_dir: object) -> None:
    store.add_account("vic", Role.viewer, PASSPHRASE)
    commits = store.commits
    with Store.unlock(store.folder, user="vic", passphrase=PASSPHRASE) as viewer:
        with pytest.raises(NotAllowed) as refused, viewer.action("thing.do"):
            raise AssertionError("not reached: viewers may not write")
        assert str(refused.value) == "vic is viewer; this needs admin or staff"
        # A use case may let any account act (drafts do).
        with viewer.action("thing.do", roles=tuple(Role)) as act:
            act.names(None, ["x"])
        assert viewer.commits == 1
    assert store.commits == commits


def test_use_cases_run_inside_another_action_leave_only_the_outer_row(store: Store) -> None:
    with store.action("outer.do", entity="batch") as outer:
        add_mentor(outer, AddMentor(name="Mo", active_from=date(2025, 3, 1)))
        add_mentor(outer, AddMentor(name="Ma", active_from=date(2024, 11, 30)))
        outer.names(None, ["count=2"])
    assert _mentors(store) == ["Mo", "Ma"]
    assert _audit(store) == [("outer.do", "batch", None, "count=2")]
    # The earliest day touched reaches the outer action from those run inside it.
    assert outer.earliest == date(2024, 11, 30)


def test_an_action_within_a_callers_transaction_writes_no_audit_row(store: Store) -> None:
    with store.write() as session:
        within = Action.within(session, store.actor.id)
        mentor = add_mentor(within, AddMentor(name="Mo"))
    assert mentor.name == "Mo"
    assert _mentors(store) == ["Mo"]
    assert _audit(store) == []


def test_touches_keeps_the_earliest_day() -> None:
    act = Action.within(None, None)  # type: ignore[arg-type]
    act.touches(date(2025, 5, 2))
    act.touches(None)
    act.touches(date(2025, 5, 1))
    act.touches(date(2025, 6, 1))
    assert act.earliest == date(2025, 5, 1)


def test_a_derived_write_that_writes_an_audit_row_is_refused_whole(store: Store) -> None:
    with pytest.raises(ValueError, match="derived"), store.write(derived=True) as session:
        session.add(Mentor(name="Mo"))
        audit.record(session, actor_id=store.actor.id, action="thing.do")
    assert _mentors(store) == []
    assert _audit(store) == []
    assert store.commits == 0
