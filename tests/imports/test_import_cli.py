"""``outreach import people|conversations|screening``: output and exit codes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from outreach.cli import app
from outreach.store.engine import make_engine
from outreach.store.store import Store
from tests.support.stores import PASSPHRASE, as_template, frozen_on, new_store

FIXTURES = Path(__file__).resolve().parents[2] / "fixtures"


_today = frozen_on("2024-12-01")


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Store:
    """A new store, closed but remembering its key."""
    folder = tmp_path_factory.mktemp("template") / "store"
    opened = new_store(folder)
    return as_template(opened)


@pytest.fixture
def folder(template: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A copy of the template that commands open with its key: unlocking with the passphrase
    (Argon2id) on every command would dominate this module's time. One test below unlocks
    for real."""
    copy = tmp_path / "store"
    shutil.copytree(template.folder, copy)

    def unlock(store: Path | None, user: str | None) -> Store:
        assert store == copy
        engine = make_engine(copy / "data.db", template._data_key)
        return Store(copy, engine, template.actor, template._keyfile, template._data_key)

    monkeypatch.setattr("outreach.cli.import_commands.unlock", unlock)
    return copy


def _run(folder: Path, *args: str) -> Result:
    return CliRunner().invoke(
        app,
        ["import", *args, "--store", str(folder)],
        env={"OUTREACH_PASSPHRASE": PASSPHRASE},
    )


@pytest.mark.slow
def test_import_unlocks_prints_counts_and_exits_0(template: Store, tmp_path: Path) -> None:
    folder = tmp_path / "store"
    shutil.copytree(template.folder, folder)
    result = _run(folder, "people", str(FIXTURES / "people.csv"))
    assert result.exit_code == 0, result.output
    assert result.output == "people.csv: 12 rows; 12 added, 0 updated, 0 unchanged\n"


def test_a_wrong_passphrase_exits_1(template: Store, tmp_path: Path) -> None:
    folder = tmp_path / "store"
    shutil.copytree(template.folder, folder)
    result = CliRunner().invoke(
        app,
        ["import", "people", str(FIXTURES / "people.csv"), "--store", str(folder)],
        env={"OUTREACH_PASSPHRASE": "not the passphrase"},
    )
    assert result.exit_code == 1
    assert result.stderr == "error: wrong passphrase for 'ana'\n"


def test_dry_run_says_nothing_was_written_and_writes_nothing(folder: Path) -> None:
    dry = _run(folder, "people", str(FIXTURES / "people.csv"), "--dry-run")
    assert dry.exit_code == 0, dry.output
    assert dry.output.splitlines()[-1] == (
        "people.csv: 12 rows; 12 to add, 0 to update, 0 unchanged (dry run: nothing written)"
    )
    real = _run(folder, "people", str(FIXTURES / "people.csv"))
    assert real.output.startswith("people.csv: 12 rows; 12 added")


def test_second_import_says_there_is_nothing_to_change(folder: Path) -> None:
    _run(folder, "people", str(FIXTURES / "people.csv"))
    again = _run(folder, "people", str(FIXTURES / "people.csv"))
    assert again.exit_code == 0
    assert again.output == (
        "people.csv: 12 rows; 0 added, 0 updated, 12 unchanged (nothing to change)\n"
    )


def test_file_with_errors_lists_them_and_exits_1(folder: Path) -> None:
    result = _run(folder, "people", str(FIXTURES / "people-errors.csv"))
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "date_of_birth: '31/02/1992' is not a real date (line 3)",
        "date_of_birth: 2031-01-01 is in the future (line 4)",
        "ref: a reference is needed (line 5)",
        "ref: also on line 2 (line 6)",
        "has_cervix: 'perhaps' is not one of yes, no, unknown (line 7)",
        "left: 2024-04-01 is before arrived (line 8)",
        "people-errors.csv: 7 rows; 1 to add, 0 to update, 0 unchanged",
    ]
    assert result.stderr == "error: 6 problems in people-errors.csv; nothing was imported\n"


