"""``outreach backup`` and ``outreach restore``: one authenticated file per backup."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from outreach.cli import app
from outreach.cli.common import (
    StoreOption,
    UserOption,
    errors_shown,
    passphrase,
    recovery_code,
    say,
    step_said,
    store_folder,
    unlock,
)


@app.command()
def backup(
    file: Annotated[Path, typer.Argument(help="The backup file to write (replaced if present).")],
    store: StoreOption = None,
    user: UserOption = None,
) -> None:
    """Write an encrypted, tamper-evident backup of the store and its key slots to FILE.

    The file opens with the passphrase of any account in the store, or the recovery code.
    Temporary files that an interrupted backup left in FILE's folder (hidden, named
    .NAME.XXXXXXXX.snapshot or .partial, from an earlier run) are removed.
    """
    from outreach.store.backup import create_backup

    with errors_shown(), unlock(store, user) as opened:
        info = create_backup(opened, file, said=step_said())
    if info.leftovers_removed:
        say(
            f"Removed {_leftovers(info.leftovers_removed)} of interrupted backups from "
            f"{info.path.parent} (hidden temporary files)."
        )
    say(f"Backup written to {info.path} ({info.size:,} bytes, schema {info.revision}).")


def _leftovers(count: int) -> str:
    return f"{count} leftover" + ("" if count == 1 else "s")


@app.command()
def restore(
    file: Annotated[Path, typer.Argument(help="The backup file to restore.")],
    store: StoreOption = None,
    user: UserOption = None,
    force: Annotated[
        bool,
        typer.Option("--force", help="Move an existing store aside (never deleted) and restore."),
    ] = False,
    recovery: Annotated[
        bool, typer.Option("--recovery", help="Open the backup with the recovery code.")
    ] = False,
) -> None:
    """Restore a backup into the store folder, after checking every byte of it.

    Refuses a folder that holds a store unless --force; nothing is written if the backup is
    damaged or the passphrase is wrong. All or nothing: if the restore is interrupted (power
    cut, killed), the folder keeps the old store, or the restored one is put in place whole
    the next time the store is opened or restored into. Temporary files of an earlier,
    interrupted restore are removed.
    """
    from outreach.store.backup import read_backup_info, restore_backup, store_present
    from outreach.store.errors import StoreExists
    from outreach.store.restore_swap import finish_interrupted_restore

    with errors_shown():
        folder = store_folder(store)
        if finish_interrupted_restore(folder):
            say(f"Finished an earlier restore into {folder} that was interrupted.")
        if store_present(folder) and not force:
            raise StoreExists(
                f"{folder} already holds a store: use --force to move it aside and restore"
            )
        info = read_backup_info(file)
        secret = recovery_code() if recovery else passphrase()
        result = restore_backup(
            file, folder, secret=secret, user=user, recovery=recovery, force=force
        )
    if result.leftovers_removed:
        say(
            f"Removed {_leftovers(result.leftovers_removed)} of interrupted restores from "
            f"{folder} (hidden staging folders and temporary files)."
        )
    if result.moved_aside is not None:
        say(f"The store that was there is kept in {result.moved_aside}.")
    say(f"Restored the backup of {info.created_at} into {folder}.")
    say("Run 'outreach check' to verify it.")
