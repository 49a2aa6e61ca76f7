"""What is imported and read while the passphrase is typed (outreach.tui.screens.warming): the first
dashboard, its chart and the programme file, so that pressing enter leaves only the key
derivation, the unlock and the drawing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from outreach.rules import programme
from outreach.tui.app import create_app
from outreach.tui.screens.unlock import UnlockScreen
from outreach.tui.screens.warming import warm_first_screen
from tests.support.stores import new_store
from tests.support.tui_helpers import SIZE, wait_for

ROOT = Path(__file__).resolve().parents[2]

WARM_AND_REPORT = """
import sys
before = sorted(m for m in ("textual", "textual_plotext", "jsonschema") if m in sys.modules)
from outreach.rules.programme import _load
from outreach.tui.screens.warming import warm_first_screen
warm_first_screen()
after = sorted(
    m for m in ("outreach.tui.screens.dashboard", "textual_plotext", "jsonschema")
    if m in sys.modules
)
print(before, after, _load.cache_info().currsize)
"""


def test_warming_imports_the_dashboard_and_reads_the_programme_file() -> None:
    done = subprocess.run(
        [sys.executable, "-c", WARM_AND_REPORT],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        check=True,
        timeout=120,
    )
    assert done.stdout.strip() == (
        "[] ['jsonschema', 'outreach.tui.screens.dashboard', 'textual_plotext'] 1"
    )


def test_a_programme_file_that_cannot_be_read_is_left_for_the_dashboard_to_report(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    def unreadable(key: str = "cervical-screening") -> programme.Programme:
        raise ValueError("cervical-screening.toml: not valid TOML")

    monkeypatch.setattr(programme, "load_programme", unreadable)
    warm_first_screen()  # returns: the dashboard says what is wrong when it reads the file


@pytest.mark.asyncio
async def test_the_unlock_screen_warms_up_while_the_passphrase_is_typed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    warmed: list[str] = []
    monkeypatch.setattr(
        "outreach.tui.screens.warming.warm_first_screen", lambda: warmed.append("first screen")
    )
    new_store(tmp_path / "store").close()
    app = create_app(tmp_path / "store", user="ana")
    async with app.run_test(size=SIZE) as pilot:
        assert isinstance(app.screen, UnlockScreen)
        await wait_for(pilot, lambda: warmed == ["first screen"])
