"""People and stays: adding, correcting, arriving and leaving; dates as staff type them."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from freezegun import freeze_time
from sqlmodel import select

from outreach.model import Person, Role, Stay, Unit
from outreach.services.dates import parse_date
from outreach.services.errors import ValidationError
from outreach.services.people import (
    AddPerson,
    RecordArrival,
    RecordLeaving,
    UpdatePerson,
    add_person,
    record_arrival,
    record_leaving,
    update_person,
)
from outreach.store.errors import NotAllowed
from outreach.store.store import Store
from tests.support.service_helpers import assert_no_value_in_audit, last_audit
from tests.support.store_helpers import table_counts
from tests.support.stores import PASSPHRASE, frozen_on, module_store

TODAY = "2025-06-01"


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    with freeze_time(TODAY):
        yield from module_store(tmp_path_factory)


_today = frozen_on(TODAY)


def _person(store: Store, ref: str) -> Person:
    with store.read() as session:
        return session.exec(select(Person).where(Person.ref == ref)).one()


def _stays(store: Store, person_id: int | None) -> list[Stay]:
    with store.read() as session:
        return list(session.exec(select(Stay).where(Stay.person_id == person_id)))


def test_add_person_stores_the_person_and_their_first_stay(store: Store) -> None:
    add_person(
        store,
        AddPerson(
            ref="P100",
            display_name=" Alice Example ",
            date_of_birth=date(1990, 5, 1),
            has_cervix="yes",
            language="Polish",
            unit="Wing A",
            arrived_on=date(2025, 1, 2),
        ),
    )
    person = _person(store, "P100")
    assert (person.display_name, person.date_of_birth, person.has_cervix, person.language) == (
        "Alice Example",
        date(1990, 5, 1),
        "yes",
        "Polish",
    )
    [stay] = _stays(store, person.id)
    assert (stay.arrived_on, stay.left_on, stay.left_reason) == (date(2025, 1, 2), None, None)
    with store.read() as session:
        unit = session.get(Unit, stay.unit_id)
    assert unit is not None and unit.name == "Wing A"


def test_add_person_writes_one_audit_row_with_field_names_only(store: Store) -> None:
    before = table_counts(store)["audit"]
    add_person(
        store,
        AddPerson(
            ref="P101",
            display_name="Zebedee Quark",
            date_of_birth=date(1988, 2, 3),
            unit="Wing Q",
            arrived_on=date(2025, 2, 3),
        ),
    )
    assert table_counts(store)["audit"] == before + 1
    [row] = last_audit(store)
    assert (row.action, row.entity, row.entity_id) == (
        "person.add",
        "person",
        _person(store, "P101").id,
    )
    assert row.fields == "date_of_birth,display_name,has_cervix,ref,stay.arrived_on,stay.unit"
    assert_no_value_in_audit(store, "Zebedee", "Quark", "P101", "1988-02-03", "Wing Q")


def test_an_existing_unit_is_reused_ignoring_case(store: Store) -> None:
    add_person(
        store,
        AddPerson(
            ref="P102",
            display_name="B",
            date_of_birth=date(1990, 1, 1),
            unit="wing a",
            arrived_on=date(2025, 1, 1),
        ),
    )
    with store.read() as session:
        names = [u.name for u in session.exec(select(Unit).where(Unit.name.ilike("wing a")))]  # type: ignore[attr-defined]
    assert names == ["Wing A"]


@pytest.mark.parametrize(
    ("kwargs", "field", "words"),
    [
        ({"date_of_birth": date(2030, 1, 1)}, "date_of_birth", "2030-01-01 is in the future"),
        ({"date_of_birth": date(1899, 12, 31)}, "date_of_birth", "before 1900"),
        ({"ref": "p100"}, "ref", "already used"),
        ({"ref": "  "}, "ref", "reference is needed"),
        ({"display_name": ""}, "display_name", "name is needed"),
        ({"has_cervix": "maybe"}, "has_cervix", "'maybe' is not one of yes, no, unknown"),
        ({"unit": "Wing A"}, "arrived_on", "arrival date is needed"),
        ({"arrived_on": date(2025, 7, 1)}, "arrived_on", "in the future"),
        ({"arrived_on": date(1979, 1, 1)}, "arrived_on", "before the person's date of birth"),
    ],
)
def test_add_person_refuses_bad_input_and_writes_nothing(
    store: Store, kwargs: dict[str, object], field: str, words: str
) -> None:
    values: dict[str, object] = {
        "ref": "P199",
        "display_name": "Bad Input",
        "date_of_birth": date(1980, 1, 1),
    }
    values.update(kwargs)
    before = table_counts(store)
    with pytest.raises(ValidationError) as caught:
        add_person(store, AddPerson(**values))  # type: ignore[arg-type]
    assert caught.value.field == field
    assert str(caught.value).startswith(f"{field}: ")
    assert words in str(caught.value)
    assert table_counts(store) == before


def test_update_person_changes_and_audits_only_changed_fields(store: Store) -> None:
    add_person(
        store, AddPerson(ref="P110", display_name="Old Name", date_of_birth=date(1970, 1, 1))
    )
    changed = update_person(
        store,
        UpdatePerson(
            person_ref="P110",
            display_name="New Name",
            date_of_birth=date(1970, 1, 1),
            has_cervix="no",
        ),
    )
    assert changed == ["display_name", "has_cervix"]
    person = _person(store, "P110")
    assert (person.display_name, person.has_cervix) == ("New Name", "no")
    [row] = last_audit(store)
    assert (row.action, row.fields) == ("person.update", "display_name,has_cervix")
    assert_no_value_in_audit(store, "New Name", "Old Name")


def test_update_person_with_nothing_changed_writes_nothing(store: Store) -> None:
    add_person(store, AddPerson(ref="P111", display_name="Same", date_of_birth=date(1970, 1, 1)))
    before = table_counts(store)
    assert update_person(store, UpdatePerson(person_ref="P111", display_name="Same")) == []
    assert table_counts(store) == before


def test_update_of_unknown_person_names_the_reference_field(store: Store) -> None:
    before = table_counts(store)
    with pytest.raises(ValidationError) as caught:
        update_person(store, UpdatePerson(person_ref="NOPE", display_name="X"))
    assert caught.value.field == "person_ref"
    assert table_counts(store) == before


def test_leaving_closes_the_open_stay(store: Store) -> None:
    add_person(
        store,
        AddPerson(
            ref="P120",
            display_name="L",
            date_of_birth=date(1980, 1, 1),
            arrived_on=date(2024, 3, 1),
        ),
    )
    record_leaving(
        store, RecordLeaving(person_ref="P120", left_on=date(2025, 5, 1), left_reason="transferred")
    )
    [stay] = _stays(store, _person(store, "P120").id)
    assert (stay.left_on, stay.left_reason) == (date(2025, 5, 1), "transferred")
    [row] = last_audit(store)
    assert (row.action, row.entity, row.fields) == ("stay.leave", "stay", "left_on,left_reason")


def test_a_stay_cannot_end_before_it_starts(store: Store) -> None:
    add_person(
        store,
        AddPerson(
            ref="P121",
            display_name="L",
            date_of_birth=date(1980, 1, 1),
            arrived_on=date(2024, 3, 1),
        ),
    )
    before = table_counts(store)
    with pytest.raises(ValidationError) as caught:
        record_leaving(
            store,
            RecordLeaving(person_ref="P121", left_on=date(2024, 2, 28), left_reason="released"),
        )
    assert caught.value.field == "left_on"
    assert "before the stay began on 2024-03-01" in str(caught.value)
    assert table_counts(store) == before


def test_leaving_needs_a_known_reason(store: Store) -> None:
    before = table_counts(store)
    with pytest.raises(ValidationError) as caught:
        record_leaving(
            store, RecordLeaving(person_ref="P121", left_on=date(2024, 5, 1), left_reason="escaped")
        )
    assert caught.value.field == "left_reason"
    assert table_counts(store) == before


def test_arrival_is_refused_while_a_stay_is_open(store: Store) -> None:
    add_person(
        store,
        AddPerson(
            ref="P130",
            display_name="A",
            date_of_birth=date(1980, 1, 1),
            arrived_on=date(2024, 3, 1),
        ),
    )
    before = table_counts(store)
    with pytest.raises(ValidationError) as caught:
        record_arrival(store, RecordArrival(person_ref="P130", arrived_on=date(2025, 1, 1)))
    assert caught.value.field == "arrived_on"
    assert "already has an open stay" in str(caught.value)
    assert table_counts(store) == before


def test_a_second_stay_starts_after_leaving(store: Store) -> None:
    add_person(
        store,
        AddPerson(
            ref="P131",
            display_name="A",
            date_of_birth=date(1980, 1, 1),
            arrived_on=date(2023, 3, 1),
        ),
    )
    record_leaving(
        store, RecordLeaving(person_ref="P131", left_on=date(2024, 1, 10), left_reason="released")
    )
    with pytest.raises(ValidationError, match="before the end of the previous stay"):
        record_arrival(store, RecordArrival(person_ref="P131", arrived_on=date(2024, 1, 9)))
    record_arrival(
        store, RecordArrival(person_ref="P131", arrived_on=date(2024, 6, 1), unit="Wing B")
    )
    stays = sorted(_stays(store, _person(store, "P131").id), key=lambda s: s.arrived_on)
    assert [(s.arrived_on, s.left_on) for s in stays] == [
        (date(2023, 3, 1), date(2024, 1, 10)),
        (date(2024, 6, 1), None),
    ]
    [row] = last_audit(store)
    assert (row.action, row.fields) == ("stay.arrive", "arrived_on,unit")


def test_viewers_cannot_add_people(store: Store, tmp_path: Path) -> None:
    store.add_account("vic", Role.viewer, PASSPHRASE)
    viewer = Store.unlock(store.folder, user="vic", passphrase=PASSPHRASE)
    try:
        before = table_counts(store)
        with pytest.raises(NotAllowed):
            add_person(
                viewer, AddPerson(ref="P140", display_name="V", date_of_birth=date(1980, 1, 1))
            )
        assert table_counts(store) == before
    finally:
        viewer.close()


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2024-03-05", date(2024, 3, 5)),
        ("05/03/2024", date(2024, 3, 5)),
        (" 5/3/2024 ", date(2024, 3, 5)),
        ("29/02/2024", date(2024, 2, 29)),
    ],
)
def test_parse_date_reads_iso_and_uk_dates(text: str, expected: date) -> None:
    assert parse_date(text, "date_of_birth") == expected


@pytest.mark.parametrize("text", ["2024/03/05", "03-05-2024", "31/02/2024", "", "yesterday"])
def test_parse_date_refuses_anything_else_naming_the_field(text: str) -> None:
    with pytest.raises(ValidationError) as caught:
        parse_date(text, "date_of_birth")
    assert caught.value.field == "date_of_birth"
    assert str(caught.value).startswith("date_of_birth: ")
