"""Two paired stores and small writes on them, for the sync conflict tests."""

from __future__ import annotations

import time
from datetime import date
from typing import Any

from sqlmodel import select

from outreach.clock import now
from outreach.model import Decision, Person, ScreeningEvent
from outreach.services.sync import export_bundle, import_bundle
from outreach.store.store import Store


def sync(x: Store, y: Store, x_name: str, y_name: str) -> None:
    """Both ways: x's bundle to y, then y's to x."""
    import_bundle(y, export_bundle(x, y_name)[0])
    import_bundle(x, export_bundle(y, x_name)[0])


def both(a: Store, b: Store) -> None:
    sync(a, b, "Laptop A", "Laptop B")


def person(store: Store, ref: str = "A1") -> int:
    with store.write() as session:
        person = Person(
            ref=ref, display_name="Ann", date_of_birth=date(1980, 5, 6), created_at=now()
        )
        session.add(person)
        session.flush()
        assert person.id is not None
        return person.id


def change(store: Store, model: type[Any], **values: Any) -> None:
    """Change the one row of ``model`` (a moment later than anything before, so clocks
    order the tests' changes as written)."""
    time.sleep(0.005)
    with store.write() as session:
        row = session.exec(select(model)).one()
        for name, value in values.items():
            setattr(row, name, value)
        session.add(row)


def value(store: Store, model: type[Any], name: str) -> Any:
    with store.read() as session:
        return getattr(session.exec(select(model)).one(), name)


def decide(store: Store, kind: str, day: date) -> None:
    time.sleep(0.005)
    with store.write() as session:
        person = session.exec(select(Person)).one()
        assert person.id is not None
        session.add(Decision(person_id=person.id, kind=kind, decided_on=day, created_at=now()))


def in_force(store: Store) -> str:
    with store.read() as session:
        rows = session.exec(select(Decision)).all()
        return max(rows, key=lambda d: (d.decided_on, d.id or 0)).kind


def add_event(store: Store, event: str, **fields: Any) -> None:
    with store.write() as session:
        person = session.exec(select(Person)).one()
        assert person.id is not None
        session.add(
            ScreeningEvent(
                person_id=person.id,
                occurred_on=date(2025, 3, 4),
                event=event,
                created_at=now(),
                **fields,
            )
        )
