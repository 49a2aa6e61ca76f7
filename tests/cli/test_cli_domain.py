"""The day-to-day commands: each calls one service and prints what it did."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from outreach.store.store_lock import when
from tests.support.cli import ok as _ok
from tests.support.cli import run as _run
from tests.support.store_helpers import table_counts
from tests.support.stores import PASSPHRASE, frozen_on, new_store

TODAY = "2025-06-01"


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One store for the module; the tests build on each other in file order."""
    path = tmp_path_factory.mktemp("cli") / "store"
    new_store(path).close()
    yield path


_today = frozen_on(TODAY)


def test_people_add_accepts_uk_dates(folder: Path) -> None:
    out = _ok(
        folder,
        "people",
        "add",
        "A100",
        "--name",
        "Alice Example",
        "--dob",
        "01/05/1990",
        "--unit",
        "Wing A",
        "--arrived",
        "02/01/2024",
        "--has-cervix",
        "yes",
    )
    assert out == "Added A100.\n"
    _ok(
        folder,
        "people",
        "add",
        "B200",
        "--name",
        "Beth Sample",
        "--dob",
        "1960-05-01",
        "--arrived",
        "2024-01-02",
    )
    _ok(folder, "mentors", "add", "Mo", "--trained-on", "2023-01-01")


def test_a_bad_date_is_reported_with_its_field(folder: Path) -> None:
    result = _run(folder, "people", "add", "C300", "--name", "C", "--dob", "1990/05/01")
    assert result.exit_code == 1
    assert "error: date_of_birth: '1990/05/01' is not a date" in result.output


def test_log_conversation_prints_the_follow_up_it_created(folder: Path) -> None:
    out = _ok(
        folder,
        "log",
        "conversation",
        "--person",
        "A100",
        "--date",
        "2025-05-02",
        "--mentor",
        "Mo",
        "--setting",
        "wing",
        "--minutes",
        "20",
        "--barrier",
        "fear_anxiety",
        "--barrier",
        "language",
        "--outcome",
        "booked",
        "--next-step",
        "16/05/2025",
    )
    assert out == "Logged conversation 1.\nFollow-up 1: next step due 2025-05-16.\n"


def test_an_unknown_barrier_is_refused_and_nothing_is_saved(folder: Path) -> None:
    before = _counts(folder)
    result = _run(
        folder,
        "log",
        "conversation",
        "--person",
        "A100",
        "--date",
        "2025-05-02",
        "--mentor",
        "Mo",
        "--setting",
        "wing",
        "--barrier",
        "boredom",
        "--outcome",
        "booked",
    )
    assert result.exit_code == 1
    assert "error: barriers: 'boredom' is not a barrier code of cervical-screening" in result.output
    assert _counts(folder) == before


def test_a_conversation_needs_either_a_person_or_a_group(folder: Path) -> None:
    result = _run(
        folder,
        "log",
        "conversation",
        "--person",
        "A100",
        "--group",
        "5",
        "--date",
        "2025-05-02",
        "--mentor",
        "Mo",
        "--setting",
        "wing",
        "--outcome",
        "booked",
    )
    assert result.exit_code == 1
    assert "give either --person REF or --group N" in result.output


def test_a_group_session_is_logged(folder: Path) -> None:
    out = _ok(
        folder,
        "log",
        "conversation",
        "--group",
        "6",
        "--attendee",
        "B200",
        "--date",
        "2025-05-03",
        "--mentor",
        "Mo",
        "--setting",
        "group_room",
        "--outcome",
        "undecided_more_time",
    )
    assert out == "Logged conversation 2.\n"


def test_log_screening_prints_the_action_and_follow_up(folder: Path) -> None:
    out = _ok(
        folder,
        "log",
        "screening",
        "--person",
        "B200",
        "--event",
        "test",
        "--date",
        "2025-04-10",
        "--hpv",
        "positive",
        "--cytology",
        "high_grade",
        "--sample",
        "clinician",
    )
    assert out == (
        "Recorded test (1).\nAction: colposcopy 2 weeks.\nFollow-up 2: colposcopy due 2025-04-24.\n"
    )


def test_followups_lists_due_ones_oldest_first(folder: Path) -> None:
    out = _ok(folder, "followups", "--as-of", "2025-05-20")
    lines = out.splitlines()
    assert [line.split()[0:2] for line in lines] == [["2", "2025-04-24"], ["1", "2025-05-16"]]
    assert "26 days overdue" in lines[0] and "colposcopy" in lines[0]
    rows = json.loads(_ok(folder, "followups", "--as-of", "2025-05-20", "--json"))
    assert [(r["id"], r["person_ref"], r["reason"]) for r in rows] == [
        (2, "B200", "colposcopy"),
        (1, "A100", "next_step"),
    ]


