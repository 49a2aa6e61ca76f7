"""What a long step says on a command's stderr: an upgrade at unlock, a backup. In a log
(stderr not a terminal), the first line of each step and the lines without a share."""

from __future__ import annotations

import io
import re
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from outreach.cli import app
from outreach.cli.common import step_said
from outreach.store import engine
from tests.support.stores import PASSPHRASE, new_store, older_store


def test_a_command_on_an_older_store_says_it_is_upgrading_it_in_two_lines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "store"
    size = older_store(folder)
    # A step a page: the copy reports dozens of shares, of which a log gets the first only.
    monkeypatch.setattr(engine, "COPY_STEP_PAGES", 1)
    result = CliRunner().invoke(
        app,
        ["audit", "--store", str(folder)],
        env={"OUTREACH_PASSPHRASE": PASSPHRASE, "OUTREACH_USER": "ana"},
    )
    assert result.exit_code == 0, result.output
    assert result.stderr == (
        "Upgrading the store: keeping a copy of it in backups/ first "
        f"(0% of {size / 1e6:.1f} MB)\n"
        "Upgrading the store: the copy is kept; now bringing its layout up to date\n"
    )
    assert "store.init" in result.stdout


def test_a_backup_says_each_of_its_steps_once_in_a_log(tmp_path: Path) -> None:
    folder = tmp_path / "store"
    new_store(folder).close()
    result = CliRunner().invoke(
        app,
        ["backup", str(tmp_path / "outreach.bak"), "--store", str(folder)],
        env={"OUTREACH_PASSPHRASE": PASSPHRASE, "OUTREACH_USER": "ana"},
    )
    assert result.exit_code == 0, result.output
    size = r"\(0% of \d+\.\d MB\)"
    assert re.fullmatch(
        f"Backing up: copying the store {size}\nBacking up: encrypting the copy {size}\n",
        result.stderr,
    ), result.stderr
    assert result.stdout.startswith(f"Backup written to {tmp_path / 'outreach.bak'} (")


def test_on_a_terminal_each_step_is_one_line_rewritten_until_it_ends(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    said = step_said()
    for text in ("A (0% of 1 MB)", "A (50% of 1 MB)", "A (100% of 1 MB)", "B (7% of 1 MB)", "done"):
        said(text)
    assert terminal.getvalue() == (
        "A (0% of 1 MB)\r\x1b[KA (50% of 1 MB)\r\x1b[KA (100% of 1 MB)\n"
        "B (7% of 1 MB)\r\x1b[Kdone\n"
    )
