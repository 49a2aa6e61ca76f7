"""One settings object: read from the environment in one place, options over it, bad values
refused naming their variable."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from typer.testing import CliRunner

from outreach.cli import app
from outreach.errors import ValidationError
from outreach.settings import Settings

PACKAGE = Path(__file__).resolve().parents[2] / "outreach"


def test_nothing_set_gives_the_defaults(tmp_path: Path) -> None:
    found = Settings.from_environment({})
    home = tmp_path / "home"  # the test's home (tests/conftest.py)
    assert found.store_folder == home / ".local" / "share" / "outreach" / "store"
    assert found.crash_folder == home / ".local" / "state" / "outreach" / "log"
    assert (found.user, found.idle_minutes, found.backup_days) == (None, 5.0, 7.0)
    assert (found.debug, found.exit_when_ready, found.restarted_as) == (False, "", None)
    assert (found.passphrase, found.new_passphrase, found.recovery_code) == (None, None, None)


def test_each_variable_is_read_into_its_field() -> None:
    found = Settings.from_environment(
        {
            "OUTREACH_STORE": "~/stores/hmp",
            "OUTREACH_USER": "ana",
            "OUTREACH_IDLE_MINUTES": " 2.5 ",
            "OUTREACH_BACKUP_DAYS": "0",
            "OUTREACH_CRASH_DIR": "/tmp/crashes",
            "OUTREACH_DEBUG": "1",
            "OUTREACH_EXIT_WHEN_READY": "/tmp/ready",
            "OUTREACH_RESTARTED_AS": "bo",
            "OUTREACH_RESTARTED_NOTICE": "Locked. Unlock to carry on.",
            "OUTREACH_PASSPHRASE": " with spaces ",
            "OUTREACH_NEW_PASSPHRASE": "new one",
            "OUTREACH_RECOVERY_CODE": "ABCD-EFGH",
        }
    )
    assert found.store_folder == Path.home() / "stores" / "hmp"
    assert (found.user, found.idle_minutes, found.backup_days) == ("ana", 2.5, 0.0)
    assert (found.crash_folder, found.debug) == (Path("/tmp/crashes"), True)
    assert (found.exit_when_ready, found.restarted_as) == ("/tmp/ready", "bo")
    assert found.restarted_notice == "Locked. Unlock to carry on."
    assert (found.passphrase, found.new_passphrase) == (" with spaces ", "new one")
    assert found.recovery_code == "ABCD-EFGH"


def test_secrets_stay_out_of_its_text() -> None:
    found = Settings.from_environment(
        {"OUTREACH_PASSPHRASE": "hunter2 hunter2", "OUTREACH_RECOVERY_CODE": "ABCD-EFGH"}
    )
    assert "hunter2" not in repr(found)
    assert "ABCD" not in repr(found)


@pytest.mark.parametrize(
    ("name", "value", "said"),
    [
        ("OUTREACH_IDLE_MINUTES", "soon", "'soon' is not a number of minutes above 0"),
        ("OUTREACH_IDLE_MINUTES", "0", "'0' is not a number of minutes above 0"),
        ("OUTREACH_IDLE_MINUTES", "nan", "'nan' is not a number of minutes above 0"),
        ("OUTREACH_BACKUP_DAYS", "-1", "'-1' is not a number of days of 0 or more"),
        ("OUTREACH_BACKUP_DAYS", "inf", "'inf' is not a number of days of 0 or more"),
    ],
)
def test_a_value_that_cannot_be_used_is_refused_naming_its_variable(
    name: str, value: str, said: str
) -> None:
    with pytest.raises(ValidationError) as refused:
        Settings.from_environment({name: value})
    assert (refused.value.field, refused.value.message) == (name, said)


def test_options_win_over_the_environment() -> None:
    found = Settings.from_environment({"OUTREACH_IDLE_MINUTES": "2", "OUTREACH_USER": "ana"})
    chosen = found.with_options(idle_minutes=10, user="bo", store_folder=Path("/tmp/s"))
    assert (chosen.idle_minutes, chosen.user, chosen.store_folder) == (10.0, "bo", Path("/tmp/s"))
    assert found.with_options() == found
    with pytest.raises(ValidationError) as refused:
        found.with_options(backup_days=-2)
    assert str(refused.value) == "--backup-days: '-2' is not a number of days of 0 or more"


def test_a_command_with_a_bad_setting_stops_with_one_line(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("OUTREACH_IDLE_MINUTES", "soon")
    result = CliRunner().invoke(app, ["audit", "--store", str(tmp_path)])
    assert result.exit_code == 1
    assert result.output == (
        "error: OUTREACH_IDLE_MINUTES: 'soon' is not a number of minutes above 0\n"
    )


def _environment_reads(source: str) -> list[int]:
    """Lines reading ``os.environ`` (``.get``, ``[...]``, ``.items()``...) or ``os.getenv``."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Attribute) and node.attr == "getenv":
            found.append(node.lineno)
        if (
            isinstance(node, ast.Attribute)
            and node.attr in {"get", "items", "keys", "values", "copy"}
            and isinstance(node.value, ast.Attribute)
            and node.value.attr == "environ"
        ):
            found.append(node.lineno)
        if (
            isinstance(node, ast.Subscript)
            and isinstance(node.ctx, ast.Load)
            and isinstance(node.value, ast.Attribute)
            and node.value.attr == "environ"
        ):
            found.append(node.lineno)
    return found


def test_the_scan_finds_reads_and_passes_writes() -> None:
    assert _environment_reads("import os\nos.environ.get('X')") == [2]
    assert _environment_reads("import os\nx = os.environ['X']") == [2]
    assert _environment_reads("import os\nos.getenv('X')") == [2]
    assert _environment_reads("import os\nos.environ['X'] = 'y'\nos.environ.pop('X')") == []


@pytest.mark.slow
def test_only_the_settings_read_the_environment() -> None:
    found = {
        str(path.relative_to(PACKAGE)): lines
        for path in sorted(PACKAGE.rglob("*.py"))
        if (lines := _environment_reads(path.read_text(encoding="utf-8")))
    }
    # Settings.from_environment takes os.environ as a whole (or the mapping it is given); the
    # start-up benchmark copies it, less OUTREACH_*, for the child it starts.
    # Counted rather than located, so an edit above that line does not fail this test.
    assert {path: len(lines) for path, lines in found.items()} == {"bench/startup.py": 1}
