"""``outreach import people|conversations|screening FILE``: bring spreadsheets into the store;
``outreach import list`` and ``outreach import undo [BATCH]``: see and undo past imports.

Prints what was (or, with ``--dry-run``, would be) added, updated and left unchanged, and every
problem grouped by cause with its lines. ``--dry-run`` also shows how each column was read and
the first rows as they will be stored. Columns are mapped with ``--map``/``--ignore``/``--unit``
or a mapping saved with ``--save-mapping`` and reused with ``--mapping``. Exits 0 when the
file imported (or would import) cleanly, 1 when it has problems or needs ``--yes`` (nothing is
written) or the store cannot be opened. An undo that is refused exits 1 and says why; nothing
is changed then.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from outreach.cli import app
from outreach.cli.common import JsonOption, StoreOption, UserOption, errors_shown, fail, say, unlock
from outreach.cli.tables import WIDTH, plain_table
from outreach.wording import counted

if TYPE_CHECKING:
    from outreach.imports.mapping import ColumnMapping
    from outreach.imports.run import ImportReport, Progress
    from outreach.imports.undo import ImportBatchRow, UndoReport
    from outreach.store.store import Store

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
MappingOption = Annotated[
    str | None,
    typer.Option(
        "--mapping",
        metavar="NAME",
        help="Read the columns with the mapping saved under NAME (see 'outreach import mappings').",
        show_default=False,
    ),
]
MapOption = Annotated[
    list[str] | None,
    typer.Option(
        "--map",
        metavar="HEADER=COLUMN",
        help="Read the file's column HEADER as COLUMN (e.g. 'Cell=unit'); repeat as needed.",
        show_default=False,
    ),
]
IgnoreOption = Annotated[
    list[str] | None,
    typer.Option(
        "--ignore",
        metavar="HEADER",
        help="Read past the column HEADER: it is never stored. Repeat as needed.",
        show_default=False,
    ),
]
SaveMappingOption = Annotated[
    str | None,
    typer.Option(
        "--save-mapping",
        metavar="NAME",
        help="Save the mapping used (columns, ignored columns, unit codes) under NAME, inside "
        "the store, once the file's header reads cleanly.",
        show_default=False,
    ),
]
YesOption = Annotated[
    bool,
    typer.Option(
        "--yes",
        help="Confirm a sweeping change: marking more than a fifth of current residents as "
        "left, or changing more than a fifth of stored records.",
    ),
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
    unit_code: Annotated[
        list[str] | None,
        typer.Option(
            "--unit",
            metavar="CODE=UNIT",
            help="Read a location starting with CODE (e.g. 'HB2' for HB2-1-014) as the unit "
            "UNIT; repeat as needed. With unit codes, every location must match one.",
            show_default=False,
        ),
    ] = None,
    mapping: MappingOption = None,
    map_column: MapOption = None,
    ignore: IgnoreOption = None,
    save_mapping: SaveMappingOption = None,
    yes: YesOption = False,
    encoding: EncodingOption = "utf-8",
    as_json: JsonOption = False,
    store: StoreOption = None,
    user: UserOption = None,
) -> None:
    """Import the roll: ref,name,date_of_birth,arrived[,unit,left,left_reason,has_cervix].

    Prison rolls' headers (Prison Number, Surname, Forename, DOB, Reception Date, Location,
    Release Date) are read as these; NHS number, CRN and address columns are ignored. People
    are matched on ref; only changed fields are updated.
    """
    from outreach.imports.pipeline import import_people
    from outreach.services.dates import parse_date

    with errors_shown():
        left_on = parse_date(mark_missing_left, "mark_missing_left") if mark_missing_left else None
        with unlock(store, user) as opened:
            chosen = _mapping(opened, "people", mapping, map_column, ignore, unit_code)
            report = import_people(
                opened,
                file,
                dry_run=dry_run,
                mark_missing_left=left_on,
                encoding=encoding,
                progress=_progress(),
                mapping=chosen,
                confirm_sweeping=yes,
            )
            _save(opened, save_mapping, chosen, report)
    _show(file, report, as_json)


@importer.command("conversations")
def import_conversations_command(
    file: FileArgument,
    dry_run: DryRunOption = False,
    mapping: MappingOption = None,
    map_column: MapOption = None,
    ignore: IgnoreOption = None,
    save_mapping: SaveMappingOption = None,
    yes: YesOption = False,
    encoding: EncodingOption = "utf-8",
    as_json: JsonOption = False,
    store: StoreOption = None,
    user: UserOption = None,
) -> None:
    """Import conversations: date,mentor,kind,setting,outcome[,ref,attendees,minutes,barriers,
    next_step,note].

    Add the mentors first; conversations already stored are left as they are.
    """
    from outreach.imports.pipeline import import_conversations

    with errors_shown(), unlock(store, user) as opened:
        chosen = _mapping(opened, "conversations", mapping, map_column, ignore, None)
        report = import_conversations(
            opened,
            file,
            dry_run=dry_run,
            encoding=encoding,
            progress=_progress(),
            mapping=chosen,
            confirm_sweeping=yes,
        )
        _save(opened, save_mapping, chosen, report)
    _show(file, report, as_json)


@importer.command("screening")
def import_screening_command(
    file: FileArgument,
    dry_run: DryRunOption = False,
    mapping: MappingOption = None,
    map_column: MapOption = None,
    ignore: IgnoreOption = None,
    save_mapping: SaveMappingOption = None,
    yes: YesOption = False,
    encoding: EncodingOption = "utf-8",
    as_json: JsonOption = False,
    store: StoreOption = None,
    user: UserOption = None,
) -> None:
    """Import screening events: ref,date[,event,hpv,cytology,sample,where,reason,note].

    Results may be in lab wording ("HPV detected", "High-grade dyskaryosis (severe)") or NHS
    result/infection/action codes (result_code, infection_code, action_code, nhs_codes);
    'outreach codes' lists them. A row with a result and no event is a test. Events already
    stored are left as they are.
    """
    from outreach.imports.pipeline import import_screening

    with errors_shown(), unlock(store, user) as opened:
        chosen = _mapping(opened, "screening", mapping, map_column, ignore, None)
        report = import_screening(
            opened,
            file,
            dry_run=dry_run,
            encoding=encoding,
            progress=_progress(),
            mapping=chosen,
            confirm_sweeping=yes,
        )
        _save(opened, save_mapping, chosen, report)
    _show(file, report, as_json)


@importer.command("mappings")
def mappings_command(
    as_json: JsonOption = False,
    store: StoreOption = None,
    user: UserOption = None,
) -> None:
    """List the saved column mappings: name, kind of file, columns, ignored columns, units."""
    from outreach.imports.mapping import IGNORE, saved_mappings

    with errors_shown(), unlock(store, user) as opened:
        saved = saved_mappings(opened)
    if as_json:
        say(
            json.dumps(
                [
                    {
                        "name": s.name,
                        "kind": s.mapping.kind,
                        "columns": dict(s.mapping.columns),
                        "units": dict(s.mapping.units),
                    }
                    for s in saved
                ],
                indent=2,
                ensure_ascii=False,
            )
        )
        return
    if not saved:
        say("no saved mappings yet (save one with --save-mapping NAME)")
    for entry in saved:
        columns = entry.mapping.columns
        mapped = ", ".join(f"{h}={t}" for h, t in columns.items() if t != IGNORE)
        ignored = ", ".join(h for h, t in columns.items() if t == IGNORE)
        units = ", ".join(f"{c}={u}" for c, u in entry.mapping.units.items())
        say(f"{entry.name} ({entry.mapping.kind})")
        for label, text in (("columns", mapped), ("ignored", ignored), ("units", units)):
            if text:
                say(f"  {label}: {text}")


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
    from outreach.imports.undo import import_batches

    with errors_shown(), unlock(store, user) as opened:
        batches = import_batches(opened, limit=limit)
    if as_json:
        say(json.dumps([_batch_dict(b) for b in batches], indent=2))
        return
    if not batches:
        say("no imports yet")
    # One line for the import, its counts under it: together they would not fit in 80.
    for line in plain_table(
        [_batch_cells(b) for b in batches],
        headings=BATCH_HEADINGS,
        right=(0,),
        min_wrap=WIDTH,
    ):
        say(line)


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
    from outreach.imports.undo import undo_import

    with errors_shown(), unlock(store, user) as opened:
        report = undo_import(opened, batch, dry_run=dry_run)
    if as_json:
        say(json.dumps(_undo_dict(report), indent=2))
    else:
        say(_undo_summary(report))


BATCH_HEADINGS = ("id", "kind", "imported", "by", "state", "counts")


def _batch_cells(b: ImportBatchRow) -> tuple[str, ...]:
    """One import as its cells under :data:`BATCH_HEADINGS`."""
    counts = (
        f"{counted(b.rows, 'row')}: {b.added} added, {b.updated} updated, {b.unchanged} unchanged"
    )
    if b.marked_left:
        counts += f", {b.marked_left} marked as left"
    state = (
        f"undone {b.undone_at:%Y-%m-%d %H:%M} by {b.undone_by or '?'}"
        if b.undone_at
        else "in place"
    )
    return (
        str(b.id),
        b.kind,
        f"{b.imported_at:%Y-%m-%d %H:%M}",
        b.account or "?",
        state,
        counts,
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
        f"import {report.batch_id} ({report.kind}): "
        f"{verb[0]} {counted(report.removed_total, 'row')} "
        f"({listed(report.removed)}); {verb[1]} {counted(report.restored_total, 'row')} "
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


def _mapping(
    opened: Store,
    kind: str,
    name: str | None,
    columns: list[str] | None,
    ignored: list[str] | None,
    units: list[str] | None,
) -> ColumnMapping | None:
    """The saved mapping ``name`` (if any) with the choices typed on the command line on top."""
    from outreach.imports.mapping import load_mapping, mapping_from, parse_pairs
    from outreach.imports.pipeline import file_columns

    known = file_columns(kind)
    typed = mapping_from(
        kind,
        columns=parse_pairs(columns or (), "map"),
        ignored=ignored or (),
        units=parse_pairs(units or (), "unit"),
        known=known.known,
    )
    if name is None:
        return typed if typed.columns or typed.units else None
    return load_mapping(opened, name, kind).merged(typed)


def _save(
    opened: Store, name: str | None, mapping: ColumnMapping | None, report: ImportReport
) -> None:
    """Save the mapping used under ``name`` when the header read cleanly."""
    from outreach.imports.mapping import ColumnMapping, save_mapping

    if name is None:
        return
    if any(e.line == 1 for e in report.errors):
        say(f"mapping {name!r} not saved: map or ignore every column first", err=True)
        return
    chosen = mapping or ColumnMapping(report.kind)
    # What the header needed: the person's choices plus what synonyms read, so the saved
    # mapping still reads the file the same way if the synonyms ever change.
    columns = {cell.key: cell.target for cell in report.header if cell.target is not None}
    save_mapping(opened, name, ColumnMapping(report.kind, columns, chosen.units))
    say(f"mapping {name!r} saved for {report.kind} files", err=True)


_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def _safe(text: str) -> str:
    """Text from a file as it may reach a terminal: control characters (escape sequences,
    line breaks inside a cell) shown as "?", so a cell can never drive the terminal."""
    return _CONTROL.sub("?", text)


def _arrow() -> str:
    """→ where the output can carry it (a redirected Windows console may not), else ->."""
    encoding = getattr(sys.stdout, "encoding", None) or "ascii"
    try:
        "→".encode(encoding)
    except (UnicodeEncodeError, LookupError):
        return "->"
    return "→"


def _header_lines(report: ImportReport) -> list[str]:
    arrow = _arrow()
    if not report.header:
        return []
    width = min(28, max(len(cell.text) for cell in report.header))
    lines = ["Columns:"]
    for cell in report.header:
        if cell.target is None:
            how = "not mapped: use --map or --ignore"
        elif cell.identifier:
            how = f"ignored ({cell.identifier}: the store does not keep it)"
        elif cell.target == "ignore":
            how = "ignored"
        else:
            how = f"{arrow} {cell.target}"
        lines.append(f"  {_safe(cell.text):<{width}}  {how}")
    return lines


def _preview_lines(report: ImportReport) -> list[str]:
    arrow = _arrow()
    if not report.preview:
        return []
    lines = [
        "First row as it will be stored:"
        if len(report.preview) == 1
        else f"First {len(report.preview)} rows as they will be stored:"
    ]
    for row in report.preview:
        lines.append(f"  line {row.line}:")
        for cell in row.cells:
            lines.append(_safe(f"    {cell.label}: {cell.written} {arrow} {cell.stored}"))
    return lines


def _show(file: Path, report: ImportReport, as_json: bool) -> None:
    if as_json:
        say(json.dumps(_as_dict(report), indent=2, ensure_ascii=False))
    else:
        if report.dry_run or any(e.line == 1 for e in report.errors):
            for line in _header_lines(report):
                say(line)
        if report.dry_run:
            for line in _preview_lines(report):
                say(line)
        groups = report.problem_groups()
        if groups and report.dry_run:
            say("Problems:" if len(groups) > 1 else "Problem:")
        for group in groups:
            say(_safe(str(group)))
        for sweeping in report.needs_confirmation:
            say(f"to confirm: {sweeping}")
        say(_summary(file, report))
    if not report.ok:
        count = len(report.errors)
        raise fail(
            f"{count} problem{'s' if count != 1 else ''} in {file.name}; nothing was imported"
        )
    if report.needs_confirmation and not report.dry_run:
        raise fail(
            f"{'; '.join(report.needs_confirmation)}: nothing was imported. Check the file is "
            "complete, then run again with --yes"
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
    if report.followups_completed:
        verb = "to complete" if report.dry_run or not report.ok else "completed"
        parts.append(f"{counted(report.followups_completed, 'follow-up')} {verb}")
    if report.dry_run:
        tail = " (dry run: nothing written)"
    elif report.needs_confirmation:
        tail = " (not written: needs --yes)"
    elif report.ok and not report.written:
        tail = " (nothing to change)"
    else:
        tail = ""
    return f"{file.name}: {counted(report.rows, 'row')}; {', '.join(parts)}{tail}"


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
        "followups_completed": report.followups_completed,
        "batch": report.batch_id,
        "errors": [{"line": e.line, "field": e.field, "message": e.message} for e in report.errors],
        "problems": [
            {"field": g.field, "message": g.message, "lines": list(g.lines)}
            for g in report.problem_groups()
        ],
        "columns": [
            {"header": c.text, "read_as": c.target, "how": c.how, "identifier": c.identifier}
            for c in report.header
        ],
        "preview": [
            {
                "line": row.line,
                "cells": [
                    {"column": c.label, "written": c.written, "stored": c.stored} for c in row.cells
                ],
            }
            for row in report.preview
        ],
        "needs_confirmation": report.needs_confirmation,
    }
