"""Every command has help text and is documented in the README."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import typer.main

from outreach.cli import app

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def _commands(group: Any, prefix: str = "outreach") -> list[tuple[str, Any]]:
    found = []
    for name, command in group.commands.items():
        path = f"{prefix} {name}"
        found.append((path, command))
        if hasattr(command, "commands"):
            found.extend(_commands(command, path))
    return found


COMMANDS = _commands(typer.main.get_command(app))


def test_the_command_list_is_the_expected_size() -> None:
    """Guards the tests below against finding nothing."""
    assert len(COMMANDS) >= 30


def test_every_command_has_help_text() -> None:
    missing = [path for path, command in COMMANDS if not (command.help or "").strip()]
    assert missing == []


def test_every_command_is_documented_in_the_readme() -> None:
    missing = [
        path for path, _ in COMMANDS if f"{path} " not in README and f"{path}`" not in README
    ]
    assert missing == []
