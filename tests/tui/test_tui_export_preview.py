"""The export preview: the published table shown before anything is written, then confirmed.

The service tests use the export tests' store (figures worked out by hand in
``tests/exports/test_export_store.py``); the screen tests use the terminal application's small
store.
"""

from __future__ import annotations

import csv
import threading
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from freezegun import freeze_time
from textual.widgets import DataTable, Input, Select, Static

from outreach.exports.export import export_summary
from outreach.exports.preview import (
    WITHHELD_WORDS,
    ExportPreview,
    PreviewRow,
    preview_export,
    published_summary,
)
from outreach.services.audit_log import recent_audit
from outreach.services.conversations import LogConversation, log_conversation
from outreach.store.store import Store
from outreach.tui.app import create_app
from outreach.tui.dialogs.account_dialogs import ConfirmDialog
from outreach.tui.screens.export import ExportScreen
from tests.support.export_store import ALDER, AS_OF, BIRCH, PERIOD
from tests.support.stores import PASSPHRASE
from tests.support.tui_helpers import FROZEN, SIZE, wait_for
from tests.support.tui_store import TODAY, copy_built


def _csv_cells(folder: Path) -> list[tuple[str, str, str, str, str]]:
    """Measure, breakdown, category, value (``*`` when suppressed) and withheld reason of every
    line of an export's ``summary.csv``."""
    with (folder / "summary.csv").open(encoding="utf-8-sig", newline="") as handle:
        return [
            (
                line["measure"],
                line["breakdown"],
                line["category"],
                "*" if line["suppressed"] == "true" else line["value"],
                line["withheld_reason"],
            )
            for line in csv.DictReader(handle)
        ]


def _cells(rows: tuple[PreviewRow, ...]) -> list[tuple[str, str, str, str, str]]:
    return [(r.measure, r.breakdown, r.category, r.value, r.withheld_reason) for r in rows]


def _exports(store: Store) -> int:
    return sum(1 for row in recent_audit(store, limit=500) if row.action == "export")


# -- the service ----------------------------------------------------------------------------


@pytest.mark.slow
def test_the_preview_publishes_the_figures_worked_out_by_hand(filled_store: Store) -> None:
    cells = {
        (r.measure, r.breakdown, r.category): (r.value, r.withheld_reason)
        for r in preview_export(filled_store, period=PERIOD, as_of=AS_OF).rows
    }
    # Coverage 30 / 43: 30 stays 30, 43 rounds to 45, and 30 / 45 is 66.7%.
    assert cells[("coverage", "total", "all")] == ("66.7", "")
    assert cells[("coverage.covered", "total", "all")] == ("30", "")
    assert cells[("coverage.eligible", "total", "all")] == ("45", "")
    # Age bands 21 / 24 and 9 / 19 publish as 20 / 25 and 10 / 20: no small cell.
    assert cells[("coverage", "age_band", "25-49")] == ("80.0", "")
    assert cells[("coverage", "age_band", "50-64")] == ("50.0", "")
    # Birch House has 3 eligible, a small count: the unit breakdown is withheld whole.
    assert cells[("coverage", "unit", ALDER)] == ("*", "breakdown")
    assert cells[("coverage.eligible", "unit", BIRCH)] == ("*", "breakdown")
    # 12 conversations round to 10.
    assert cells[("conversations", "total", "all")] == ("10", "")


def test_the_preview_explains_what_was_withheld(filled_store: Store) -> None:
    preview = preview_export(filled_store, period=PERIOD, as_of=AS_OF)
    assert preview.explanation[0] == (
        "Disclosure control nhs-hes-2018: 0 stays 0, 1 to 7 shown as *, other counts rounded "
        "to the nearest 5; percentages are worked out from the published counts."
    )
    # Birch House's 3 eligible, and the 3 undecided outcomes (against 9 accepted).
    assert preview.explanation[-1] == (
        "Withheld in this export: Coverage at the end of the period (%) by unit; "
        "Conversation outcomes by outcome."
    )


def test_working_out_the_published_table_writes_nothing(
    filled_store: Store, tmp_path: Path
) -> None:
    before = recent_audit(filled_store, limit=500)
    published_summary(filled_store, period=PERIOD, as_of=AS_OF)
    assert recent_audit(filled_store, limit=500) == before
    assert list(tmp_path.iterdir()) == []


