"""What a long step says on a command's stderr (an upgrade at unlock, a backup): on a
terminal, one line a step rewritten as it rises; in a log or a script, nothing, so what a
command prints stays exactly its output."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path

import pytest
from typer.testing import CliRunner

from outreach.cli import app
from outreach.cli.common import step_said
from outreach.store import engine
from tests.support.stores import PASSPHRASE, new_store, older_store

ENV = {"OUTREACH_PASSPHRASE": PASSPHRASE, "OUTREACH_USER": "ana"}


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_on_a_terminal_each_step_is_one_line_rewritten_until_it_ends(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    terminal = _Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    said = step_said()
    assert said is not None
    for text in ("A (0% of 1 MB)", "A (50% of 1 MB)", "A (100% of 1 MB)", "B (7% of 1 MB)", "done"):
        said(text)
    assert terminal.getvalue() == (
        "A (0% of 1 MB)\r\x1b[KA (50% of 1 MB)\r\x1b[KA (100% of 1 MB)\n"
        "B (7% of 1 MB)\r\x1b[Kdone\n"
    )


def test_in_a_log_a_command_on_an_older_store_prints_only_its_output(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "store"
    older_store(folder)
    # A step a page: the copy reports dozens of shares, none of which reaches the output.
    monkeypatch.setattr(engine, "COPY_STEP_PAGES", 1)
    result = CliRunner().invoke(app, ["audit", "--store", str(folder), "--json"], env=ENV)
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    assert json.loads(result.stdout)["rows"][0]["action"] == "store.init"
    assert (folder / "backups").is_dir()


def test_in_a_log_a_backup_prints_only_what_it_wrote(tmp_path: Path) -> None:
    folder = tmp_path / "store"
    new_store(folder).close()
    target = tmp_path / "outreach.bak"
    result = CliRunner().invoke(app, ["backup", str(target), "--store", str(folder)], env=ENV)
    assert result.exit_code == 0, result.output
    assert result.stderr == ""
    assert result.stdout.startswith(f"Backup written to {target} (")
