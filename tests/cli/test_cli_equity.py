"""``outreach people add/update`` record the equity fields; ``outreach person`` shows them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.cli import ok, run
from tests.support.stores import frozen_on, new_store

_today = frozen_on("2025-06-01")


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One store for the module; the tests build on each other in file order."""
    path = tmp_path_factory.mktemp("cli-equity") / "store"
    new_store(path).close()
    yield path


def test_people_add_takes_the_equity_fields(folder: Path) -> None:
    added = ok(
        folder,
        *("people", "add", "E1", "--name", "Eve", "--dob", "1990-01-01"),
        *("--ethnicity", "N", "--interpreter", "declined", "--first-language", "Somali"),
    )
    assert added == "Added E1.\n"
    shown = ok(folder, "person", "E1")
    assert (
        "  ethnic group: African (Black, Black British, Black Welsh, Caribbean or\n"
        "    African); disability: not stated; learning disability: not stated; first\n"
        "    language: Somali; interpreter needed: declined to say\n"
    ) in shown


def test_people_update_names_the_changed_fields_never_their_values(folder: Path) -> None:
    out = ok(folder, "people", "update", "E1", "--ethnicity", "", "--disability", "yes")
    assert out == "Updated disability, ethnicity.\n"
    data = json.loads(ok(folder, "person", "E1", "--json"))
    assert data["equity"] == {
        "ethnicity": "not_stated",
        "disability": "yes",
        "learning_disability": "not_stated",
        "first_language": "so",
        "interpreter": "declined",
    }
    assert ok(folder, "people", "update", "E1", "--disability", "Y") == "Nothing to change.\n"


def test_an_unknown_value_is_a_clear_error_that_does_not_repeat_it(folder: Path) -> None:
    result = run(folder, "people", "update", "E1", "--learning-disability", "maybe-secret")
    assert result.exit_code == 1
    assert "learning_disability: not a recognised learning disability value" in result.output
    assert "maybe-secret" not in result.output
