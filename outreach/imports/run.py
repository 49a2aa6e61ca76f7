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
:mod:`outreach.imports.undo` can undo it.

Headers are read through a column mapping (:mod:`outreach.imports.mapping`). The
report carries a preview of the first rows as they will be stored, how each header was read,
and its problems grouped by cause. A file whose dates prove month-first order is refused
before anything is applied. An import that would mark more than a fifth of current residents
as left, or change more than a fifth of the stored rows of a table, is not written unless
``confirm_sweeping`` is given: the report says how many instead (``needs_confirmation``).
"""

from __future__ import annotations

import gc
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import TypeVar

from sqlalchemy import text
from sqlmodel import Session

from outreach.imports import changes
from outreach.imports.files import (
    Columns,
    Row,
    RowError,
    Table,
    date_order_problem,
    read_table,
)
from outreach.imports.mapping import ColumnMapping, HeaderCell
from outreach.services.errors import ValidationError
from outreach.services.lookups import require_writer
from outreach.store.heap import give_back_freed_memory
from outreach.store.store import Store

T = TypeVar("T")

Progress = Callable[[int, int], None]
"""Called as ``progress(rows_done, rows_total)`` while rows are applied."""

# How often progress is reported, as a share of the rows (1%).
_PROGRESS_STEPS = 100
# Rows shown as they will be stored.
PREVIEW_ROWS = 3
# A change to more than this share of stored rows asks for confirmation.
SWEEPING_SHARE = 5  # one fifth


@dataclass(frozen=True)
class PreviewCell:
    """One value of a previewed row: the file's header(s), the text as written, and the
    value as it will be stored ("3 Apr 2024", "unit Beech")."""

    label: str
    written: str
    stored: str


@dataclass(frozen=True)
class PreviewRow:
    """One of the first rows of a file, as it will be stored."""

    line: int
    cells: tuple[PreviewCell, ...]


@dataclass(frozen=True)
class ProblemGroup:
    """Problems with one cause: the column, what is wrong, and every line it is on (empty
    when it is about the whole file)."""

    field: str
    message: str
    lines: tuple[int, ...]

    def __str__(self) -> str:
        if not self.lines:
            return f"{self.field}: {self.message}"
        shown = ", ".join(str(n) for n in self.lines[:20])
        more = f" and {len(self.lines) - 20} more" if len(self.lines) > 20 else ""
        where = "line" if len(self.lines) == 1 else "lines"
        return f"{self.field}: {self.message} ({where} {shown}{more})"


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
    followups_completed: int = 0
    """Open follow-ups the imported activity met, completed in the same transaction."""
    batch_id: int | None = None
    columns: list[str] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    header: list[HeaderCell] = field(default_factory=list)
    """How each header cell of the file was read (mapped, synonym, ignored identifier...)."""
    preview: list[PreviewRow] = field(default_factory=list)
    needs_confirmation: list[str] = field(default_factory=list)
    """Sweeping changes found (e.g. "would mark 130 of 480 current residents as left"): the
    import was not written for want of ``confirm_sweeping``."""
    residents: int | None = None
    """Current residents before the import (counted with ``mark_missing_left``)."""

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def ignored(self) -> list[HeaderCell]:
        """The file's columns that are read past and never stored."""
        return [cell for cell in self.header if cell.target == "ignore"]

    def problem_groups(self) -> list[ProblemGroup]:
        """The errors grouped by column and message, in order of their first line."""
        groups: dict[tuple[str, str], list[int]] = {}
        for error in sorted(self.errors, key=lambda e: e.line):
            lines = groups.setdefault((error.field, error.message), [])
            if error.line and error.line not in lines:
                lines.append(error.line)
        return [ProblemGroup(f, m, tuple(lines)) for (f, m), lines in groups.items()]

    @property
    def changes(self) -> int:
        return self.added + self.updated + self.marked_left

    @property
    def written(self) -> bool:
        """Whether the import was committed to the store."""
        return self.batch_id is not None


class RowProblems:
    """Collects the errors of one import, turning service errors into file columns."""

    def __init__(self, report: ImportReport, renames: dict[str, str]) -> None:
        self._report = report
        self._renames = renames
        # Required cells refused by the reader (already reported): each still makes its row
        # one with a problem, so the row is not applied.
        self._refused_needed = 0

    @property
    def count(self) -> int:
        return len(self._report.errors) + self._refused_needed

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
        if text is None and column in row.refused:
            self._refused_needed += 1
        elif text is None:
            self.add(row.line, column, f"{what} is needed")
        return text


@dataclass
class ImportRun:
    """What an apply step works with: the open write transaction, the acting account, the
    report it counts into, where problems go, ``tick(rows_done)`` for progress, the file's
    table and the column mapping (for unit codes)."""

    session: Session
    actor_id: int
    report: ImportReport
    problems: RowProblems
    tick: Callable[[int], None]
    table: Table = field(default_factory=Table)
    mapping: ColumnMapping | None = None

    @property
    def previewing(self) -> bool:
        """Whether the preview still wants rows (so a row is described only if shown)."""
        return len(self.report.preview) < PREVIEW_ROWS

    def show(self, row: Row, stored: dict[str, str]) -> None:
        """Add ``row`` to the preview (while it has fewer than :data:`PREVIEW_ROWS`), each
        column as written and as ``stored`` describes it."""
        if len(self.report.preview) >= PREVIEW_ROWS:
            return
        cells = []
        for column in self.table.columns:
            written = row.parts.get(column) or row.get(column)
            if written is None:
                continue
            cells.append(PreviewCell(self.table.label(column), written, stored.get(column, "")))
        self.report.preview.append(PreviewRow(row.line, tuple(cells)))


