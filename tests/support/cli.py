"""Running the ``outreach`` command line on a test store, as ``ana`` with her passphrase."""

from __future__ import annotations

from pathlib import Path

from click.testing import Result
from typer.testing import CliRunner

from outreach.cli import app
from tests.support.stores import PASSPHRASE


def run(folder: Path, *args: str) -> Result:
    """``outreach ARGS --store FOLDER`` with the passphrase in OUTREACH_PASSPHRASE."""
    env = {"OUTREACH_PASSPHRASE": PASSPHRASE}
    return CliRunner().invoke(app, [*args, "--store", str(folder)], env=env)


def ok(folder: Path, *args: str) -> str:
    """What :func:`run` printed, once it has exited 0."""
    result = run(folder, *args)
    assert result.exit_code == 0, result.output
    return result.output
