"""``outreach sync``: a team's laptops share their records through sealed files.

``pair`` keeps the other laptop's card; ``export`` writes every change it has not yet
acknowledged, sealed to it; ``import`` applies a bundle from it; ``peers`` lists paired stores;
``conflicts`` lists what both laptops changed and ``conflicts resolve`` settles one.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from outreach.cli import app
from outreach.cli.common import (
    JsonOption,
    StoreOption,
    UserOption,
    errors_shown,
    read_file,
    say,
    unlock,
)
from outreach.wording import counted

if TYPE_CHECKING:
    from outreach.services.sync import Applied
    from outreach.services.sync_conflicts import ConflictView

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
    everything: Annotated[
        bool,
        typer.Option(
            "--all",
            help="Every change this store holds, not only those not yet acknowledged (when "
            "the other laptop refused a bundle as missing changes).",
        ),
    ] = False,
    store: StoreOption = None,
    user: UserOption = None,
) -> None:
    """Write every change the paired store has not acknowledged, sealed to it."""
    from outreach.services.sync import export_bundle

    with errors_shown():
        if file.exists() and not force:
            raise ValueError(f"{file} exists; pass --force to overwrite it")
        with unlock(store, user) as opened:
            sealed, written = export_bundle(opened, to, everything=everything)
        file.write_bytes(sealed)
    say(
        f"Wrote bundle {written.number} for {written.peer} to {file}: "
        f"{counted(written.changes, 'change')}, {written.size:,} bytes"
    )


def _say_missed(report: Applied) -> None:
    """Name a bundle from the peer that never arrived, after the line saying what applied
    (scripts read that line first)."""
    if report.missed is not None:
        say(
            f"Bundle {report.missed} from {report.peer} never arrived here; bundle "
            f"{report.number} carries all its changes too."
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
    if report.replay:
        say(
            f"Bundle {report.number} from {report.peer} changes nothing further: "
            "it was already applied here."
        )
        return
    if not report.applied:
        say(
            f"Bundle {report.number} from {report.peer} changes nothing further: "
            + (
                f"this store already holds all {counted(report.known, 'change')} in it."
                if report.known
                else "it carries no changes (that laptop had nothing new for this one)."
            )
        )
        _say_missed(report)
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
    _say_missed(report)
    if report.authors:
        say(
            f"{counted(report.authors, 'author')} of these changes with no account here "
            "kept by name (they cannot log in here)."
        )
    if report.conflicts:
        say(
            f"{counted(report.conflicts, 'conflict')} found"
            + (f", {report.held} waiting for a person" if report.held else "")
            + ": see outreach sync conflicts"
        )


conflicts_app = typer.Typer(
    help="Changes both laptops made to the same thing: list them, and keep one side.",
    invoke_without_command=True,
)
sync.add_typer(conflicts_app, name="conflicts")


def _when(view: ConflictView, here: bool) -> str:
    at = view.here_at if here else view.theirs_at
    store = view.here_store if here else view.theirs_store
    return f"{store}, {at.astimezone():%Y-%m-%d %H:%M}" if at else store


def _as_json(view: ConflictView) -> dict[str, Any]:
    from outreach.services.sync_conflicts import conflict_words

    what, here, theirs = conflict_words(view)
    return {
        "id": view.id,
        "record": view.table,
        "reference": view.person_ref,
        "field": view.field or None,
        "change": view.op,
        "what": what,
        "clinical": view.clinical,
        "status": view.status,
        "here": {
            "value": view.here_value,
            "words": here,
            "store": view.here_store,
            "at": view.here_at.isoformat() if view.here_at else None,
        },
        "theirs": {
            "value": view.theirs_value,
            "words": theirs,
            "store": view.theirs_store,
            "at": view.theirs_at.isoformat() if view.theirs_at else None,
        },
        "in_force_here": "theirs" if view.held_here else "here",
        "resolved_by": view.resolved_by,
        "resolved_at": view.resolved_at.isoformat() if view.resolved_at else None,
    }


@conflicts_app.callback()
def sync_conflicts(
    ctx: typer.Context,
    all_: Annotated[
        bool, typer.Option("--all", help="Resolved conflicts too, with who resolved them.")
    ] = False,
    as_json: JsonOption = False,
    store: StoreOption = None,
    user: UserOption = None,
) -> None:
    """List the conflicts waiting for a person: the record, her reference, the field, both
    values in words, and which laptop made each change and when.

    A clinical field (results, decisions, ceasing) keeps this laptop's value until someone
    chooses; any other field already shows the later change. Resolve one with
    'outreach sync conflicts resolve ID --keep here|theirs'.
    """
    if ctx.invoked_subcommand is not None:
        return
    from outreach.services.sync_conflicts import conflict_words, conflicts

    with errors_shown(), unlock(store, user) as opened:
        found = conflicts(opened, include_resolved=all_)
    if as_json:
        say(json.dumps([_as_json(v) for v in found], indent=2, ensure_ascii=False))
        return
    if not found:
        say("No conflicts waiting: every change from the paired laptops is merged.")
        return
    waiting = sum(v.status == "open" for v in found)
    settled = len(found) - waiting
    say(
        f"{counted(waiting, 'conflict')} waiting for a person"
        + (f", {settled} resolved" if all_ else "")
        + ":"
        if waiting
        else f"No conflicts waiting; {counted(settled, 'conflict')} resolved:"
    )
    for v in found:
        what, here, theirs = conflict_words(v)
        state = (
            f"resolved by {v.resolved_by}"
            if v.status != "open"
            else ("clinical: waits, this laptop's value kept" if v.clinical else "later one shown")
        )
        say(f"#{v.id}  {v.person_ref or '-'}  {what}  ({state})")
        say(f"    here    ({_when(v, True)}): {here}")
        say(f"    theirs  ({_when(v, False)}): {theirs}")
    if waiting:
        say("Keep one side: outreach sync conflicts resolve ID --keep here|theirs")


@conflicts_app.command("resolve")
def sync_conflicts_resolve(
    conflict: Annotated[int, typer.Argument(help="The conflict's number (#) from the list.")],
    keep: Annotated[
        str,
        typer.Option("--keep", help="here: this laptop's side; theirs: the other laptop's side."),
    ],
    store: StoreOption = None,
    user: UserOption = None,
) -> None:
    """Settle one conflict by keeping one side. The choice is audited, written as a new
    change, and closes the conflict on the other laptop at the next exchange."""
    from outreach.services.sync_conflicts import conflict_words, resolve

    with errors_shown(), unlock(store, user) as opened:
        done = resolve(opened, conflict, keep)
    what, here, theirs = conflict_words(done)
    kept = here if keep == "here" else theirs
    say(f"Resolved #{done.id} ({done.person_ref or '-'}, {what}): kept {kept}.")
    if done.settled_with:
        say(
            "The same choice settles "
            + ", ".join(f"#{n}" for n in done.settled_with)
            + " (the same field)."
        )
    say("The other laptop takes it at the next exchange (outreach sync export).")