def test_the_written_csv_holds_exactly_the_previewed_cells(
    filled_store: Store, tmp_path: Path
) -> None:
    preview = preview_export(filled_store, period=PERIOD, as_of=AS_OF)
    out = tmp_path / "out"
    export_summary(
        filled_store,
        period=PERIOD,
        out=out,
        as_of=AS_OF,
        formats=["csv"],
        previewed=preview.summary,
    )
    assert _csv_cells(out) == _cells(preview.rows)


def test_an_export_whose_figures_changed_after_the_preview_writes_nothing(
    tmp_path: Path, tui_template: Path
) -> None:
    copy_built(tui_template, tmp_path / "store")
    with freeze_time(TODAY):
        store = Store.unlock(tmp_path / "store", user="ana", passphrase=PASSPHRASE)
        try:
            previewed = published_summary(store, period="2024-05")
            exports = _exports(store)
            # A conversation in May: the published conversations go from 0 to *.
            log_conversation(
                store,
                LogConversation(
                    occurred_on=date(2024, 5, 20),
                    kind="one_to_one",
                    mentors=["Maya Lee"],
                    setting="wing",
                    outcome="undecided_more_time",
                    minutes=10,
                    person_ref="A1001",
                    next_step_on=date(2024, 6, 20),
                ),
            )
            out = tmp_path / "out"
            with pytest.raises(ValueError, match="changed after the preview"):
                export_summary(store, period="2024-05", out=out, previewed=previewed)
            assert not out.exists()
            assert [p.name for p in tmp_path.iterdir()] == ["store"]
            assert _exports(store) == exports
        finally:
            store.close()


# -- the screen -----------------------------------------------------------------------------


def _status(screen: ExportScreen) -> str:
    return str(screen.query_one("#export-status", Static).render())


EXACT = 4
"""The column of the exact figures, shown on screen only."""


def _shown(table: DataTable[str]) -> list[tuple[str, ...]]:
    """The cells of each row as ``summary.csv`` has them: every column but the exact one."""
    return [
        tuple(str(cell) for column, cell in enumerate(table.get_row_at(i)) if column != EXACT)
        for i in range(table.row_count)
    ]


def _exact(table: DataTable[str]) -> list[str]:
    return [str(table.get_row_at(i)[EXACT]) for i in range(table.row_count)]


async def _open_with_preview(app: Any, pilot: Any, out: Path) -> ExportScreen:
    """Open the export screen, point it at ``out`` and wait for the preview of 2024-05."""
    await pilot.press("x")
    await wait_for(pilot, lambda: isinstance(app.screen, ExportScreen))
    screen: ExportScreen = app.screen
    assert screen.query_one("#period", Select).value == "2024-05"
    screen.query_one("#folder", Input).value = str(out)
    await wait_for(pilot, lambda: screen.preview is not None, tries=600)
    return screen


@pytest.mark.asyncio
async def test_the_preview_is_shown_before_any_file_exists(store: Store, tmp_path: Path) -> None:
    out = tmp_path / "export-2024-05"
    with freeze_time(TODAY, **FROZEN):
        app = create_app(store.folder, store=store)
        async with app.run_test(size=SIZE) as pilot:
            screen = await _open_with_preview(app, pilot, out)
            table = screen.query_one("#export-preview", DataTable)
            # Five eligible on 2024-05-31 (Fay is 24), three covered: both small, so *.
            assert _shown(table)[:3] == [
                ("coverage", "total", "all", "*", ""),
                ("coverage.covered", "total", "all", "*", ""),
                ("coverage.eligible", "total", "all", "*", ""),
            ]
            assert ("coverage", "unit", "Wing A", "*", "with its breakdown") in _shown(table)
            assert ("coverage_target", "total", "all", "90.0", "") in _shown(table)
            # Beside each published figure, the exact one: 3 of 5 covered is 60.0%.
            assert _exact(table)[:3] == ["60.0", "3", "5"]
            assert "Nothing has been written" in _status(screen)
            notes = str(screen.query_one("#export-notes", Static).render())
            assert "Withheld in this export: Coverage at the end of the period (%) by age band" in (
                notes
            )
            assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["store"]


