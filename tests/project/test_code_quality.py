"""ruff and mypy are part of the test suite: a lint or type error fails the build."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, check=False
    )


def test_ruff_lint_is_clean() -> None:
    result = _run("ruff", "check", "outreach", "tests", "schema", "tools")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_format_is_clean() -> None:
    result = _run("ruff", "format", "--check", "outreach", "tests", "schema", "tools")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.slow
def test_mypy_is_clean() -> None:
    result = _run("mypy", "outreach")
    assert result.returncode == 0, result.stdout + result.stderr


def test_only_the_tui_imports_textual() -> None:
    """Everything outside outreach.tui must work without loading Textual."""
    code = (
        "import sys, importlib, pkgutil, outreach\n"
        "for m in pkgutil.walk_packages(outreach.__path__, 'outreach.'):\n"
        "    if m.name.startswith('outreach.tui') or m.name == 'outreach.__main__':\n"
        "        continue\n"
        "    importlib.import_module(m.name)\n"
        "bad = sorted(n for n in sys.modules if n == 'textual' or n.startswith('textual.'))\n"
        "print(','.join(bad[:3]))\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ""


def test_the_ui_and_the_command_line_never_reach_the_database_directly() -> None:
    """tui/ and cli/ call services, stats and exports; SQL lives below them."""
    offenders = []
    for folder in ("tui", "cli"):
        for path in (ROOT / "outreach" / folder).rglob("*.py"):
            text = path.read_text(encoding="utf-8")
            for library in ("sqlmodel", "sqlalchemy", "sqlcipher3"):
                if f"import {library}" in text or f"from {library}" in text:
                    offenders.append(f"{path.relative_to(ROOT)}: {library}")
    assert offenders == []
