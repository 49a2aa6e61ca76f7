"""``outreach people search``, ``mentors list`` and ``followups`` lay out their columns through
one helper: two spaces between columns, within 80 columns, names wrapping inside their own
column, and text shown exactly as typed."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from freezegun import freeze_time

from tests.support.cli import ok as _ok
from tests.support.stores import frozen_on, new_store

TODAY = "2025-06-01"
_today = frozen_on(TODAY)
LONG = "Bartholomew-Anastasia Featherstonehaugh-Smythe [/] =SUM(A1)"


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    path = tmp_path_factory.mktemp("cli-lists") / "store"
    new_store(path).close()
    with freeze_time(TODAY):
        for ref, name, unit in [("A1", "Ann [b]Bold[/b]", "Wing A"), ("B22", LONG, "Wing B")]:
            _ok(
                path,
                "people",
                "add",
                ref,
                "--name",
                name,
                "--dob",
                "1990-05-01",
                "--unit",
                unit,
                "--arrived",
                "2024-01-02",
                "--has-cervix",
                "yes",
            )
        _ok(path, "mentors", "add", "Mo [i]", "--trained-on", "2023-01-01")
        _ok(path, "mentors", "add", "Zed")
        for ref, due in [("B22", "2025-05-30"), ("A1", "2025-05-31")]:
            _ok(
                path,
                *("log", "conversation", "--person", ref, "--date", "2025-05-02"),
                *("--setting", "wing", "--outcome", "booked", "--mentor", "Zed"),
                *("--next-step", due),
            )
    yield path


@pytest.mark.slow
def test_people_search_lines_up_and_wraps_a_long_name(folder: Path) -> None:
    # 80 columns: ref 3 + 2, unit 6 + 2, status 24 + 2 leave 41 for the name, which wraps.
    status = "due now (never screened)"
    assert _ok(folder, "people", "search").splitlines() == [
        "A1   " + "Ann [b]Bold[/b]".ljust(41) + "  Wing A  " + status,
        "B22  " + "Bartholomew-Anastasia".ljust(41) + "  Wing B  " + status,
        "     Featherstonehaugh-Smythe [/] =SUM(A1)",
    ]


def test_mentors_list_shows_names_as_typed_in_two_spaced_columns(folder: Path) -> None:
    assert _ok(folder, "mentors", "list").splitlines() == [
        "Mo [i]  active  trained 2023-01-01",
        "Zed     active",
    ]


def test_followups_wrap_the_name_and_keep_every_figure(folder: Path) -> None:
    lines = _ok(folder, "followups").splitlines()
    assert max(len(line) for line in lines) <= 80
    # id 1 + 2, date 10 + 2, "2 days overdue" 14 + 2, ref 3 + 2, reason "next step" 9 + 2
    # leave 33 for the name.
    assert lines == [
        "1  2025-05-30  2 days overdue  B22  " + "Bartholomew-Anastasia".ljust(33) + "  next step",
        " " * 36 + "Featherstonehaugh-Smythe [/]",
        " " * 36 + "=SUM(A1)",
        "2  2025-05-31  1 day overdue   A1   " + "Ann [b]Bold[/b]".ljust(33) + "  next step",
    ]
