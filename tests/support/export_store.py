"""A small store with distinctive names, references and notes, shared by the export tests (as
the ``filled_store`` fixture), and the exact figures the export builds from it, worked out by
hand (tests/exports/test_export_store.py checks them).

Population on 2024-09-30 (the end of 2024-Q3), all with a cervix, aged 30 to 59:
- Alder Wing: 40 residents; residents 0-29 had an HPV negative test on 2023-05-10 (covered).
- Birch House: 3 residents, none tested (a unit small enough to be suppressed).
So coverage is 30 / 43 at the end of the period (published 30 / 45 -> 66.7%).
"""

from __future__ import annotations

import zipfile
from datetime import date
from pathlib import Path

from outreach.clock import now
from outreach.exports.export import export_summary
from outreach.model import (
    Conversation,
    ConversationBarrier,
    ConversationMentor,
    Decision,
    FollowUp,
    Mentor,
    Person,
    ScreeningEvent,
    Stay,
    Target,
    Unit,
)
from outreach.store.store import Store

PERIOD = "2024-Q3"
AS_OF = date(2024, 11, 15)
ALDER, BIRCH = "Alder Wing", "Birch House"
MENTOR_NAME = "Wilhelmina Corvidae-Strand"


def person_name(i: int) -> str:
    return f"Zephyrina Quillfeather-{chr(65 + i % 26)}{chr(65 + i // 26)}"


def person_ref(i: int) -> str:
    return f"QX{i:03d}ZK"


def note(i: int) -> str:
    return f"lighthouse-keeper-secret-{i:03d}"


def identifying_texts() -> list[str]:
    """Every name, reference and note the store holds about a person."""
    texts = [MENTOR_NAME, "Quillfeather", "lighthouse-keeper"]
    for i in range(43):
        texts += [person_name(i), person_ref(i), note(i)]
    return texts


def populate(store: Store) -> None:
    """Fill ``store`` with the population described in the module docstring."""
    created = now()
    with store.write() as session:
        alder, birch = Unit(name=ALDER), Unit(name=BIRCH)
        mentor = Mentor(name=MENTOR_NAME, trained_on=date(2023, 1, 10))
        session.add_all([alder, birch, mentor])
        session.flush()
        people = []
        for i in range(43):
            person = Person(
                ref=person_ref(i),
                display_name=person_name(i),
                date_of_birth=date(1965 + i % 30, 1 + i % 12, 1 + i % 28),
                has_cervix="yes",
                created_at=created,
            )
            session.add(person)
            people.append(person)
        session.flush()
        for i, person in enumerate(people):
            unit = alder if i < 40 else birch
            session.add(Stay(person_id=person.id, unit_id=unit.id, arrived_on=date(2022, 1, 5)))
            if i < 30:
                session.add(_event(person, date(2023, 5, 10), "test", note(i), hpv="negative"))
        # Offers in July 2024 to residents 30-39; 30-35 tested within 183 days.
        for i in range(30, 40):
            session.add(_event(people[i], date(2024, 7, 3), "offered", note(i)))
        for i in range(30, 36):
            session.add(_event(people[i], date(2024, 10, 1), "test", note(i), hpv="negative"))
        # One-to-one conversations in August with residents 30-41: 12 conversations.
        for i in range(30, 42):
            talk = Conversation(
                occurred_on=date(2024, 8, 6),
                kind="one_to_one",
                person_id=people[i].id,
                setting="wing",
                minutes=20,
                outcome="accepted_offer" if i < 39 else "undecided_more_time",
                note=note(i),
                created_at=created,
            )
            session.add(talk)
            session.flush()
            session.add(ConversationMentor(conversation_id=talk.id, mentor_id=mentor.id))
            codes = ["practical_access"] if i < 39 else ["fear_anxiety"]
            for code in codes:
                session.add(ConversationBarrier(conversation_id=talk.id, code=code))
        session.add(
            Decision(
                person_id=people[42].id,
                kind="informed_decline",
                decided_on=date(2024, 8, 7),
                revisit_on=date(2025, 2, 7),
                note=note(42),
                created_at=created,
            )
        )
        for i in range(36, 40):
            session.add(
                FollowUp(
                    person_id=people[i].id,
                    opened_on=date(2024, 8, 1),
                    due_on=date(2024, 9, 1),
                    original_due_on=date(2024, 9, 1),
                    reason="next_step",
                    status="done",
                    done_on=date(2024, 8, 20),
                    note=note(i),
                    created_at=created,
                )
            )
        session.add(
            Target(
                measure="coverage",
                value=90.0,
                baseline_value=64.0,
                baseline_on=date(2020, 4, 1),
                target_on=date(2025, 3, 31),
                created_at=created,
            )
        )


def _event(person: Person, day: date, event: str, text: str, **fields: str) -> ScreeningEvent:
    assert person.id is not None
    return ScreeningEvent(
        person_id=person.id, occurred_on=day, event=event, note=text, created_at=now(), **fields
    )


def export_all(store: Store, out: Path, policy: str = "nhs-hes-2018") -> Path:
    """Export the test period in every format into ``out``."""
    export_summary(store, period=PERIOD, out=out, as_of=AS_OF, policy=policy)
    return out


def file_bytes(folder: Path) -> dict[str, bytes]:
    """Every file of an export, and every member of each XLSX zip, decompressed."""
    found = {}
    for path in sorted(folder.iterdir()):
        found[path.name] = path.read_bytes()
        if path.suffix == ".xlsx":
            with zipfile.ZipFile(path) as book:
                for member in book.namelist():
                    found[f"{path.name}:{member}"] = book.read(member)
    return found
