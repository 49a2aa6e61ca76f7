"""The import commands: people (the roll), conversations and screening events from
spreadsheets, each read by its own module and applied by :func:`outreach.imports.run.run_import`.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path

from outreach.imports import conversations, people, screening
from outreach.imports.files import UTF8, Columns
from outreach.imports.mapping import ColumnMapping
from outreach.imports.run import ImportReport, Progress, run_import
from outreach.services.dates import not_in_future
from outreach.services.errors import ValidationError
from outreach.store.store import Store


def import_people(
    store: Store,
    source: Path | bytes,
    *,
    dry_run: bool = False,
    mark_missing_left: date | None = None,
    encoding: str = UTF8,
    progress: Progress | None = None,
    mapping: ColumnMapping | None = None,
    confirm_sweeping: bool = False,
) -> ImportReport:
    """Import the roll: add new people (with their stay), update changed details of people
    already stored (matched on ``ref``), and with ``mark_missing_left`` record every current
    resident missing from the file as having left on that date (reason "other")."""
    if mark_missing_left is not None:
        not_in_future(mark_missing_left, people.MARK_MISSING_LEFT)
    return run_import(
        store,
        kind="people",
        source=source,
        columns=people.COLUMNS,
        apply=people.applier(mark_missing_left),
        renames=people.RENAMES,
        dry_run=dry_run,
        encoding=encoding,
        progress=progress,
        extra_fields=("left", "left_reason") if mark_missing_left else (),
        mapping=mapping,
        date_columns=("date_of_birth", "arrived", "left"),
        confirm_sweeping=confirm_sweeping,
    )


def import_conversations(
    store: Store,
    source: Path | bytes,
    *,
    dry_run: bool = False,
    encoding: str = UTF8,
    progress: Progress | None = None,
    mapping: ColumnMapping | None = None,
    confirm_sweeping: bool = False,
) -> ImportReport:
    """Import outreach conversations, skipping those already stored (same natural key).
    Mentors and people must be in the store first."""
    return run_import(
        store,
        kind="conversations",
        source=source,
        columns=conversations.COLUMNS,
        apply=conversations.apply,
        renames=conversations.RENAMES,
        dry_run=dry_run,
        encoding=encoding,
        progress=progress,
        mapping=mapping,
        date_columns=("date", "next_step"),
        confirm_sweeping=confirm_sweeping,
    )


def import_screening(
    store: Store,
    source: Path | bytes,
    *,
    dry_run: bool = False,
    encoding: str = UTF8,
    progress: Progress | None = None,
    mapping: ColumnMapping | None = None,
    confirm_sweeping: bool = False,
) -> ImportReport:
    """Import screening pathway events, skipping those already stored (same natural key).
    People must be in the store first."""
    return run_import(
        store,
        kind="screening",
        source=source,
        columns=screening.COLUMNS,
        apply=screening.apply,
        renames=screening.RENAMES,
        dry_run=dry_run,
        encoding=encoding,
        progress=progress,
        mapping=mapping,
        date_columns=("date",),
        confirm_sweeping=confirm_sweeping,
    )


def import_file(
    store: Store,
    kind: str,
    source: Path | bytes,
    *,
    dry_run: bool = False,
    mark_missing_left: date | None = None,
    encoding: str = UTF8,
    progress: Progress | None = None,
    mapping: ColumnMapping | None = None,
    confirm_sweeping: bool = False,
) -> ImportReport:
    """Import a file of ``kind`` (people, conversations, screening) exactly as the command
    of that kind does: the one entry point the Import screen uses. ``mark_missing_left``
    is for people only."""
    if kind == "people":
        return import_people(
            store,
            source,
            dry_run=dry_run,
            mark_missing_left=mark_missing_left,
            encoding=encoding,
            progress=progress,
            mapping=mapping,
            confirm_sweeping=confirm_sweeping,
        )
    if mark_missing_left is not None:
        raise ValidationError("mark_missing_left", "only a roll of people marks people as left")
    importer = {"conversations": import_conversations, "screening": import_screening}.get(kind)
    if importer is None:
        raise ValidationError("kind", "one of people, conversations, screening")
    return importer(
        store,
        source,
        dry_run=dry_run,
        encoding=encoding,
        progress=progress,
        mapping=mapping,
        confirm_sweeping=confirm_sweeping,
    )


def file_columns(kind: str) -> Columns:
    """The stored columns a file of ``kind`` may have (what its columns may be mapped to)."""
    found = {
        "people": people.COLUMNS,
        "conversations": conversations.COLUMNS,
        "screening": screening.COLUMNS,
    }.get(kind)
    if found is None:
        raise ValidationError("kind", "one of people, conversations, screening")
    return found
