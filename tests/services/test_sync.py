"""Sync bundles between two paired stores: what travels, idempotence, field-by-field merging,
acknowledgement, and bundles refused unchanged."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, timedelta
from pathlib import Path

import pytest
from freezegun import freeze_time
from sqlmodel import select

from outreach.clock import now
from outreach.errors import ValidationError
from outreach.model import Person
from outreach.services.site import own_card
from outreach.services.sync import export_bundle, import_bundle, pair
from outreach.store.store import Store
from tests.support.store_helpers import table_counts
from tests.support.stores import new_store


@pytest.fixture
def two(tmp_path: Path) -> Iterator[tuple[Store, Store]]:
    a, b = new_store(tmp_path / "a", site="Laptop A"), new_store(tmp_path / "b", site="Laptop B")
    pair(a, own_card(b).to_bytes())
    pair(b, own_card(a).to_bytes())
    yield a, b
    a.close()
    b.close()


def _add(store: Store, ref: str, name: str) -> None:
    with store.write() as session:
        session.add(
            Person(ref=ref, display_name=name, date_of_birth=date(1990, 1, 2), created_at=now())
        )


def _edit(store: Store, ref: str, **values: str) -> None:
    with store.write() as session:
        person = session.exec(select(Person).where(Person.ref == ref)).one()
        for name, value in values.items():
            setattr(person, name, value)
        session.add(person)


def _people(store: Store) -> list[tuple[str | None, str, str, str | None]]:
    with store.read() as session:
        rows = session.exec(select(Person).order_by(Person.ref)).all()
        return [(p.uid, p.ref, p.display_name, p.language) for p in rows]


@pytest.mark.slow
def test_a_bundle_carries_new_rows_once(two: tuple[Store, Store]) -> None:
    a, b = two
    _add(a, "A1", "Ann [/]")
    _add(a, "A2", "Bea")
    bundle, written = export_bundle(a, "Laptop B")
    assert (written.number, written.changes) == (1, 2)
    first = import_bundle(b, bundle)
    assert (first.applied, first.known) == (2, 0)
    assert _people(b) == _people(a)
    counts = table_counts(b)
    again = import_bundle(b, bundle)
    assert (again.applied, again.known) == (0, 2)
    # a second import only notes, in its audit row, that it was seen
    assert {k: v for k, v in table_counts(b).items() if k != "audit"} == {
        k: v for k, v in counts.items() if k != "audit"
    }


@pytest.mark.slow
def test_fields_merge_one_by_one_and_the_later_clock_wins_a_field(
    two: tuple[Store, Store],
) -> None:
    a, b = two
    _add(a, "A1", "Ann")
    import_bundle(b, export_bundle(a, "Laptop B")[0])
    _edit(a, "A1", display_name="Ann Smith")  # A changes the name...
    _edit(b, "A1", language="pl")  # ...B the language: no clash
    _edit(a, "A1", language="cy")  # then A changes the language too, later than B
    to_b, _ = export_bundle(a, "Laptop B")
    to_a, _ = export_bundle(b, "Laptop A")
    import_bundle(b, to_b)
    import_bundle(a, to_a)
    assert _people(a) == _people(b)
    assert [(r, n, lang) for _, r, n, lang in _people(a)] == [("A1", "Ann Smith", "cy")]


@pytest.mark.slow
def test_the_peers_acknowledgement_cuts_the_next_bundle(two: tuple[Store, Store]) -> None:
    a, b = two
    _add(a, "A1", "Ann")
    import_bundle(b, export_bundle(a, "Laptop B")[0])
    back, written = export_bundle(b, "Laptop A")
    assert written.changes == 0  # A's own change is not sent back to it
    report = import_bundle(a, back)
    assert (report.applied, report.known) == (0, 0)
    _, next_one = export_bundle(a, "Laptop B")
    assert next_one.changes == 0  # B said it holds A's changes up to here


@pytest.mark.slow
def test_bundles_out_of_order_end_in_the_same_store(two: tuple[Store, Store]) -> None:
    a, b = two
    _add(a, "A1", "Ann")
    first, _ = export_bundle(a, "Laptop B")
    _edit(a, "A1", display_name="Ann Smith")
    second, written = export_bundle(a, "Laptop B")
    assert written.changes == 2  # nothing acknowledged yet: the second carries both
    assert import_bundle(b, second).applied == 2
    late = import_bundle(b, first)
    assert (late.applied, late.known) == (0, 1)
    assert _people(b) == _people(a)


@pytest.mark.slow
def test_a_deletion_travels_as_a_tombstone(two: tuple[Store, Store]) -> None:
    a, b = two
    _add(a, "A1", "Ann")
    import_bundle(b, export_bundle(a, "Laptop B")[0])
    _edit(b, "A1", language="pl")
    with a.write() as session:
        session.delete(session.exec(select(Person)).one())
    import_bundle(b, export_bundle(a, "Laptop B")[0])
    import_bundle(a, export_bundle(b, "Laptop A")[0])
    assert _people(a) == _people(b) == []


def _unchanged(store: Store, data: bytes, message: str) -> None:
    before = table_counts(store)
    with pytest.raises(ValidationError) as raised:
        import_bundle(store, data)
    assert message in str(raised.value)
    assert table_counts(store) == before


@pytest.mark.slow
def test_altered_foreign_misaddressed_and_expired_bundles_are_refused(
    two: tuple[Store, Store], tmp_path: Path
) -> None:
    a, b = two
    _add(a, "A1", "Ann")
    bundle, _ = export_bundle(a, "Laptop B")
    altered = bytearray(bundle)
    altered[-20] ^= 1  # inside the sealed, compressed payload
    _unchanged(b, bytes(altered), "altered")
    _unchanged(a, bundle, "sealed for another store")
    with new_store(tmp_path / "c", site="Stranger") as c:
        pair(c, own_card(b).to_bytes())
        _add(c, "C1", "Cat")
        foreign, _ = export_bundle(c, "Laptop B")
    _unchanged(b, foreign, "which is not paired with this store")
    with freeze_time(now() + timedelta(days=31), ignore=["_pytest.timing"]):
        _unchanged(b, bundle, "this bundle expired on")
    assert import_bundle(b, bundle).applied == 1