@pytest.mark.slow
@pytest.mark.asyncio
async def test_the_written_summary_csv_holds_exactly_the_cells_previewed(
    store: Store, tmp_path: Path
) -> None:
    out = tmp_path / "export-2024-05"
    with freeze_time(TODAY, **FROZEN):
        app = create_app(store.folder, store=store)
        async with app.run_test(size=SIZE) as pilot:
            screen = await _open_with_preview(app, pilot, out)
            shown = _shown(screen.query_one("#export-preview", DataTable))
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
            await pilot.press("y")
            await wait_for(pilot, lambda: "key fingerprint" in _status(screen), tries=600)
    written = [
        (measure, breakdown, category, value, WITHHELD_WORDS.get(reason, reason))
        for measure, breakdown, category, value, reason in _csv_cells(out)
    ]
    assert len(written) == 81
    assert written == shown


@pytest.mark.slow
@pytest.mark.asyncio
async def test_cancelling_the_confirmation_writes_nothing(store: Store, tmp_path: Path) -> None:
    out = tmp_path / "export-2024-05"
    with freeze_time(TODAY, **FROZEN):
        app = create_app(store.folder, store=store)
        async with app.run_test(size=SIZE) as pilot:
            screen = await _open_with_preview(app, pilot, out)
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
            await pilot.press("n")
            await wait_for(pilot, lambda: app.screen is screen)
            assert _status(screen) == f"Cancelled: nothing was written to {out}."
    assert sorted(p.name for p in tmp_path.iterdir()) == ["store"]


@pytest.mark.slow
@pytest.mark.asyncio
async def test_the_audit_records_an_export_only_once_it_is_written(
    store: Store, tmp_path: Path
) -> None:
    out = tmp_path / "export-2024-05"
    with freeze_time(TODAY, **FROZEN):
        app = create_app(store.folder, store=store)
        async with app.run_test(size=SIZE) as pilot:
            screen = await _open_with_preview(app, pilot, out)
            assert _exports(store) == 0
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
            await pilot.press("escape")
            await wait_for(pilot, lambda: "Cancelled" in _status(screen))
            assert _exports(store) == 0
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
            await pilot.press("y")
            await wait_for(pilot, lambda: "key fingerprint" in _status(screen), tries=600)
            assert _exports(store) == 1


@pytest.mark.slow
@pytest.mark.asyncio
async def test_choosing_another_period_previews_that_period(store: Store, tmp_path: Path) -> None:
    with freeze_time(TODAY, **FROZEN):
        app = create_app(store.folder, store=store)
        async with app.run_test(size=SIZE) as pilot:
            screen = await _open_with_preview(app, pilot, tmp_path / "out")
            screen.query_one("#period", Select).value = "2024-Q1"
            await wait_for(
                pilot,
                lambda: (
                    screen.preview is not None and screen.preview.summary.period.label == "2024-Q1"
                ),
                tries=600,
            )
            table = screen.query_one("#export-preview", DataTable)
            months = [row[2] for row in _shown(table) if row[0] == "coverage_trend"]
            # The quarter's three months and the twelve before it.
            assert (months[0], months[-1], len(months)) == ("2023-01", "2024-03", 15)
            folder = screen.query_one("#folder", Input).value
            assert folder == str(tmp_path / "home" / "outreach-exports" / "2024-Q1")


@pytest.mark.slow
@pytest.mark.asyncio
async def test_nothing_can_be_written_before_the_preview_is_shown(
    store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    release = threading.Event()

    def held_preview(store: Store, **kwargs: Any) -> ExportPreview:
        release.wait(timeout=10)
        return preview_export(store, **kwargs)

    monkeypatch.setattr("outreach.exports.preview.preview_export", held_preview)
    out = tmp_path / "out"
    with freeze_time(TODAY, **FROZEN):
        app = create_app(store.folder, store=store)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("x")
            await wait_for(pilot, lambda: isinstance(app.screen, ExportScreen))
            screen = app.screen
            screen.query_one("#folder", Input).value = str(out)
            await pilot.press("ctrl+s")
            await pilot.pause()
            assert app.screen is screen  # no confirmation offered
            assert _status(screen) == (
                "Nothing written: the export of 2024-05 is written only once its preview is "
                "shown here."
            )
            release.set()
            await wait_for(pilot, lambda: screen.preview is not None, tries=600)
    assert not out.exists()
