"""Export, accounts and the audit view."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from freezegun import freeze_time
from textual.widgets import DataTable, Input, Select, Static

from outreach.store.store import Store
from outreach.tui.app import create_app
from outreach.tui.dialogs.account_dialogs import ConfirmDialog
from outreach.tui.screens.accounts import AccountsScreen
from outreach.tui.screens.audit import AuditScreen
from outreach.tui.screens.export import ExportScreen, ended_periods
from tests.support.tui_helpers import FROZEN, SIZE, wait_for
from tests.support.tui_store import TODAY


def test_only_ended_whole_periods_are_offered() -> None:
    labels = ended_periods(TODAY)
    assert labels[:2] == ["2024-05", "2024-04"]
    assert labels[11] == "2023-06"
    assert labels[12:] == ["2024-Q1", "2023-Q4", "2023-Q3", "2023-Q2", "2023", "2022"]


@pytest.mark.slow
@pytest.mark.asyncio
async def test_export_previews_the_published_figures_then_writes_a_signed_folder(
    store: Store, tmp_path: Path
) -> None:
    out = tmp_path / "export-2024-05"
    with freeze_time(TODAY, **FROZEN):
        app = create_app(store.folder, store=store)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("x")
            await wait_for(pilot, lambda: isinstance(app.screen, ExportScreen))
            screen = app.screen
            assert screen.query_one("#period", Select).value == "2024-05"
            screen.query_one("#folder", Input).value = str(out)
            preview = screen.query_one(DataTable)
            await wait_for(pilot, lambda: preview.row_count > 0, tries=600)
            await pilot.press("ctrl+s")
            await wait_for(pilot, lambda: isinstance(app.screen, ConfirmDialog))
            await pilot.press("y")
            status = screen.query_one("#export-status", Static)
            await wait_for(pilot, lambda: "key fingerprint" in str(status.render()), tries=600)
    assert (out / "manifest.json").exists()
    assert (out / "summary.csv").exists()


@pytest.mark.asyncio
async def test_the_admin_sees_accounts_and_the_audit_log(store: Store) -> None:
    with freeze_time(TODAY, **FROZEN):
        app = create_app(store.folder, store=store)
        async with app.run_test(size=SIZE) as pilot:
            await pilot.press("a")
            await wait_for(pilot, lambda: isinstance(app.screen, AccountsScreen))
            accounts = app.screen.query_one(DataTable)
            await wait_for(pilot, lambda: accounts.row_count == 1)
            assert [str(c) for c in accounts.get_row_at(0)] == ["ana", "admin"]
            await pilot.press("u")
            await wait_for(pilot, lambda: isinstance(app.screen, AuditScreen))
            audit = app.screen.query_one(DataTable)
            await wait_for(pilot, lambda: audit.row_count > 0)
            # Newest first: the last thing the fixture did was log the group conversation.
            assert str(audit.get_row_at(0)[3]) == "conversation.log"


@pytest.mark.asyncio
async def test_the_audit_log_at_80_columns_wraps_the_fields_inside_the_screen(
    store: Store,
) -> None:
    with freeze_time(TODAY, **FROZEN):
        app = create_app(store.folder, store=store)
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("u")
            await wait_for(pilot, lambda: isinstance(app.screen, AuditScreen))
            audit = app.screen.query_one(DataTable)
            await wait_for(pilot, lambda: audit.row_count > 0)
            await pilot.pause()
            widths = [column.get_render_width(audit) for column in audit.columns.values()]
            cells = [[str(c) for c in audit.get_row_at(i)] for i in range(audit.row_count)]
            heights = [audit.rows[key].height for key in audit.rows]
    # Every column, and the scrollbar, within the 80 columns of the screen.
    assert sum(widths) + 2 <= 80
    # A row whose record or fields are longer than their column takes more lines, not more
    # width; the other rows keep to one line.
    record, fields = widths[4] - 2, widths[5] - 2
    assert [h > 1 for h in heights] == [len(c[4]) > record or len(c[5]) > fields for c in cells]
    assert any(h > 1 for h in heights)


def test_the_audit_log_at_80x24(snap_compare: Any, store: Store) -> None:
    async def opened(pilot: Any) -> None:
        await pilot.press("u")
        await wait_for(pilot, lambda: isinstance(pilot.app.screen, AuditScreen))
        audit = pilot.app.screen.query_one(DataTable)
        await wait_for(pilot, lambda: audit.row_count > 0)
        await pilot.pause()

    with freeze_time(TODAY, **FROZEN):
        app = create_app(store.folder, store=store)
        assert snap_compare(app, terminal_size=(80, 24), run_before=opened)
