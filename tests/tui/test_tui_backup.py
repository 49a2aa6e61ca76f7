"""Quitting offers a backup when the last one is old: yes writes it, no quits, esc goes back."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from freezegun import freeze_time
from textual.widgets import Input

from outreach.errors import ValidationError
from outreach.store.backup import create_backup, read_backup_info
from outreach.store.store import Store
from outreach.tui.app import create_app
from outreach.tui.backup_reminder import backup_due, backup_file_name, default_backups_folder
from outreach.tui.dialogs.backup_dialog import BackupDialog, last_backup_line
from outreach.tui.screens.dashboard import DashboardScreen
from tests.support.stores import PASSPHRASE
from tests.support.tui_helpers import FROZEN, SIZE, wait_for
from tests.support.tui_store import TODAY, copy_built

BACKED_UP_ON = date(2024, 6, 1)


@pytest.fixture(scope="module")
def backed_up_folder(tmp_path_factory: pytest.TempPathFactory, tui_template: Path) -> Path:
    """A store whose one backup was taken on BACKED_UP_ON (tests here only read it)."""
    root = tmp_path_factory.mktemp("tui-backup")
    copy_built(tui_template, root / "store")
    with freeze_time(BACKED_UP_ON):
        store = Store.unlock(root / "store", user="ana", passphrase=PASSPHRASE)
        try:
            create_backup(store, root / "first.obk")
        finally:
            store.close()
    return root / "store"


def _open(folder: Path) -> Store:
    return Store.unlock(folder, user="ana", passphrase=PASSPHRASE)


async def _quit_and_see(store: Store, day: date, **options: object) -> tuple[bool, bool]:
    """Press ctrl+q on the dashboard on ``day``: (was a backup offered, did the app exit)."""
    with freeze_time(day, **FROZEN):
        app = create_app(store.folder, store=store, idle_minutes=60, **options)  # type: ignore[arg-type]
        async with app.run_test(size=SIZE) as pilot:
            await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
            await pilot.press("ctrl+q")
            await pilot.pause()
            offered = isinstance(app.screen, BackupDialog)
            exited = app.return_code is not None
    return offered, exited


def test_a_backup_is_due_when_never_taken_or_at_least_the_days_old() -> None:
    now = datetime(2024, 6, 14, 12, 0, tzinfo=UTC)
    assert backup_due(None, now, 7)
    assert backup_due(datetime(2024, 6, 7, 12, 0), now, 7)
    assert not backup_due(datetime(2024, 6, 7, 12, 1), now, 7)
    assert not backup_due(None, now, 0)


def test_the_suggested_file_is_dated_and_beside_the_store_folder(tmp_path: Path) -> None:
    assert backup_file_name(date(2024, 6, 14)) == "outreach-backup-2024-06-14.obk"
    assert default_backups_folder(tmp_path / "store") == tmp_path / "outreach-backups"


def test_the_dialog_says_how_old_the_last_backup_is() -> None:
    last = datetime(2024, 6, 1, 9, 30)
    assert last_backup_line(last, date(2024, 6, 14)) == (
        "The last backup was on 01 Jun 2024 (13 days ago)."
    )
    assert last_backup_line(None, TODAY) == "This store has never been backed up."


@pytest.mark.slow
@pytest.mark.asyncio
async def test_quitting_offers_a_backup_when_the_last_is_older_than_the_days(
    backed_up_folder: Path,
) -> None:
    store = _open(backed_up_folder)
    try:
        offered, exited = await _quit_and_see(store, date(2024, 6, 11), backup_days=7)
    finally:
        store.close()
    assert (offered, exited) == (True, False)


@pytest.mark.asyncio
async def test_quitting_does_not_offer_a_backup_when_the_last_is_recent(
    backed_up_folder: Path,
) -> None:
    store = _open(backed_up_folder)
    try:
        offered, exited = await _quit_and_see(store, date(2024, 6, 3), backup_days=7)
    finally:
        store.close()
    assert (offered, exited) == (False, True)


@pytest.mark.asyncio
async def test_quitting_a_demo_never_offers_a_backup(backed_up_folder: Path) -> None:
    store = _open(backed_up_folder)
    try:
        offered, exited = await _quit_and_see(store, date(2024, 6, 30), demo=True)
    finally:
        store.close()
    assert (offered, exited) == (False, True)


@pytest.mark.slow
@pytest.mark.asyncio
async def test_escape_goes_back_to_the_application(backed_up_folder: Path) -> None:
    store = _open(backed_up_folder)
    try:
        with freeze_time(date(2024, 6, 30), **FROZEN):
            app = create_app(store.folder, store=store, idle_minutes=60, backup_days=7)
            async with app.run_test(size=SIZE) as pilot:
                await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
                await pilot.press("ctrl+q")
                await wait_for(pilot, lambda: isinstance(app.screen, BackupDialog))
                await pilot.press("escape")
                await pilot.pause()
                assert isinstance(app.screen, DashboardScreen)
                assert app.return_code is None
    finally:
        store.close()


@pytest.mark.slow
@pytest.mark.asyncio
async def test_yes_writes_a_readable_backup_then_quits(
    tmp_path: Path, tui_template: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    copy_built(tui_template, tmp_path / "store")
    store = _open(tmp_path / "store")
    target_folder = tmp_path / "usb" / "backups"
    statuses: list[str] = []
    status = BackupDialog._status

    def recorded(dialog: BackupDialog, text: str, *, error: bool = False) -> None:
        statuses.append(text)
        status(dialog, text, error=error)

    monkeypatch.setattr(BackupDialog, "_status", recorded)
    try:
        with freeze_time(TODAY, **FROZEN):
            app = create_app(store.folder, store=store, idle_minutes=60)
            async with app.run_test(size=SIZE) as pilot:
                await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
                await pilot.press("ctrl+q")
                await wait_for(pilot, lambda: isinstance(app.screen, BackupDialog))
                folder = app.screen.query_one("#backup-folder", Input)
                assert folder.value == str(tmp_path / "outreach-backups")
                folder.value = str(target_folder)
                await pilot.press("ctrl+s")
                await wait_for(pilot, lambda: app.return_code is not None, tries=600)
    finally:
        store.close()
    written = target_folder / "outreach-backup-2024-06-14.obk"
    # The line beside the spinner says which step the backup is on, as its share rises.
    assert statuses[0] == f"Writing {written} …"
    assert statuses[1].startswith("Backing up: copying the store (0% of ")
    assert statuses[-1].startswith("Backing up: encrypting the copy (100% of ")
    assert all(text.startswith("Backing up: ") for text in statuses[1:])
    info = read_backup_info(written)
    assert info.accounts == ["ana"]
    assert info.created_at.startswith("2024-06-14")


@pytest.mark.slow
@pytest.mark.asyncio
async def test_no_quits_without_a_backup(backed_up_folder: Path) -> None:
    store = _open(backed_up_folder)
    try:
        with freeze_time(date(2024, 6, 30), **FROZEN):
            app = create_app(store.folder, store=store, idle_minutes=60, backup_days=7)
            async with app.run_test(size=SIZE) as pilot:
                await wait_for(pilot, lambda: isinstance(app.screen, DashboardScreen))
                await pilot.press("ctrl+q")
                await wait_for(pilot, lambda: isinstance(app.screen, BackupDialog))
                await pilot.press("n")
                await wait_for(pilot, lambda: app.return_code is not None)
    finally:
        store.close()
    assert not (backed_up_folder.parent / "outreach-backups").exists()


def test_outreach_open_passes_the_backup_days_to_the_app(
    backed_up_folder: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from typer.testing import CliRunner

    from outreach.cli import app as cli

    seen: dict[str, object] = {}

    class FakeApp:
        # What `outreach open` reads of the application after it has run.
        store = None
        crash_message = ""
        return_code = 0
        restart_as = None
        restart_on_lock = False

        def run(self) -> None:
            seen["ran"] = True

    def fake_create_app(folder: Path, **options: object) -> FakeApp:
        seen.update(options)
        return FakeApp()

    monkeypatch.setattr("outreach.tui.app.create_app", fake_create_app)
    result = CliRunner().invoke(
        cli, ["open", "--store", str(backed_up_folder), "--backup-days", "3"]
    )
    assert result.exit_code == 0, result.output
    assert seen["ran"] and seen["backup_days"] == 3.0


def test_the_backup_days_come_from_the_environment_when_not_given(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("OUTREACH_BACKUP_DAYS", "14")
    assert create_app(tmp_path).backup_days == 14.0
    assert create_app(tmp_path, backup_days=0).backup_days == 0.0
    monkeypatch.delenv("OUTREACH_BACKUP_DAYS")
    assert create_app(tmp_path).backup_days == 7.0
    monkeypatch.setenv("OUTREACH_BACKUP_DAYS", "soon")
    with pytest.raises(ValidationError) as refused:
        create_app(tmp_path)
    assert str(refused.value) == (
        "OUTREACH_BACKUP_DAYS: 'soon' is not a number of days of 0 or more"
    )