def test_followups_done_and_cancel(folder: Path) -> None:
    assert _ok(folder, "followups", "done", "1", "--date", "2025-05-16") == (
        "Follow-up 1 done on 2025-05-16.\n"
    )
    assert _ok(folder, "followups", "cancel", "2") == "Follow-up 2 cancelled.\n"
    result = _run(folder, "followups", "cancel", "2")
    assert result.exit_code == 1
    # The clock is frozen at midnight UTC on TODAY, when the first cancel was recorded.
    cancelled_at = when(datetime(2025, 6, 1, tzinfo=UTC))
    assert result.output == (
        f"error: follow-up 2 was already cancelled by ana at {cancelled_at}; nothing was changed\n"
    )


def test_decide_do_not_approach_blocks_next_steps(folder: Path) -> None:
    assert _ok(folder, "decide", "A100", "--kind", "do_not_approach", "--date", "2025-05-20") == (
        "Recorded do not approach for A100.\n"
    )
    before = _counts(folder)
    result = _run(
        folder,
        "log",
        "conversation",
        "--person",
        "A100",
        "--date",
        "2025-05-25",
        "--mentor",
        "Mo",
        "--setting",
        "wing",
        "--outcome",
        "not_available",
        "--next-step",
        "2025-06-10",
    )
    assert result.exit_code == 1
    assert result.output == (
        "error: next_step_on: A100 is marked do not approach: a next step cannot be set "
        "(record 'approach again' first if the person has changed their mind)\n"
    )
    assert _counts(folder) == before


def test_an_on_site_conversation_before_arrival_is_refused(folder: Path) -> None:
    # A100 arrived on 2024-01-02.
    before = _counts(folder)
    args = ["log", "conversation", "--person", "A100", "--date", "01/01/2024", "--mentor", "Mo"]
    result = _run(folder, *args, "--setting", "reception", "--outcome", "booked")
    assert result.exit_code == 1
    assert result.output == (
        "error: setting: A100 was not resident on 2024-01-01 (no stay covers it): "
        "'Reception' is on site; correct the date, the person or the setting\n"
    )
    assert _counts(folder) == before


def test_decide_informed_decline_needs_a_revisit_date(folder: Path) -> None:
    result = _run(folder, "decide", "B200", "--kind", "informed_decline", "--date", "2025-05-20")
    assert result.exit_code == 1
    assert "revisit_on: an informed decline needs a revisit date" in result.output
    out = _ok(
        folder,
        "decide",
        "B200",
        "--kind",
        "informed_decline",
        "--date",
        "2025-05-20",
        "--revisit",
        "20/11/2025",
    )
    assert out.splitlines()[-1] == "Revisit follow-up 3 due 2025-11-20."


def test_person_shows_status_and_timeline(folder: Path) -> None:
    out = _ok(folder, "person", "a100", "--as-of", "2025-06-01")
    lines = out.splitlines()
    assert lines[0] == "A100  Alice Example  (born 1990-05-01, age 35)"
    assert lines[1] == "Status on 2025-06-01: do not approach"
    assert "  decision in force: do not approach since 2025-05-20" in lines
    assert lines[-1] == "  2024-01-02  stay          arrived to Wing A"
    data = json.loads(_ok(folder, "person", "A100", "--json"))
    assert (data["ref"], data["status"]["do_not_approach"], data["status"]["unit"]) == (
        "A100",
        True,
        "Wing A",
    )


def test_people_search_with_a_filter(folder: Path) -> None:
    data = json.loads(_ok(folder, "people", "search", "--filter", "do_not_approach", "--json"))
    assert [r["ref"] for r in data["rows"]] == ["A100"]
    out = _ok(folder, "people", "search", "sample")
    assert out.startswith("B200")
    result = _run(folder, "people", "search", "--filter", "nobody")
    assert result.exit_code == 1 and "filter: 'nobody' is not one of" in result.output


def test_people_leave_and_mentors_list(folder: Path) -> None:
    assert (
        _ok(folder, "people", "leave", "B200", "--date", "2025-05-30", "--reason", "released")
        == "Recorded B200 leaving on 2025-05-30.\n"
    )
    data = json.loads(_ok(folder, "people", "search", "--filter", "left", "--json"))
    assert [r["ref"] for r in data["rows"]] == ["B200"]
    assert _ok(folder, "mentors", "list").split() == ["Mo", "active", "trained", "2023-01-01"]


def _counts(folder: Path) -> dict[str, int]:
    from outreach.store.store import Store

    with Store.unlock(folder, user="ana", passphrase=PASSPHRASE) as store:
        return table_counts(store)
