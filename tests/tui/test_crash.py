"""A crash shows no one's data: an unexpected error ends with a calm message, a report that
holds only exception types, code locations and the version, and exit code 1."""

from __future__ import annotations

import re
import stat
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest
from typer.testing import CliRunner

import outreach.cli
from outreach import __version__
from outreach.clock import now
from outreach.crash import CRASH_DIR_ENV, calm_message, report_text, write_report
from outreach.model import Person
from outreach.store.store import Store
from outreach.tui.app import OutreachApp, create_app
from outreach.tui.screens.dashboard import DashboardScreen
from outreach.tui.screens.person import PersonScreen
from tests.support.stores import new_store
from tests.support.tui_helpers import SIZE, still_cursor, wait_for

NAME, REF = "Zephyrina Quillfeather", "QX001ZK"


@pytest.fixture(autouse=True)
def _crash_dir(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    still_cursor(monkeypatch)
    monkeypatch.setenv(CRASH_DIR_ENV, str(tmp_path / "crashes"))


def _look_up(people: dict[str, str], ref: str) -> str:
    resident_name = NAME  # a local variable a traceback with locals would print
    return people[ref + resident_name]


def _raised() -> KeyError:
    try:
        _look_up({}, REF)
    except KeyError as exc:
        return exc
    raise AssertionError("no error")


def test_the_report_holds_types_and_code_locations_only() -> None:
    text = report_text(_raised())
    assert NAME not in text and REF not in text and "Quillfeather" not in text
    lines = text.splitlines()
    assert lines[0] == f"outreach {__version__} crash report"
    assert lines[3] == (
        "Holds only exception types and code locations: no values, messages or records."
    )
    assert lines[5] == "builtins.KeyError"
    assert [re.sub(r":\d+ in ", ":N in ", line) for line in lines[6:]] == [
        "  test_crash.py:N in _raised",
        "  test_crash.py:N in _look_up",
    ]


def test_a_chained_error_lists_the_first_raised_first() -> None:
    try:
        try:
            _look_up({}, REF)
        except KeyError as exc:
            raise ValueError(f"no {NAME}") from exc
    except ValueError as exc:
        text = report_text(exc)
    kinds = [line for line in text.splitlines() if line and not line.startswith((" ", "o"))]
    assert kinds[-2:] == ["builtins.KeyError", "builtins.ValueError"]
    assert NAME not in text


def test_the_report_file_is_owner_only(tmp_path: Path) -> None:
    path = write_report(_raised(), tmp_path / "reports")
    assert path is not None and path.parent == tmp_path / "reports"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    assert NAME not in path.read_text(encoding="utf-8")


def test_the_message_is_calm_and_names_the_report(tmp_path: Path) -> None:
    report = tmp_path / "crash.txt"
    assert calm_message(_raised(), report) == (
        "outreach stopped after an unexpected error (KeyError).\n"
        "Everything already saved is safe: each save is written whole or not at all.\n"
        f"A report for IT staff, holding no one's data, is in {report}.\n"
        "Open outreach again to carry on."
    )


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = new_store(tmp_path / "s")
    with opened.write() as session:
        session.add(
            Person(
                ref=REF,
                display_name=NAME,
                date_of_birth=date(1980, 1, 1),
                has_cervix="yes",
                created_at=now(),
            )
        )
    yield opened
    opened.close()


def _crash_on_profile(monkeypatch: pytest.MonkeyPatch) -> None:
    """The person screen fails while drawing, with the profile (a resident's name and
    reference) in its local variables, as Textual's own traceback would print them."""

    def broken(day: object) -> str:
        raise KeyError(f"{NAME} {REF}")

    monkeypatch.setattr("outreach.tui.screens.person._day", broken)


@pytest.mark.asyncio
async def test_a_crash_in_the_application_reports_no_data_and_exits_1(
    store: Store,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    _crash_on_profile(monkeypatch)
    app = create_app(store.folder, store=store)
    with pytest.raises(KeyError):
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
            app.push_screen(PersonScreen(REF))
            await wait_for(pilot, lambda: app.return_code == 1)
    assert app.return_code == 1
    assert app.store is None  # closed on the way out
    said = app.crash_message
    assert said.startswith("outreach stopped after an unexpected error (KeyError).\n")
    assert f"is in {app.crash_report}.\n" in said
    assert capsys.readouterr().err == ""  # no traceback printed
    reports = list((tmp_path / "crashes").iterdir())
    assert reports == [app.crash_report]
    text = reports[0].read_text(encoding="utf-8")
    assert NAME not in text and REF not in text and NAME not in said and REF not in said
    # Where it failed, by code location: the screen that was drawing the person.
    assert "\nbuiltins.KeyError\n" in text
    assert re.search(r"\n  outreach/tui/screens/person\.py:\d+ in _loaded\n", text)


def test_outreach_open_exits_1_after_a_crash(
    store: Store, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def crash_on_mount(self: OutreachApp) -> None:
        resident_name = NAME
        raise RuntimeError(resident_name)

    monkeypatch.setattr(OutreachApp, "on_mount", crash_on_mount)
    run = OutreachApp.run
    monkeypatch.setattr(OutreachApp, "run", lambda self: run(self, headless=True))
    result = CliRunner().invoke(outreach.cli.app, ["open", "--store", str(store.folder)])
    assert result.exit_code == 1
    assert result.output.startswith("outreach stopped after an unexpected error (RuntimeError).")
    assert NAME not in result.output
    [report] = (tmp_path / "crashes").iterdir()
    assert "builtins.RuntimeError" in report.read_text(encoding="utf-8")
    assert NAME not in report.read_text(encoding="utf-8")


def test_an_error_no_command_expected_ends_calmly_with_exit_1(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    def broken() -> None:
        _look_up({}, REF)

    monkeypatch.setattr(outreach.cli, "app", broken)
    with pytest.raises(SystemExit) as stopped:
        outreach.cli.main()
    assert stopped.value.code == 1
    err = capsys.readouterr().err
    assert err.startswith("outreach stopped after an unexpected error (KeyError).")
    assert NAME not in err and REF not in err
    [report] = (tmp_path / "crashes").iterdir()
    assert NAME not in report.read_text(encoding="utf-8")
