"""``outreach sync``: a team's laptops share their records through sealed files.

``pair`` keeps the other laptop's card; ``export`` writes every change it has not yet
acknowledged, sealed to it; ``import`` applies a bundle from it; ``peers`` lists paired stores.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from outreach.cli import app
from outreach.cli.common import StoreOption, UserOption, errors_shown, read_file, say, unlock
from outreach.wording import counted

sync = typer.Typer(
    help="Share records between a team's laptops through sealed files (no network).",
    no_args_is_help=True,
)
app.add_typer(sync, name="sync")


@sync.command("pair")
def sync_pair(
    card: Annotated[
        Path, typer.Argument(help="The other laptop's card (from 'outreach keys export-card').")
    ],
    store: StoreOption = None,
    user: UserOption = None,
) -> None:
    """Pair with another laptop's store: keep its card, and show both fingerprints.

    Read the two fingerprints aloud with the person at the other laptop: each must see the
    same two, or a card was swapped on the way.
    """
    from outreach.services.sync import pair

    with errors_shown():
        data = read_file(card, "card")
        with unlock(store, user) as opened:
            paired = pair(opened, data)
    say(("Already paired with " if paired.again else "Paired with ") + paired.site)
    say(f"  its fingerprint:  {paired.fingerprint}")
    say(f"  this store's:     {paired.own_fingerprint}")
    say("Read both aloud with the other laptop's user; they must match on both screens.")


@sync.command("peers")
def sync_peers(store: StoreOption = None, user: UserOption = None) -> None:
    """The stores paired with this one, and how many bundles went each way."""
    from outreach.services.sync import peers

    with errors_shown(), unlock(store, user) as opened:
        found = peers(opened)
    if not found:
        say("No paired stores: outreach sync pair CARD-FILE")
    for p in found:
        say(f"{p.site}  {p.fingerprint}  sent {p.bundles_sent}, received {p.bundles_received}")


@sync.command("export")
def sync_export(
    file: Annotated[Path, typer.Argument(help="Where to write the sealed bundle.")],
    to: Annotated[
        str, typer.Option("--to", help="The paired store: its site name or fingerprint.")
    ],
    force: Annotated[bool, typer.Option("--force", help="Overwrite an existing file.")] = False,
    store: StoreOption = None,
    user: UserOption = None,
) -> None:
    """Write every change the paired store has not acknowledged, sealed to it."""
    from outreach.services.sync import export_bundle

    with errors_shown():
        if file.exists() and not force:
            raise ValueError(f"{file} exists; pass --force to overwrite it")
        with unlock(store, user) as opened:
            sealed, written = export_bundle(opened, to)
        file.write_bytes(sealed)
    say(
        f"Wrote bundle {written.number} for {written.peer} to {file}: "
        f"{counted(written.changes, 'change')}, {written.size:,} bytes"
    )


@sync.command("import")
def sync_import(
    file: Annotated[Path, typer.Argument(help="A bundle from a paired store.")],
    store: StoreOption = None,
    user: UserOption = None,
) -> None:
    """Check a bundle and apply the changes this store does not have yet, all or nothing."""
    from outreach.services.sync import import_bundle

    with errors_shown():
        data = read_file(file, "file")
        with unlock(store, user) as opened:
            report = import_bundle(opened, data)
    if not report.applied:
        say(
            f"Bundle {report.number} from {report.peer} changes nothing further: "
            f"this store already holds all {counted(report.known, 'change')} in it."
        )
        return
    say(
        f"Applied bundle {report.number} from {report.peer}: "
        f"{counted(report.applied, 'change')} new"
        + (f", {report.known} already held" if report.known else "")
        + (
            f"; {counted(report.kept_local, 'field')} kept as changed later here"
            if report.kept_local
            else ""
        )
    )