def day_text(value: date) -> str:
    """A date as the preview shows it: 3 Apr 2024."""
    return f"{value.day} {value:%b %Y}"


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
    mapping: ColumnMapping | None = None,
    date_columns: tuple[str, ...] = (),
    confirm_sweeping: bool = False,
) -> ImportReport:
    """Read ``source``, apply its rows with ``apply`` in one transaction, and commit only
    when there are no errors, it is not a dry run, something changed, and any sweeping
    change was confirmed."""
    require_writer(store)
    if not dry_run:
        # Before the file is read into memory: the other connections' caches are stale
        # once the import commits (Store.release_idle_caches).
        store.release_idle_caches()
    with _older_objects_spared():
        data = source.read_bytes() if isinstance(source, Path) else source
        table = read_table(data, columns, encoding=encoding, kind=kind, mapping=mapping)
        report = ImportReport(
            kind=kind,
            dry_run=dry_run,
            rows=len(table.rows),
            columns=list(table.columns),
            header=list(table.header),
        )
        report.errors.extend(table.errors)
        order = date_order_problem(table.rows, date_columns) if not table.errors else None
        if order is not None:
            report.errors.append(order)
            return report
        problems = RowProblems(report, renames)
        total = len(table.rows)
        step = max(1, total // _PROGRESS_STEPS)

        def tick(done: int) -> None:
            if progress is not None and (done % step == 0 or done == total):
                progress(done, total)

        if progress is not None:
            progress(0, total)
        try:
            # One action: the import's rows, its batch and its import.KIND audit row commit
            # together, or (refused, a dry run, nothing to change) none of them do.
            # Bulk: the commit does not also fold the WAL into data.db (Store.write). A dry run
            # commits nothing, and leaves the other connections' caches as they are.
            with store.action(f"import.{kind}", entity=kind, bulk=not dry_run) as act:
                session = act.session
                batch = changes.start_batch(session, kind=kind, actor_id=store.actor.id)
                run = ImportRun(session, store.actor.id, report, problems, tick, table, mapping)
                apply(run, table.rows)
                if not report.errors and report.changes:
                    assert batch.id is not None
                    report.needs_confirmation = _sweeping(session, batch.id, report)
                if report.needs_confirmation and confirm_sweeping:
                    report.needs_confirmation = []
                if report.errors or dry_run or report.changes == 0 or report.needs_confirmation:
                    raise _RollBack
                changes.finish_batch(
                    session,
                    batch,
                    rows=report.rows,
                    added=report.added,
                    updated=report.updated,
                    unchanged=report.unchanged,
                    marked_left=report.marked_left,
                )
                act.names(
                    batch.id,
                    [
                        *table.columns,
                        *extra_fields,
                        *(["completed_follow_ups"] if report.followups_completed else []),
                    ],
                )
                report.batch_id = batch.id
        except _RollBack:
            pass
        give_back_freed_memory()
        report.errors.sort(key=lambda e: e.line)
        return report


@contextmanager
def _older_objects_spared() -> Iterator[None]:
    """The objects made before this block are left out of the garbage collector's passes
    until it ends; those made inside it are collected as usual.

    An import makes hundreds of thousands of objects (the file's rows, the records read, the
    rows to write), and as they pile up the collector makes full passes, each over every
    object of the process (the application's modules, classes and screens included) to free
    nothing: at 10,000 conversations into a 200,000-people store, a tenth of the import's
    time (``python -m outreach.bench.imports``). Frozen objects are only skipped, never
    lost: when the block ends they go back to the oldest generation, and any garbage among
    them is freed by the next full pass. Two imports at once (a dry run beside a write) only
    spare a little less."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()


_RECORDS = {"person": "people", "stay": "stays"}


def _sweeping(session: Session, batch_id: int, report: ImportReport) -> list[str]:
    """What the import changes that is more than a fifth of what was there: current
    residents marked as left, and stored people or stays changed (not added). Records
    that change as a consequence of what is added (a follow-up a test completes) do not
    count: they are what entering the same events one by one would do."""
    found = []
    residents = report.residents
    if residents is not None and report.marked_left * SWEEPING_SHARE > residents:
        found.append(
            f"would mark {report.marked_left} of {residents} current residents "
            "as left (more than a fifth)"
        )
    session.flush()
    connection = session.connection()
    counts = connection.execute(
        text(
            "SELECT table_name, sum(old_values IS NOT NULL), sum(old_values IS NULL) "
            "FROM import_change WHERE batch_id = :batch AND table_name IN ('person', 'stay') "
            "GROUP BY table_name ORDER BY table_name"
        ),
        {"batch": batch_id},
    ).all()
    for table_name, changed, added in counts:
        if not changed or (table_name == "stay" and report.marked_left == changed):
            continue
        quoted = changes.quoted(table_name)
        stored = connection.execute(text(f"SELECT count(*) FROM {quoted}")).scalar_one()
        before = int(stored) - int(added)
        if changed * SWEEPING_SHARE > before:
            found.append(
                f"would change {changed} of the {before} stored {_RECORDS[table_name]} "
                "(more than a fifth)"
            )
    return found
