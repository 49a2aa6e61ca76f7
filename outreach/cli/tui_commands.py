"""``outreach open``: the terminal application (also what plain ``outreach`` runs)."""

from __future__ import annotations

from typing import Annotated

import typer

from outreach.cli import app
from outreach.cli.common import StoreOption, UserOption, fail, say, store_folder

IdleOption = Annotated[
    float | None,
    typer.Option(
        "--idle-minutes",
        envvar="OUTREACH_IDLE_MINUTES",
        min=0.1,
        help="Lock after this many idle minutes (default 5).",
        show_default=False,
    ),
]

BackupDaysOption = Annotated[
    float | None,
    typer.Option(
        "--backup-days",
        envvar="OUTREACH_BACKUP_DAYS",
        min=0,
        help="On quit, offer a backup when the last one is this many days old or more "
        "(default 7; 0: never).",
        show_default=False,
    ),
]


@app.command("open")
def open_app(
    store: StoreOption = None,
    user: UserOption = None,
    idle_minutes: IdleOption = None,
    backup_days: BackupDaysOption = None,
) -> None:
    """Open the application: unlock, then log conversations, screening steps and follow-ups."""
    run_app(store=store, user=user, idle_minutes=idle_minutes, backup_days=backup_days)


def run_app(
    *,
    store: StoreOption = None,
    user: UserOption = None,
    idle_minutes: float | None = None,
    backup_days: float | None = None,
    demo: bool = False,
) -> None:
    """Start the application on a store folder; returns when the person quits."""
    from outreach.store.restore_swap import finish_interrupted_restore
    from outreach.store.store import DATA

    folder = store_folder(store)
    # A restore killed while swapping the store in is finished before looking for data.db.
    finish_interrupted_restore(folder)
    if not (folder / DATA).exists():
        raise fail(f"no store in {folder}: create one with 'outreach init' or point --store at it")
    # Imported here so that other commands (and --help) start without loading Textual.
    from outreach.tui.app import create_app

    application = create_app(
        folder, user=user, demo=demo, idle_minutes=idle_minutes, backup_days=backup_days
    )
    application.run()
    if application.crash_message:
        say(application.crash_message, err=True)
    if application.return_code:
        raise typer.Exit(application.return_code)
