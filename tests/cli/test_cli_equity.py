"""``outreach people add/update`` record the equity fields; ``outreach person`` shows them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.cli import ok, run
from tests.support.equity_cohort import build
from tests.support.stores import fresh_store, frozen_on, new_store

_today = frozen_on("2026-01-15")


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


def test_stats_by_ethnicity_lists_each_group_with_its_gap(tmp_path: Path) -> None:
    folder = tmp_path / "store"
    with fresh_store(folder) as opened:
        build(opened)
    out = ok(folder, "stats", "--by", "ethnicity", "--as-of", "2025-12-31", "--period", "2025")
    assert out.splitlines()[:8] == [
        "Cervical screening by ethnic group: period 2025, as of 2025-12-31",
        "",
        "Coverage: 5 of 10, 50.0%",
        "  group                                                n/of  rate   gap (pts)",
        "  English, Welsh, Scottish, Northern Irish or British  2/4   50.0%  +0.0",
        "  Not stated                                           1/3   33.3%  -16.7",
        "  Declined to say                                      2/3   66.7%  +16.7",
        "",
    ]
    assert out.splitlines()[-4:] == [
        "Furthest below the site:",
        # Every group here is of 1 to 7 people: too small to publish, and said so.
        "  Uptake: Not stated -40.0 points (too small to publish)",
        "  Coverage: Not stated -16.7 points (too small to publish)",
        "  Uptake: English, Welsh, Scottish, Northern Irish or British -6.7 points (too small "
        "to publish)",
    ]
    data = json.loads(ok(folder, "stats", "--by", "interpreter", "--json", "--as-of", "2025-12-31"))
    assert data["by"] == "interpreter"
    assert [(m["key"], m["numerator"], m["denominator"]) for m in data["measures"]] == [
        ("coverage", 5, 10),
        ("uptake", 2, 5),
        ("reach", 0, 6),
    ]


def test_stats_by_an_unknown_field_names_the_breakdowns(folder: Path) -> None:
    result = run(folder, "stats", "--by", "religion")
    assert result.exit_code == 1
    assert (
        "--by: 'religion' is not a breakdown of cervical screening (one of ethnicity, "
        "disability, learning-disability, language, interpreter;"
    ) in result.output.replace("\n", " ").replace("  ", " ")
