"""CSV import: people (the roll), conversations and screening events from spreadsheets.

Every import is all-or-nothing: the whole file is applied in one write transaction with one
audit row (``import.people``, ``import.conversations`` or ``import.screening``, naming the
columns imported), and any error anywhere means nothing is written. A dry run does exactly
the same work and then rolls it back, so its counts and errors are the real import's.

Importing the same file again changes nothing: people are matched on their reference and only
changed fields are written; conversations and screening events already stored (same natural
key) are counted as unchanged. An import that would change nothing writes nothing, not even
an audit row.

Every import that writes is recorded as a batch with exactly what it changed (the rows it
added, and the values before of the rows it changed), in the same transaction, so that
:mod:`outreach.services.import_undo` can undo it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TypeVar

from sqlmodel import Session

from outreach.services import import_changes
from outreach.services.csv_files import UTF8, Columns, Row, RowError, read_table
from outreach.services.dates import not_in_future
from outreach.services.errors import ValidationError
from outreach.services.lookups import require_writer
from outreach.store import audit
from outreach.store.store import Store

T = TypeVar("T")

Progress = Callable[[int, int], None]
"""Called as ``progress(rows_done, rows_total)`` while rows are applied."""

# How often progress is reported, as a share of the rows (1%).
_PROGRESS_STEPS = 100


@dataclass
class ImportReport:
    """What an import did, or (for a dry run or a file with errors) would have done.

    ``errors`` are sorted by line; when there are any, nothing was written. ``batch_id`` is
    the import's record (``outreach import list``, ``outreach import undo``) once written.
    """

    kind: str
    dry_run: bool = False
    rows: int = 0
    added: int = 0
    updated: int = 0
    unchanged: int = 0
    marked_left: int = 0
    batch_id: int | None = None
    columns: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def changes(self) -> int:
        return self.added + self.updated + self.marked_left

    @property
    def written(self) -> bool:
        """Whether the import was committed to the store."""
        return self.ok and not self.dry_run and self.changes > 0


class RowProblems:
    """Collects the errors of one import, turning service errors into file columns."""

    def __init__(self, report: ImportReport, renames: dict[str, str]) -> None:
        self._report = report
        self._renames = renames

    @property
    def count(self) -> int:
        return len(self._report.errors)

    def add(self, line: int, column: str, message: str) -> None:
        self._report.errors.append(RowError(line, column, message))

    def refused(self, line: int, exc: ValidationError) -> None:
        """Record a ValidationError raised for the row on ``line``."""
        self.add(line, self._renames.get(exc.field, exc.field), exc.problem)

    def parsed(self, row: Row, column: str, parse: Callable[[str], T]) -> T | None:
        """``parse`` applied to the row's cell in ``column``; None when the cell is empty
        or its value is refused (the problem is recorded)."""
        text = row.get(column)
        if text is None:
            return None
        try:
            return parse(text)
        except ValidationError as exc:
            self.refused(row.line, exc)
            return None

    def needed(self, row: Row, column: str, what: str) -> str | None:
        """The row's cell in ``column``, recording "``what`` is needed" when it is empty."""
        text = row.get(column)
        if text is None:
            self.add(row.line, column, f"{what} is needed")
        return text


@dataclass
class ImportRun:
    """What an apply step works with: the open write transaction, the acting account, the
    report it counts into, where problems go, and ``tick(rows_done)`` for progress."""

    session: Session
    actor_id: int
    report: ImportReport
    problems: RowProblems
    tick: Callable[[int], None]


Apply = Callable[[ImportRun, list[Row]], None]
"""Applies the file's rows inside the run's transaction, counting into its report."""


class _RollBack(Exception):
    """Raised inside the write transaction to discard it (dry run, errors, no changes)."""


def run_import(
    store: Store,
    *,
    kind: str,
    source: Path | bytes,
    columns: Columns,
    apply: Apply,
    renames: dict[str, str],
    dry_run: bool,
    encoding: str,
    progress: Progress | None,
    extra_fields: tuple[str, ...] = (),
) -> ImportReport:
    """Read ``source``, apply its rows with ``apply`` in one transaction, and commit only
    when there are no errors, it is not a dry run and something changed."""
    require_writer(store)
    data = source.read_bytes() if isinstance(source, Path) else source
    table = read_table(data, columns, encoding=encoding)
    report = ImportReport(
        kind=kind, dry_run=dry_run, rows=len(table.rows), columns=list(table.columns)
    )
    report.errors.extend(table.errors)
    problems = RowProblems(report, renames)
    total = len(table.rows)
    step = max(1, total // _PROGRESS_STEPS)

    def tick(done: int) -> None:
        if progress is not None and (done % step == 0 or done == total):
            progress(done, total)

    if progress is not None:
        progress(0, total)
    try:
        with store.write() as session:
            batch = import_changes.start_batch(session, kind=kind, actor_id=store.actor.id)
            apply(ImportRun(session, store.actor.id, report, problems, tick), table.rows)
            if report.errors or dry_run or report.changes == 0:
                raise _RollBack
            import_changes.finish_batch(
                session,
                batch,
                rows=report.rows,
                added=report.added,
                updated=report.updated,
                unchanged=report.unchanged,
                marked_left=report.marked_left,
            )
            audit.record(
                session,
                actor_id=store.actor.id,
                action=f"import.{kind}",
                entity=kind,
                entity_id=batch.id,
                fields=[*table.columns, *extra_fields],
            )
            report.batch_id = batch.id
    except _RollBack:
        pass
    report.errors.sort(key=lambda e: e.line)
    return report


def import_people(
    store: Store,
    source: Path | bytes,
    *,
    dry_run: bool = False,
    mark_missing_left: date | None = None,
    encoding: str = UTF8,
    progress: Progress | None = None,
) -> ImportReport:
    """Import the roll: add new people (with their stay), update changed details of people
    already stored (matched on ``ref``), and with ``mark_missing_left`` record every current
    resident missing from the file as having left on that date (reason "other")."""
    from outreach.services import csv_people

    if mark_missing_left is not None:
        not_in_future(mark_missing_left, csv_people.MARK_MISSING_LEFT)
    return run_import(
        store,
        kind="people",
        source=source,
        columns=csv_people.COLUMNS,
        apply=csv_people.applier(mark_missing_left),
        renames=csv_people.RENAMES,
        dry_run=dry_run,
        encoding=encoding,
        progress=progress,
        extra_fields=("left", "left_reason") if mark_missing_left else (),
    )


def import_conversations(
    store: Store,
    source: Path | bytes,
    *,
    dry_run: bool = False,
    encoding: str = UTF8,
    progress: Progress | None = None,
) -> ImportReport:
    """Import outreach conversations, skipping those already stored (same natural key).
    Mentors and people must be in the store first."""
    from outreach.services import csv_conversations

    return run_import(
        store,
        kind="conversations",
        source=source,
        columns=csv_conversations.COLUMNS,
        apply=csv_conversations.apply,
        renames=csv_conversations.RENAMES,
        dry_run=dry_run,
        encoding=encoding,
        progress=progress,
    )


def import_screening(
    store: Store,
    source: Path | bytes,
    *,
    dry_run: bool = False,
    encoding: str = UTF8,
    progress: Progress | None = None,
) -> ImportReport:
    """Import screening pathway events, skipping those already stored (same natural key).
    People must be in the store first."""
    from outreach.services import csv_screening

    return run_import(
        store,
        kind="screening",
        source=source,
        columns=csv_screening.COLUMNS,
        apply=csv_screening.apply,
        renames=csv_screening.RENAMES,
        dry_run=dry_run,
        encoding=encoding,
        progress=progress,
    )
