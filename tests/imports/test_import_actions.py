"""An import, its undo and a saved mapping are each one ``store.action``: the rows, the batch
and the one audit row commit together through the same path every other write takes."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlmodel import col, select

from outreach.imports.mapping import ColumnMapping, save_mapping
from outreach.imports.pipeline import import_people
from outreach.imports.undo import undo_import
from outreach.model import AuditEntry
from outreach.store.store import Store
from tests.support.stores import frozen_on

_today = frozen_on("2024-12-01")

ROLL = (
    b"ref,name,date_of_birth,unit,arrived\n"
    b"U001,Amy Stone,1980-01-02,Elm,2024-01-10\n"
    b"U002,Bea Cole,1975-05-06,Oak,2024-02-11\n"
)


@pytest.fixture
def actions(store: Store, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the actions ``store`` opens, in order."""
    opened: list[str] = []
    original = Store.action

    @contextmanager
    def action(self: Store, name: str, **options: Any) -> Iterator[Any]:
        opened.append(name)
        with original(self, name, **options) as act:
            yield act

    monkeypatch.setattr(Store, "action", action)
    return opened


def _audit(store: Store) -> list[tuple[str, str, int | None]]:
    with store.read() as session:
        rows = session.exec(
            select(AuditEntry.action, AuditEntry.entity, AuditEntry.entity_id).order_by(
                col(AuditEntry.id)
            )
        ).all()
    return [tuple(row) for row in rows if row[0].startswith("import")]  # type: ignore[misc]


def test_an_import_and_its_undo_are_each_one_action_with_one_audit_row(
    store: Store, actions: list[str]
) -> None:
    report = import_people(store, ROLL)
    assert (report.added, report.batch_id) == (2, 1)
    undo_import(store, 1)
    assert actions == ["import.people", "import.undo"]
    assert _audit(store) == [("import.people", "people", 1), ("import.undo", "import_batch", 1)]


def test_a_dry_run_import_opens_its_action_and_leaves_no_audit_row(
    store: Store, actions: list[str]
) -> None:
    report = import_people(store, ROLL, dry_run=True)
    assert (report.added, report.batch_id) == (2, None)
    assert actions == ["import.people"]
    assert _audit(store) == []


def test_saving_a_mapping_is_one_action_with_its_audit_row(
    store: Store, actions: list[str]
) -> None:
    save_mapping(store, "Roll", ColumnMapping(kind="people", columns={"Ref": "ref"}))
    assert actions == ["import_mapping.save"]
    assert _audit(store) == [("import_mapping.save", "import_mapping", 1)]
