"""``outreach import people|conversations|screening FILE``: bring spreadsheets into the store.

Prints what was (or, with ``--dry-run``, would be) added, updated and left unchanged, and every
problem with its line and column. Exits 0 when the file imported (or would import) cleanly,
1 when it has problems (nothing is written) or the store cannot be opened.
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
    from outreach.services.importing import ImportReport, Progress

importer = typer.Typer(
    help="Import people, conversations or screening events from CSV files (all or nothing).",
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
        "errors": [{"line": e.line, "field": e.field, "message": e.message} for e in report.errors],
    }
