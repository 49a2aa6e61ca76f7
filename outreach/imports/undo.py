"""Undoing an import: the rows it added are removed and the rows it changed are put back.

An undo is one write transaction with one audit row (``import.undo``, naming the tables it
changed, never a value). It is refused, and nothing is changed, when later work depends on
the import: a row added since that refers to a row the import added (a conversation, a
screening event, a follow-up or a decision for an imported person, say), or a row the import
wrote that has been changed since. An import is undone once; its record of changes is then
removed, and the batch stays listed as undone.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import Table, text
from sqlalchemy.orm import aliased
from sqlmodel import Session, SQLModel, col, select

from outreach.clock import now
from outreach.imports.changes import DERIVED, quoted, row_json, tracked_tables
from outreach.model import Account, ImportBatch
from outreach.services.errors import ValidationError
from outreach.services.lookups import require_writer
from outreach.store.store import Store
from outreach.wording import counted

# Tables never counted as depending on an import: derived ones and the import records.
_NOT_DEPENDENTS = DERIVED | {"import_batch", "import_change"}


@dataclass(frozen=True)
class ImportBatchRow:
    """One import as ``outreach import list`` shows it."""

    id: int
    kind: str
    imported_at: datetime
    account: str | None
    rows: int
    added: int
    updated: int
    unchanged: int
    marked_left: int
    undone_at: datetime | None
    undone_by: str | None

    @property
    def undone(self) -> bool:
        return self.undone_at is not None


@dataclass
class UndoReport:
    """What an undo did (or, for a dry run, would do): rows removed and rows put back, by
    table."""

    batch_id: int
    kind: str
    dry_run: bool
    removed: dict[str, int] = field(default_factory=dict)
    restored: dict[str, int] = field(default_factory=dict)

    @property
    def removed_total(self) -> int:
        return sum(self.removed.values())

    @property
    def restored_total(self) -> int:
        return sum(self.restored.values())


class UndoRefused(ValidationError):
    """The undo would break later work; nothing was changed. ``dependents`` counts, by table,
    rows added since that refer to what the import added; ``changed`` counts, by table, rows
    the import wrote that have been changed since."""

    def __init__(self, batch_id: int, dependents: dict[str, int], changed: dict[str, int]):
        reasons = []
        if dependents:
            count = sum(dependents.values())
            reasons.append(
                f"{_rows(count)} added since depend{'s' if count == 1 else ''} on what it "
                f"added ({_by_table(dependents)})"
            )
        if changed:
            count = sum(changed.values())
            reasons.append(
                f"{_rows(count)} it wrote {'has' if count == 1 else 'have'} been changed "
                f"since ({_by_table(changed)})"
            )
        super().__init__(
            "batch",
            f"import {batch_id} cannot be undone: {'; '.join(reasons)}. Undo or remove the "
            "later work first; nothing was changed",
        )
        self.batch_id = batch_id
        self.dependents = dependents
        self.changed = changed


class _RollBack(Exception):
    """Raised inside the write transaction to discard a dry run."""


def import_batches(store: Store, *, limit: int = 50) -> list[ImportBatchRow]:
    """The imports that wrote something, newest first, at most ``limit``."""
    if not 1 <= limit <= 10_000:
        raise ValidationError("limit", "must be between 1 and 10000")
    by, undoer = aliased(Account), aliased(Account)
    with store.read() as session:
        rows = session.exec(
            select(ImportBatch, by.name, undoer.name)
            .join(by, col(by.id) == ImportBatch.account_id, isouter=True)
            .join(undoer, col(undoer.id) == ImportBatch.undone_by, isouter=True)
            .order_by(col(ImportBatch.id).desc())
            .limit(limit)
        ).all()
    return [
        ImportBatchRow(
            id=b.id or 0,
            kind=b.kind,
            imported_at=b.imported_at,
            account=name,
            rows=b.rows,
            added=b.added,
            updated=b.updated,
            unchanged=b.unchanged,
            marked_left=b.marked_left,
            undone_at=b.undone_at,
            undone_by=undone_name,
        )
        for b, name, undone_name in rows
    ]


def undo_import(store: Store, batch_id: int | None = None, *, dry_run: bool = False) -> UndoReport:
    """Undo import ``batch_id`` (default: the latest one not yet undone) in one transaction
    with its audit row: remove the rows it added and put back the values of the rows it
    changed. Raises :class:`UndoRefused` when later work depends on it, and ValidationError
    when there is no such import or it has been undone already; nothing is changed then.
    A dry run does the same work and rolls it back."""
    require_writer(store)
    report: UndoReport | None = None
    try:
        with store.action("import.undo", entity="import_batch") as act:
            session = act.session
            batch = _batch(session, batch_id)
            assert batch.id is not None
            dependents, changed = _dependents(session, batch.id), _changed_since(session, batch.id)
            if dependents or changed:
                raise UndoRefused(batch.id, dependents, changed)
            report = UndoReport(batch_id=batch.id, kind=batch.kind, dry_run=dry_run)
            _put_back(session, batch.id, report)
            session.connection().execute(
                text("DELETE FROM import_change WHERE batch_id = :batch"), {"batch": batch.id}
            )
            batch.undone_at, batch.undone_by = now(), store.actor.id
            session.add(batch)
            act.names(batch.id, [*report.removed, *report.restored])
            if dry_run:
                raise _RollBack
    except _RollBack:
        pass
    assert report is not None
    return report


def _batch(session: Session, batch_id: int | None) -> ImportBatch:
    if batch_id is None:
        latest = session.exec(
            select(ImportBatch)
            .where(col(ImportBatch.undone_at).is_(None))
            .order_by(col(ImportBatch.id).desc())
            .limit(1)
        ).first()
        if latest is None:
            raise ValidationError("batch", "there is no import to undo")
        return latest
    batch = session.get(ImportBatch, batch_id)
    if batch is None:
        raise ValidationError("batch", f"there is no import {batch_id}")
    if batch.undone_at is not None:
        raise ValidationError(
            "batch", f"import {batch_id} was undone on {batch.undone_at:%Y-%m-%d %H:%M}"
        )
    return batch


def _added(table: str) -> str:
    """SQL for the row ids of ``table`` the batch (``:batch``) added."""
    return (
        "SELECT row_id FROM import_change WHERE batch_id = :batch "
        f"AND table_name = '{table}' AND old_values IS NULL"
    )


def _dependents(session: Session, batch_id: int) -> dict[str, int]:
    """Rows, by table, outside the batch that refer to a row the batch added."""
    added = {
        name
        for (name,) in session.connection().execute(
            text(
                "SELECT DISTINCT table_name FROM import_change "
                "WHERE batch_id = :batch AND old_values IS NULL"
            ),
            {"batch": batch_id},
        )
    }
    found: dict[str, int] = {}
    for child in SQLModel.metadata.sorted_tables:
        if child.name in _NOT_DEPENDENTS:
            continue
        refers = [
            f"c.{quoted(fk.parent.name)} IN (SELECT p.{quoted(fk.column.name)} "
            f"FROM {quoted(parent)} AS p WHERE p.rowid IN ({_added(parent)}))"
            for fk in child.foreign_keys
            if (parent := fk.column.table.name) in added
        ]
        if not refers:
            continue
        count = (
            session.connection()
            .execute(
                text(
                    f"SELECT count(*) FROM {quoted(child.name)} AS c WHERE ({' OR '.join(refers)}) "
                    "AND NOT EXISTS (SELECT 1 FROM import_change AS x WHERE x.batch_id = :batch "
                    f"AND x.table_name = '{child.name}' AND x.row_id = c.rowid)"
                ),
                {"batch": batch_id},
            )
            .scalar_one()
        )
        if count:
            found[child.name] = count
    return found


def _changed_since(session: Session, batch_id: int) -> dict[str, int]:
    """Rows, by table, that the batch wrote and that are no longer as it left them."""
    found: dict[str, int] = {}
    for table in tracked_tables():
        count = (
            session.connection()
            .execute(
                text(
                    f"SELECT count(*) FROM import_change AS x LEFT JOIN {quoted(table.name)} AS r "
                    "ON r.rowid = x.row_id WHERE x.batch_id = :batch AND x.table_name = :table "
                    "AND x.new_values IS NOT "
                    f"(CASE WHEN r.rowid IS NULL THEN NULL ELSE {row_json(table, 'r')} END)"
                ),
                {"batch": batch_id, "table": table.name},
            )
            .scalar_one()
        )
        if count:
            found[table.name] = count
    return found


def _put_back(session: Session, batch_id: int, report: UndoReport) -> None:
    """Changed rows first get their old values (so none still refers to an added row), then
    added rows go, children before parents, then removed rows return, parents first."""
    connection = session.connection()
    params = {"batch": batch_id}
    touched = set(
        connection.execute(
            text("SELECT DISTINCT table_name FROM import_change WHERE batch_id = :batch"), params
        ).scalars()
    )
    tables = [t for t in tracked_tables() if t.name in touched]
    for table in tables:
        restored = connection.execute(
            text(
                f"UPDATE {quoted(table.name)} SET {_assignments(table)} FROM import_change AS x "
                f"WHERE x.batch_id = :batch AND x.table_name = '{table.name}' "
                f"AND x.old_values IS NOT NULL AND x.row_id = {quoted(table.name)}.rowid"
            ),
            params,
        ).rowcount
        _count(report.restored, table.name, restored)
    for table in reversed(tables):
        removed = connection.execute(
            text(f"DELETE FROM {quoted(table.name)} WHERE rowid IN ({_added(table.name)})"),
            params,
        ).rowcount
        _count(report.removed, table.name, removed)
    for table in tables:
        names = ", ".join(quoted(c.name) for c in table.columns)
        values = ", ".join(_old(c.name) for c in table.columns)
        returned = connection.execute(
            text(
                f"INSERT INTO {quoted(table.name)} ({names}) SELECT {values} "
                f"FROM import_change AS x WHERE x.batch_id = :batch "
                f"AND x.table_name = '{table.name}' AND x.old_values IS NOT NULL "
                f"AND NOT EXISTS (SELECT 1 FROM {quoted(table.name)} AS r "
                "WHERE r.rowid = x.row_id)"
            ),
            params,
        ).rowcount
        _count(report.restored, table.name, returned)


def _assignments(table: Table) -> str:
    """Every column but a lone primary key (the row id, which the update is matched on)."""
    keys = list(table.primary_key.columns)
    rowid = keys[0].name if len(keys) == 1 else None
    return ", ".join(f"{quoted(c.name)} = {_old(c.name)}" for c in table.columns if c.name != rowid)


def _old(column: str) -> str:
    return f"json_extract(x.old_values, '$.\"{column}\"')"


def _count(counts: dict[str, int], table: str, rows: int) -> None:
    if rows > 0:
        counts[table] = counts.get(table, 0) + rows


def _rows(count: int) -> str:
    return counted(count, "row")


def _by_table(counts: dict[str, int]) -> str:
    return ", ".join(f"{n} {table}" for table, n in sorted(counts.items()))
