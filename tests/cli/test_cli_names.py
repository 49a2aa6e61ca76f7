"""Names match as people write them, in every script; counts read "1 day", not "1 days"."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest
from freezegun import freeze_time

from tests.support.cli import ok as _ok
from tests.support.cli import run as _run
from tests.support.stores import frozen_on, new_store

TODAY = "2025-06-01"
CONVERSATION = [
    "log",
    "conversation",
    "--person",
    "A100",
    "--date",
    "2025-05-02",
    "--setting",
    "wing",
    "--outcome",
    "booked",
]


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One store for the module: Hélène Dubois (A100) and the mentor Émile Roux."""
    path = tmp_path_factory.mktemp("cli-names") / "store"
    new_store(path).close()
    with freeze_time(TODAY):
        _ok(
            path,
            *("people", "add", "A100", "--name", "Hélène Dubois", "--dob", "1990-05-01"),
            *("--unit", "Wing A", "--arrived", "2024-01-02", "--has-cervix", "yes"),
        )
        _ok(path, "mentors", "add", "Émile Roux", "--trained-on", "2023-01-01")
    yield path


_today = frozen_on(TODAY)


@pytest.mark.slow
@pytest.mark.parametrize(
    "typed",
    ["Émile Roux", "émile roux", "ÉMILE ROUX", "E\u0301mile Roux", "  émile roux "],
    ids=["as-written", "lower", "upper", "decomposed", "spaces"],
)
def test_a_mentor_is_found_however_the_name_is_cased(folder: Path, typed: str) -> None:
    out = _ok(folder, *CONVERSATION, "--mentor", typed)
    assert out.startswith("Logged conversation")
    data = json.loads(_ok(folder, "person", "A100", "--json"))
    latest = next(t for t in data["timeline"] if t["kind"] == "conversation")
    assert "with Émile Roux" in latest["summary"]


def test_an_unknown_mentor_is_still_refused(folder: Path) -> None:
    result = _run(folder, *CONVERSATION, "--mentor", "Emile Roux")
    assert result.exit_code == 1
    assert "no mentor named 'Emile Roux'" in result.output


def test_the_same_name_in_another_case_is_the_same_mentor(folder: Path) -> None:
    result = _run(folder, "mentors", "add", "ÉMILE ROUX")
    assert result.exit_code == 1
    assert "a mentor named 'ÉMILE ROUX' already exists" in result.output


@pytest.mark.slow
def test_people_search_folds_names_in_every_script(folder: Path) -> None:
    for typed in ("hélène", "HÉLÈNE", "he\u0301le\u0300ne"):
        data = json.loads(_ok(folder, "people", "search", typed, "--json"))
        assert [r["ref"] for r in data["rows"]] == ["A100"], typed


def test_an_imported_conversation_names_the_mentor_in_any_case(
    folder: Path, tmp_path: Path
) -> None:
    csv = tmp_path / "conversations.csv"
    csv.write_text(
        "date,mentor,kind,setting,outcome,ref\n2025-05-03,ÉMILE ROUX,one_to_one,wing,booked,A100\n",
        encoding="utf-8",
    )
    out = _ok(folder, "import", "conversations", str(csv))
    assert "1 added" in out


@pytest.mark.slow
def test_one_day_overdue_is_singular(folder: Path) -> None:
    # A next step due yesterday (2025-05-31) is 1 day overdue today.
    _ok(folder, *CONVERSATION, "--mentor", "Émile Roux", "--next-step", "2025-05-31")
    out = _ok(folder, "followups")
    assert "1 day overdue" in out
    assert "1 days" not in out
