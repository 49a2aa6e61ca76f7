"""The export screen chooses the programme (the dashboard's to begin with): its preview and
the export written are that programme's, as ``outreach export --programme KEY`` writes them."""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from freezegun import freeze_time
from textual.widgets import DataTable, Input, Select, Static

from outreach.services.people import AddPerson, add_person
from outreach.services.programme_steps import RecordProgrammeStep, record_programme_step
from outreach.store.store import Store
from outreach.tui.app import create_app
from outreach.tui.dialogs.account_dialogs import ConfirmDialog
from outreach.tui.screens.dashboard import DashboardScreen
from outreach.tui.screens.export import ExportScreen
from tests.support.tui_helpers import FROZEN, SIZE, wait_for
from tests.support.tui_store import TODAY

HEP_C = "bbv-hepatitis-c"


def _received_in_may(store: Store) -> None:
    """One reception in May 2024, offered the day she arrived and tested negative the next."""
    add_person(
        store,
        AddPerson(
            ref="C3001",
            display_name="Cleo Day",
            date_of_birth=date(1988, 2, 2),
            unit="Wing A",
            arrived_on=date(2024, 5, 6),
        ),
    )
    for day, step, result in (
        (date(2024, 5, 6), "offered", None),
        (date(2024, 5, 7), "antibody_test", "negative"),
    ):
        record_programme_step(
            store,
            RecordProgrammeStep(
                person_ref="C3001", programme=HEP_C, step=step, occurred_on=day, result=result
            ),
        )


def _status(screen: Any) -> str:
    return str(screen.query_one("#export-status", Static).render())


@pytest.mark.slow
@pytest.mark.asyncio
async def test_hepatitis_c_is_chosen_previewed_and_written_by_keyboard(
    store: Store, tmp_path: Path
) -> None:
    out = tmp_path / "hep-c-2024-05"
    with freeze_time(TODAY, **FROZEN):
        _received_in_may(store)
        app = create_app(store.folder, store=store)
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
            await pilot.press("x")
            await wait_for(pilot, lambda: isinstance(app.screen, ExportScreen))
            screen: ExportScreen = app.screen
            choice = screen.query_one("#programme", Select)
            assert choice.value == "cervical-screening"  # the dashboard's programme
            await wait_for(pilot, lambda: screen.preview is not None, tries=600)
            choice.focus()
            # Cervical screening, hepatitis B, hepatitis C: two down.
            await pilot.press("enter", "down", "down", "enter")
            await wait_for(
                pilot,
                lambda: screen.preview is not None and screen.preview.summary.programme == HEP_C,
                tries=600,
            )
            folder = screen.query_one("#folder", Input)
            assert folder.value.endswith("outreach-exports/2024-05-bbv-hepatitis-c")
            assert _status(screen).startswith("Preview of Hepatitis C testing for 2024-05")
            table = screen.query_one("#export-preview", DataTable)
            exact = {
                (str(r[0]), str(r[1]), str(r[2])): (str(r[3]), str(r[4]))
                for r in (table.get_row_at(i) for i in range(table.row_count))
            }
            folder.value = str(out)
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
            await pilot.press("y")
            await wait_for(pilot, lambda: "key fingerprint" in _status(screen), tries=600)
    # One reception (1 to 7 is a small count: published *), offered and tested: 1 of 1, 100%.
    assert exact[("cohort", "total", "all")] == ("*", "1")
    assert exact[("stage_offered", "total", "all")] == ("*", "100.0")
    assert exact[("stage_tested", "total", "all")] == ("*", "100.0")
    written = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert written["programme"] == {"key": HEP_C, "title": "Hepatitis C testing"}
