"""A command run on a store from an older outreach says on stderr that it upgrades it."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from outreach.cli import app
from outreach.store import engine
from tests.support.stores import PASSPHRASE, new_store


def test_a_command_on_an_older_store_says_it_is_upgrading_it_in_two_lines(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "store"
    new_store(folder, revision="0031").close()
    size = (folder / "data.db").stat().st_size
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
