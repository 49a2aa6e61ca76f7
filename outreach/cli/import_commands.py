"""``outreach import people|conversations|screening FILE``: bring spreadsheets into the store;
``outreach import list`` and ``outreach import undo [BATCH]``: see and undo past imports.

Prints what was (or, with ``--dry-run``, would be) added, updated and left unchanged, and every
problem with its line and column. Exits 0 when the file imported (or would import) cleanly,
1 when it has problems (nothing is written) or the store cannot be opened. An undo that is
refused exits 1 and says why; nothing is changed then.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from outreach.cli import app
from outreach.cli.common import JsonOption, StoreOption, UserOption, errors_shown, fail, unlock

if TYPE_CHECKING:
    from outreach.services.import_undo import ImportBatchRow, UndoReport
    from outreach.services.importing import ImportReport, Progress

importer = typer.Typer(
    help="Import people, conversations or screening events from CSV files (all or nothing); "
    "list past imports and undo one.",
    no_args_is_help=True,
)
app.add_typer(importer, name="import")

FileArgument = Annotated[
    Path,
    typer.Argument(
        exists=True, dir_okay=False, readable=True, help="The CSV file (UTF-8, comma separated)."
    ),
]
DryRunOption = Annotated[
    bool,
    typer.Option("--dry-run", help="Check the file and show what would change; write nothing."),
]
EncodingOption = Annotated[
    str,
    typer.Option(
        "--encoding",
        help="utf-8 (default; with or without BOM) or cp1252 for files from older Windows "
        "programs.",
    ),
]


@importer.command("people")
def import_people_command(
    file: FileArgument,
    dry_run: DryRunOption = False,
    mark_missing_left: Annotated[
        str | None,
        typer.Option(
            "--mark-missing-left",
            metavar="DATE",
            help="Record every current resident missing from the file as having left on DATE "
            "(reason: other).",
        ),
    ] = None,
    encoding: EncodingOption = "utf-8",
    as_json: JsonOption = False,
    store: StoreOption = None,
    user: UserOption = None,
) -> None:
    """Import the roll: ref,name,date_of_birth,arrived[,unit,left,left_reason,has_cervix].

    People are matched on ref; only changed fields are updated.
    """
    from outreach.services.dates import parse_date
    from outreach.services.importing import import_people

    with errors_shown():
        left_on = parse_date(mark_missing_left, "mark_missing_left") if mark_missing_left else None
        with unlock(store, user) as opened:
            report = import_people(
                opened,
                file,
                dry_run=dry_run,
                mark_missing_left=left_on,
                encoding=encoding,
                progress=_progress(),
            )
    _show(file, report, as_json)


@importer.command("conversations")
def import_conversations_command(
    file: FileArgument,
    dry_run: DryRunOption = False,
    encoding: EncodingOption = "utf-8",
    as_json: JsonOption = False,
    store: StoreOption = None,
    user: UserOption = None,
) -> None:
    """Import conversations: date,mentor,kind,setting,outcome[,ref,attendees,minutes,barriers,
    next_step,note].

    Add the mentors first; conversations already stored are left as they are.
    """
    from outreach.services.importing import import_conversations

    with errors_shown(), unlock(store, user) as opened:
        report = import_conversations(
            opened, file, dry_run=dry_run, encoding=encoding, progress=_progress()
        )
    _show(file, report, as_json)


@importer.command("screening")
def import_screening_command(
    file: FileArgument,
    dry_run: DryRunOption = False,
    encoding: EncodingOption = "utf-8",
    as_json: JsonOption = False,
    store: StoreOption = None,
    user: UserOption = None,
) -> None:
    """Import screening events: ref,date,event[,hpv,cytology,sample,where,reason,note].

    Events already stored are left as they are.
    """
    from outreach.services.importing import import_screening

    with errors_shown(), unlock(store, user) as opened:
        report = import_screening(
            opened, file, dry_run=dry_run, encoding=encoding, progress=_progress()
        )
    _show(file, report, as_json)


@importer.command("list")
def list_command(
    limit: Annotated[
        int, typer.Option("--limit", min=1, max=10_000, help="Show at most this many imports.")
    ] = 50,
    as_json: JsonOption = False,
    store: StoreOption = None,
    user: UserOption = None,
) -> None:
    """List past imports, newest first: id, kind, when, who, counts, and whether undone."""
    from outreach.services.import_undo import import_batches

    with errors_shown(), unlock(store, user) as opened:
        batches = import_batches(opened, limit=limit)
    if as_json:
        typer.echo(json.dumps([_batch_dict(b) for b in batches], indent=2))
        return
    if not batches:
        typer.echo("no imports yet")
    for b in batches:
        typer.echo(_batch_line(b))


@importer.command("undo")
def undo_command(
    batch: Annotated[
        int | None,
        typer.Argument(
            metavar="[BATCH]",
            help="The import to undo, as numbered by 'outreach import list' (default: the "
            "latest import not yet undone).",
            show_default=False,
        ),
    ] = None,
    dry_run: Annotated[
        bool,
        typer.Option("--dry-run", help="Check and show what the undo would do; change nothing."),
    ] = False,
    as_json: JsonOption = False,
    store: StoreOption = None,
    user: UserOption = None,
) -> None:
    """Undo an import: remove the rows it added and put back the values it changed.

    Refused, changing nothing, when later work depends on the import (a conversation,
    screening event, follow-up or decision added since for an imported person, or a row it
    wrote changed since). An import is undone once.
    """
    from outreach.services.import_undo import undo_import

    with errors_shown(), unlock(store, user) as opened:
        report = undo_import(opened, batch, dry_run=dry_run)
    if as_json:
        typer.echo(json.dumps(_undo_dict(report), indent=2))
    else:
        typer.echo(_undo_summary(report))


def _batch_line(b: ImportBatchRow) -> str:
    counts = f"{b.rows} rows: {b.added} added, {b.updated} updated, {b.unchanged} unchanged"
    if b.marked_left:
        counts += f", {b.marked_left} marked as left"
    state = (
        f"undone {b.undone_at:%Y-%m-%d %H:%M} by {b.undone_by or '?'}"
        if b.undone_at
        else "in place"
    )
    return (
        f"{b.id:>4}  {b.kind:<13} {b.imported_at:%Y-%m-%d %H:%M}  {b.account or '?'}  "
        f"{counts}  [{state}]"
    )


def _batch_dict(b: ImportBatchRow) -> dict[str, object]:
    return {
        "id": b.id,
        "kind": b.kind,
        "imported_at": b.imported_at.isoformat(),
        "account": b.account,
        "rows": b.rows,
        "added": b.added,
        "updated": b.updated,
        "unchanged": b.unchanged,
        "marked_left": b.marked_left,
        "undone": b.undone,
        "undone_at": b.undone_at.isoformat() if b.undone_at else None,
        "undone_by": b.undone_by,
    }


def _undo_summary(report: UndoReport) -> str:
    def listed(counts: dict[str, int]) -> str:
        return ", ".join(f"{n} {table}" for table, n in sorted(counts.items())) or "none"

    verb = ("would remove", "would put back") if report.dry_run else ("removed", "put back")
    tail = " (dry run: nothing changed)" if report.dry_run else ""
    return (
        f"import {report.batch_id} ({report.kind}): {verb[0]} {report.removed_total} rows "
        f"({listed(report.removed)}); {verb[1]} {report.restored_total} rows "
        f"({listed(report.restored)}){tail}"
    )


def _undo_dict(report: UndoReport) -> dict[str, object]:
    return {
        "batch": report.batch_id,
        "kind": report.kind,
        "dry_run": report.dry_run,
        "removed": report.removed,
        "restored": report.restored,
    }


def _progress() -> Progress | None:
    """A progress line on stderr, only when a person is watching it."""
    if not sys.stderr.isatty():
        return None

    def show(done: int, total: int) -> None:
        end = "\n" if done == total else ""
        sys.stderr.write(f"\rapplying rows: {done}/{total}{end}")
        sys.stderr.flush()

    return show


def _show(file: Path, report: ImportReport, as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(_as_dict(report), indent=2))
    else:
        for error in report.errors:
            typer.echo(str(error))
        typer.echo(_summary(file, report))
    if not report.ok:
        count = len(report.errors)
        raise fail(
            f"{count} problem{'s' if count != 1 else ''} in {file.name}; nothing was imported"
        )


def _summary(file: Path, report: ImportReport) -> str:
    parts = [
        f"{report.added} {'to add' if report.dry_run or not report.ok else 'added'}",
        f"{report.updated} {'to update' if report.dry_run or not report.ok else 'updated'}",
        f"{report.unchanged} unchanged",
    ]
    if report.marked_left:
        verb = "to mark" if report.dry_run or not report.ok else "marked"
        parts.append(f"{report.marked_left} {verb} as left")
    if report.dry_run:
        tail = " (dry run: nothing written)"
    elif report.ok and not report.written:
        tail = " (nothing to change)"
    else:
        tail = ""
    return f"{file.name}: {report.rows} rows; {', '.join(parts)}{tail}"


def _as_dict(report: ImportReport) -> dict[str, object]:
    return {
        "kind": report.kind,
        "dry_run": report.dry_run,
        "written": report.written,
        "rows": report.rows,
        "added": report.added,
        "updated": report.updated,
        "unchanged": report.unchanged,
        "marked_left": report.marked_left,
        "batch": report.batch_id,
        "errors": [{"line": e.line, "field": e.field, "message": e.message} for e in report.errors],
    }
