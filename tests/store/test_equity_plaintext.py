"""The equity fields never reach disk or a log in plaintext: not data.db, the WAL, a backup
taken before a migration, nor anything logged while they are written, updated and counted."""

from __future__ import annotations

import logging
from datetime import date
from pathlib import Path

import pytest

from outreach.services.people import AddPerson, UpdatePerson, add_person, update_person
from outreach.stats.equity import equity_figures
from tests.support.store_helpers import encodings_of, files_containing, files_under
from tests.support.stores import new_store

# The codes and labels of the rarest values: a group of one would name the person.
SECRETS = [
    "white_gypsy_traveller",
    "Gypsy or Irish Traveller",
    "British Sign Language",
    "declined",
]


def test_equity_values_stay_inside_the_encrypted_store(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    folder = tmp_path / "store"
    store = new_store(folder)
    try:
        add_person(
            store,
            AddPerson(
                ref="S1",
                display_name="Someone",
                date_of_birth=date(1990, 1, 1),
                arrived_on=date(2024, 1, 1),
                ethnicity="Gypsy or Irish Traveller",
                first_language="British Sign Language",
                learning_disability="declined",
            ),
        )
        update_person(store, UpdatePerson(person_ref="S1", interpreter="declined"))
        figures = equity_figures(store, "ethnicity", as_of=date(2025, 1, 1))
        assert figures.measures[0].denominator == 1
        # Still open, with its WAL: the pages written are encrypted too.
        needles = [n for secret in SECRETS for n in encodings_of(secret)]
        assert files_containing(files_under(folder), needles) == []
    finally:
        store.close()
    needles = [n for secret in SECRETS for n in encodings_of(secret)]
    assert files_containing(files_under(folder), needles) == []
    logged = caplog.text.lower()
    assert [s for s in SECRETS if s.lower() in logged] == []
