"""A small store with distinctive names, references and notes, shared by the export tests,
and the exact figures the export builds from it, worked out by hand.

Population on 2024-09-30 (the end of 2024-Q3), all with a cervix, aged 30 to 59:
- Alder Wing: 40 residents; residents 0-29 had an HPV negative test on 2023-05-10 (covered).
- Birch House: 3 residents, none tested (a unit small enough to be suppressed).
So coverage is 30 / 43 at the end of the period (published 30 / 45 -> 66.7%).
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from sqlmodel import select

from outreach.clock import now
from outreach.exports.builder import build_table
from outreach.exports.export import export_summary
from outreach.exports.table import TOTAL, Kind
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
from outreach.stats.period import Period
from outreach.store.store import Store
from tests.conftest import PASSPHRASE

PERIOD = "2024-Q3"
AS_OF = date(2024, 11, 15)
ALDER, BIRCH = "Alder Wing", "Birch House"
MENTOR_NAME = "Wilhelmina Corvidae-Strand"
SITE = "HMP Test"


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


@pytest.fixture(scope="module")
def filled_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """One populated store per test module (unlocking costs ~0.1 s each time)."""
    folder: Path = tmp_path_factory.mktemp("export-store") / "store"
    opened, _ = Store.init(folder, site_name=SITE, admin="ana", passphrase=PASSPHRASE)
    populate(opened)
    try:
        yield opened
    finally:
        opened.close()


def test_the_table_counts_coverage_at_the_end_of_the_period(filled_store: Store) -> None:
    with filled_store.read() as session:
        table = build_table(session, Period.parse(PERIOD), as_of=AS_OF)
    coverage = [r for r in table.rows if r.measure == "coverage"]
    assert [(r.breakdown, r.category, r.numerator, r.denominator) for r in coverage] == [
        (TOTAL, "all", 30, 43),
        # Born 1965 + i % 30: 25-49 on 2024-09-30 are i = 10-29 and 40-42 (born 1975 or
        # later) and i = 9 (born 1974-10-10, still 49); residents 0-29 are the covered ones.
        ("age_band", "25-49", 21, 24),
        ("age_band", "50-64", 9, 19),
        ("unit", ALDER, 30, 40),
        ("unit", BIRCH, 0, 3),
    ]


def test_the_trend_runs_over_the_period_and_the_twelve_months_before(
    filled_store: Store,
) -> None:
    with filled_store.read() as session:
        table = build_table(session, Period.parse(PERIOD), as_of=AS_OF)
    months = [r.category for r in table.rows if r.measure == "coverage_trend"]
    assert months[0] == "2023-07" and months[-1] == "2024-09" and len(months) == 15


def test_the_table_holds_no_mentor_breakdown(filled_store: Store) -> None:
    with filled_store.read() as session:
        table = build_table(session, Period.parse(PERIOD), as_of=AS_OF)
    assert all(row.breakdown != "mentor" for row in table.rows)
    assert all(MENTOR_NAME not in row.category for row in table.rows)


def test_uptake_counts_tested_offers_against_resolved_offers(filled_store: Store) -> None:
    with filled_store.read() as session:
        table = build_table(session, Period.parse(PERIOD), as_of=AS_OF)
    [uptake] = [r for r in table.rows if r.measure == "uptake"]
    # 10 offers on 2024-07-03; 6 tested by 2024-10-01; the other 4 still within 183 days.
    assert (uptake.kind, uptake.numerator, uptake.denominator) == (Kind.rate, 6, 6)
    assert (uptake.initial_population, uptake.exclusions) == (10, 4)


def test_the_store_holds_the_identifying_texts_the_export_must_not(filled_store: Store) -> None:
    with filled_store.read() as session:
        names = {p.display_name for p in session.exec(select(Person))}
    assert person_name(0) in names and len(names) == 43
