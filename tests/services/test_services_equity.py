"""The equity fields a person may have recorded: parsed from codes, labels and the spellings
practice systems use; "not stated" and "declined" kept apart; never repeated in an error or
the audit."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date

import pytest
from freezegun import freeze_time
from sqlmodel import select

from outreach.model import Person
from outreach.rules.equity import equity_field, equity_fields
from outreach.services.errors import ValidationError
from outreach.services.people import AddPerson, UpdatePerson, add_person, update_person
from outreach.services.profile import person_profile
from outreach.store.store import Store
from tests.support.service_helpers import assert_no_value_in_audit, last_audit
from tests.support.stores import frozen_on, module_store

TODAY = "2025-06-01"
_today = frozen_on(TODAY)


@pytest.fixture(scope="module")
def store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    with freeze_time(TODAY):
        yield from module_store(tmp_path_factory)


def _equity(store: Store, ref: str) -> tuple[str, str, str, str, str]:
    with store.read() as session:
        p = session.exec(select(Person).where(Person.ref == ref)).one()
        return (p.ethnicity, p.disability, p.learning_disability, p.first_language, p.interpreter)


def _add(store: Store, ref: str, **fields: str) -> None:
    add_person(
        store, AddPerson(ref=ref, display_name="E", date_of_birth=date(1990, 1, 1), **fields)
    )


def test_the_ons_2021_classification_has_19_groups_within_5() -> None:
    ethnicity = equity_field("ethnicity")
    stated = [code for code in ethnicity.codes if ethnicity.stated(code)]
    assert len(stated) == 19
    assert sorted(set(ethnicity.groups.values())) == ["asian", "black", "mixed", "other", "white"]
    assert [c for c in stated if ethnicity.groups[c] == "white"] == [
        "white_british",
        "white_irish",
        "white_gypsy_traveller",
        "white_roma",
        "white_other",
    ]


def test_every_field_ends_with_not_stated_then_declined() -> None:
    for field in equity_fields():
        assert list(field.codes)[-2:] == ["not_stated", "declined"]


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("13", "white_british"),  # ONS census code
        ("A", "white_british"),  # NHS ethnic category letter
        ("R", "asian_chinese"),  # NHS puts Chinese under "other", ONS 2021 under Asian
        ("C", "white_other"),
        ("Z", "declined"),  # NHS "not stated": asked, chose not to say
        ("99", "not_stated"),  # NHS "not known": never asked
        ("White - Irish", "white_irish"),
        ("  GYPSY OR IRISH TRAVELLER ", "white_gypsy_traveller"),
        ("Prefer not to say", "declined"),
        ("", "not_stated"),
    ],
)
def test_ethnicity_is_read_from_the_codes_systems_use(typed: str, code: str) -> None:
    assert equity_field("ethnicity").parse(typed) == code


@pytest.mark.slow
def test_a_person_added_without_the_fields_is_not_stated_in_each(store: Store) -> None:
    _add(store, "Q1")
    assert _equity(store, "Q1") == ("not_stated",) * 5
    assert last_audit(store)[0].fields == "date_of_birth,display_name,has_cervix,ref"


def test_added_fields_are_kept_as_codes_and_named_in_the_audit(store: Store) -> None:
    _add(
        store,
        "Q2",
        ethnicity="Black Caribbean",
        disability="no",
        learning_disability="declined",
        first_language="Polski",
        interpreter="yes",
    )
    assert _equity(store, "Q2") == ("black_caribbean", "no", "declined", "pl", "yes")
    fields = last_audit(store)[0].fields
    assert fields == (
        "date_of_birth,disability,display_name,ethnicity,first_language,has_cervix,"
        "interpreter,learning_disability,ref"
    )
    assert_no_value_in_audit(store, "black_caribbean", "Caribbean", "Polski")


def test_declined_and_not_stated_stay_apart_through_an_update(store: Store) -> None:
    _add(store, "Q3", ethnicity="declined")
    assert _equity(store, "Q3")[0] == "declined"
    assert update_person(store, UpdatePerson(person_ref="Q3", ethnicity="")) == ["ethnicity"]
    assert _equity(store, "Q3")[0] == "not_stated"
    assert update_person(store, UpdatePerson(person_ref="Q3", ethnicity="not stated")) == []
    assert update_person(store, UpdatePerson(person_ref="Q3", disability="Y")) == ["disability"]
    assert _equity(store, "Q3") == ("not_stated", "yes", "not_stated", "not_stated", "not_stated")


def test_an_unknown_value_is_refused_without_repeating_it(store: Store) -> None:
    with pytest.raises(ValidationError) as raised:
        _add(store, "Q4", ethnicity="Martian Secret")
    assert raised.value.field == "ethnicity"
    assert "martian" not in str(raised.value).lower()
    assert "martian" not in (raised.value.hint or "").lower()
    with store.read() as session:
        assert session.exec(select(Person).where(Person.ref == "Q4")).first() is None


def test_the_profile_carries_every_field_in_order(store: Store) -> None:
    _add(store, "Q5", ethnicity="16", interpreter="no")
    assert person_profile(store, "Q5").equity == {
        "ethnicity": "white_roma",
        "disability": "not_stated",
        "learning_disability": "not_stated",
        "first_language": "not_stated",
        "interpreter": "no",
    }