def test_mark_missing_left_reports_how_many_left(folder: Path) -> None:
    _run(folder, "people", str(FIXTURES / "people.csv"))
    refused = _run(
        folder, "people", str(FIXTURES / "people-messy.csv"), "--mark-missing-left", "30/11/2024"
    )
    assert refused.exit_code == 1
    assert refused.stdout.splitlines() == [
        "to confirm: would mark 10 of 15 current residents as left (more than a fifth)",
        "people-messy.csv: 6 rows; 6 added, 0 updated, 0 unchanged, 10 marked as left "
        "(not written: needs --yes)",
    ]
    assert refused.stderr == (
        "error: would mark 10 of 15 current residents as left (more than a fifth): nothing "
        "was imported. Check the file is complete, then run again with --yes\n"
    )
    result = _run(
        folder,
        "people",
        str(FIXTURES / "people-messy.csv"),
        "--mark-missing-left",
        "30/11/2024",
        "--yes",
    )
    assert result.exit_code == 0, result.output
    assert result.output == (
        "people-messy.csv: 6 rows; 6 added, 0 updated, 0 unchanged, 10 marked as left\n"
    )


def test_mark_missing_left_with_a_bad_date_exits_1(folder: Path) -> None:
    result = _run(
        folder, "people", str(FIXTURES / "people.csv"), "--mark-missing-left", "31/02/2024"
    )
    assert result.exit_code == 1
    assert result.stderr == "error: mark_missing_left: '31/02/2024' is not a real date\n"


def test_json_report_for_scripts(folder: Path) -> None:
    result = _run(folder, "people", str(FIXTURES / "people-errors.csv"), "--json", "--dry-run")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert (report["kind"], report["dry_run"], report["written"]) == ("people", True, False)
    assert report["errors"][0] == {
        "line": 3,
        "field": "date_of_birth",
        "message": "'31/02/1992' is not a real date",
    }


def test_conversations_without_mentors_exit_1_with_a_hint(folder: Path) -> None:
    _run(folder, "people", str(FIXTURES / "people.csv"))
    result = _run(folder, "conversations", str(FIXTURES / "conversations.csv"))
    assert result.exit_code == 1
    # One line for the unknown mentor, with every line that names her.
    assert result.stdout.splitlines()[0] == (
        "mentor: no mentor named 'Dee Hartley': add mentors before importing conversations "
        "(lines 2, 3, 5, 9, 12)"
    )


def test_screening_import_exits_0(folder: Path) -> None:
    _run(folder, "people", str(FIXTURES / "people.csv"))
    result = _run(folder, "screening", str(FIXTURES / "screening.csv"))
    assert result.exit_code == 0, result.output
    # A1008AH's attending colposcopy completes the follow-up her result asked for.
    assert result.output == (
        "screening.csv: 14 rows; 14 added, 0 updated, 0 unchanged, 1 follow-up completed\n"
    )


def test_a_missing_file_is_a_usage_error(folder: Path) -> None:
    result = _run(folder, "people", str(folder / "nowhere.csv"))
    assert result.exit_code == 2


def test_a_one_row_file_is_counted_in_the_singular(folder: Path, tmp_path: Path) -> None:
    one = tmp_path / "one.csv"
    one.write_bytes(
        b"ref,name,date_of_birth,unit,arrived\nU009,Dot Reed,1982-02-03,Elm,2024-04-01\n"
    )
    dry = _run(folder, "people", str(one), "--dry-run")
    assert dry.exit_code == 0, dry.output
    lines = dry.stdout.splitlines()
    assert "First row as it will be stored:" in lines
    assert (
        lines[-1] == "one.csv: 1 row; 1 to add, 0 to update, 0 unchanged (dry run: nothing written)"
    )
    real = _run(folder, "people", str(one))
    assert real.output == "one.csv: 1 row; 1 added, 0 updated, 0 unchanged\n"
