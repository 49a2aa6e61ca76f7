"""``outreach open``: the terminal application (also what plain ``outreach`` runs)."""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from outreach.cli import app
from outreach.cli.common import StoreOption, UserOption, fail, say, settings, store_folder
from outreach.settings import RESTARTED_AS_ENV, RESTARTED_NOTICE_ENV
from outreach.tui.collection import pause_collection, resume_collection

if TYPE_CHECKING:
    from outreach.tui.app import OutreachApp

IdleOption = Annotated[
    float | None,
    typer.Option(
        "--idle-minutes",
        min=0.1,
        help="Lock after this many idle minutes (default OUTREACH_IDLE_MINUTES, else 5).",
        show_default=False,
    ),
]

BackupDaysOption = Annotated[
    float | None,
    typer.Option(
        "--backup-days",
        min=0,
        help="On quit, offer a backup when the last one is this many days old or more "
        "(default OUTREACH_BACKUP_DAYS, else 7; 0: never).",
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
    pause_collection()
    from outreach.store.restore_swap import finish_interrupted_restore
    from outreach.store.store import DATA

    folder = store_folder(store)
    # A restore killed while swapping the store in is finished before looking for data.db.
    finish_interrupted_restore(folder)
    if not (folder / DATA).exists():
        raise fail(f"no store in {folder}: create one with 'outreach init' or point --store at it")
    # Imported here so that other commands (and --help) start without loading Textual.
    from outreach.tui.app import create_app

    chosen = settings()
    # The notice belongs to this start only: a later start of this process says nothing.
    os.environ.pop(RESTARTED_NOTICE, None)
    application = create_app(
        folder,
        settings=chosen,
        user=user or chosen.restarted_as,
        demo=demo,
        idle_minutes=idle_minutes,
        backup_days=backup_days,
        locked_notice=chosen.restarted_notice,
    )
    run_until_locked(application)


def run_until_locked(application: OutreachApp) -> None:
    """Run the application; when it locks (on POSIX), replace this process with a fresh one
    showing the unlock screen. Returns when the person quits."""
    application.restart_on_lock = os.name == "posix"
    try:
        application.run()
    finally:
        resume_collection()
        if application.store is not None:
            application.store.close()
    if application.crash_message:
        say(application.crash_message, err=True)
    if application.return_code:
        raise typer.Exit(application.return_code)
    if application.restart_as is not None:
        restart_locked(application.restart_as, application.restart_notice)


RESTARTED_AS = RESTARTED_AS_ENV
RESTARTED_NOTICE = RESTARTED_NOTICE_ENV


def restart_locked(account: str, notice: str) -> NoReturn:
    """Replace this process with a fresh run of the same command, showing the unlock screen
    for ``account`` with ``notice``: nothing the old process held in memory survives (POSIX
    ``execv``)."""
    os.environ[RESTARTED_AS] = account
    os.environ[RESTARTED_NOTICE] = notice
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(sys.executable, [sys.executable, *sys.orig_argv[1:]])
