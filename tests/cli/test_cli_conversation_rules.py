"""``outreach log conversation`` says which follow-ups a conversation completed, and
``outreach person`` shows notes and labels in 80 columns."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from freezegun import freeze_time

from tests.support.cli import ok as _ok
from tests.support.cli import run as _run
from tests.support.stores import frozen_on, new_store

TODAY = "2025-06-01"


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One store for the module; the tests build on each other in file order."""
    path = tmp_path_factory.mktemp("cli-rules") / "store"
    with freeze_time(TODAY):
        new_store(path).close()
    yield path


_today = frozen_on(TODAY)


TALK = ("log", "conversation", "--person", "R1", "--mentor", "Mo", "--setting", "wing")


def test_setting_up(folder: Path) -> None:
    _ok(folder, "people", "add", "R1", "--name", "Rae One", "--dob", "1990-01-01")
    _ok(folder, "people", "arrive", "R1", "--date", "2025-01-06", "--unit", "Wing A")
    _ok(folder, "mentors", "add", "Mo", "--trained-on", "2024-01-01")


def test_a_conversation_reports_the_follow_ups_it_completed(folder: Path) -> None:
    out = _ok(folder, *TALK, "--date", "2025-05-01", "--outcome", "undecided_more_time",
              "--next-step", "2025-05-15")  # fmt: skip
    assert out == "Logged conversation 1.\nFollow-up 1: next step due 2025-05-15.\n"
    out = _ok(folder, *TALK, "--date", "2025-05-20", "--outcome", "booked")
    assert out == ("Logged conversation 2.\n1 follow-up completed: #1 next step due 2025-05-15.\n")


def test_a_next_step_already_met_is_reported_done(folder: Path) -> None:
    out = _ok(folder, *TALK, "--date", "2025-05-02", "--outcome", "undecided_more_time",
              "--next-step", "2025-05-19")  # fmt: skip
    assert out == (
        "Logged conversation 3.\n"
        "Follow-up 2: next step due 2025-05-19, already met by the conversation on 2025-05-20"
        " (done).\n"
    )


@pytest.mark.parametrize(
    ("extra", "message"),
    [
        (("--minutes", "600"), "minutes: 600 is not between 1 and 480 (0 or empty: not recorded)"),
        (("--note", "n" * 501), "note: 501 characters; at most 500"),
    ],
)
def test_the_limits_refuse_a_conversation_with_exit_1(
    folder: Path, extra: tuple[str, str], message: str
) -> None:
    result = _run(folder, *TALK, "--date", "2025-05-21", "--outcome", "booked", *extra)
    assert result.exit_code == 1
    assert result.output == f"error: {message}\n"


def test_a_note_given_with_note_is_on_the_timeline(folder: Path) -> None:
    _ok(folder, *TALK, "--date", "2025-05-22", "--outcome", "booked", "--minutes", "480",
        "--note", "Needs an interpreter")  # fmt: skip
    out = _ok(folder, "person", "R1")
    timeline = out.splitlines()
    at = timeline.index("Timeline (newest first):") + 1
    assert timeline[at : at + 3] == [
        "  2025-05-22  conversation  one-to-one, 480 min with Mo (on the wing); outcome:",
        "                            booked a test",
        "                            note: Needs an interpreter",
    ]
