"""The tamper-evident audit log: one row per user action, hash-chained.

A row names the action, the kind of record and its id, and the names of the fields touched.
It never holds names, references, notes or results.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass

from sqlmodel import Session, col, select

from outreach.clock import now
from outreach.model import AuditEntry

GENESIS = "0" * 64


def _digest(entry: AuditEntry) -> str:
    canonical = json.dumps(
        [
            entry.prev_hash,
            entry.at.isoformat(timespec="microseconds"),
            entry.account_id,
            entry.action,
            entry.entity,
            entry.entity_id,
            entry.fields,
        ],
        separators=(",", ":"),
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def head(session: Session) -> str:
    """The hash of the newest row: the chain head that signed exports carry."""
    # Only the hash column, read off the end of the primary key, on the session's connection:
    # no ORM object and no flush per write (record() flushes each row it appends).
    last = (
        session.connection()
        .execute(select(col(AuditEntry.hash)).order_by(col(AuditEntry.id).desc()).limit(1))
        .scalar()
    )
    return last if last is not None else GENESIS


def record(
    session: Session,
    *,
    actor_id: int | None,
    action: str,
    entity: str = "",
    entity_id: int | None = None,
    fields: Iterable[str] = (),
) -> AuditEntry:
    """Append one audit row in the caller's transaction (call inside a write transaction)."""
    entry = AuditEntry(
        at=now(),
        account_id=actor_id,
        action=action,
        entity=entity,
        entity_id=entity_id,
        fields=",".join(sorted(set(fields))),
        prev_hash=head(session),
        hash="",
    )
    entry.hash = _digest(entry)
    session.add(entry)
    session.flush()
    return entry


@dataclass(frozen=True)
class ChainBreak:
    row_id: int
    reason: str


def verify_chain(session: Session) -> ChainBreak | None:
    """The first row where the chain does not hold, or None when every row links up."""
    expected_prev = GENESIS
    for entry in session.exec(select(AuditEntry).order_by(col(AuditEntry.id))):
        assert entry.id is not None
        if entry.prev_hash != expected_prev:
            return ChainBreak(entry.id, "does not follow the row before it (a row removed?)")
        if _digest(entry) != entry.hash:
            return ChainBreak(entry.id, "its contents changed after it was written")
        expected_prev = entry.hash
    return None


def head_row(session: Session) -> tuple[int, str] | None:
    """The id and hash of the newest row, or None when the log is empty."""
    row = (
        session.connection()
        .execute(
            select(col(AuditEntry.id), col(AuditEntry.hash))
            .order_by(col(AuditEntry.id).desc())
            .limit(1)
        )
        .first()
    )
    return (int(row[0] or 0), str(row[1])) if row is not None else None


def missing_after(session: Session, recorded: dict[str, object]) -> tuple[int, str] | None:
    """Compare the head recorded outside data.db (keys.json, a backup) with the log.

    Returns (changes missing, sentence) when data.db has lost rows the record says were
    committed, or (0, sentence) when the recorded row is there with another hash; None when
    the log reaches the recorded row unchanged (or nothing was recorded yet).
    """
    if not recorded:
        return None
    rid, rhash = int(str(recorded.get("id", 0))), str(recorded.get("hash", ""))
    newest = head_row(session)
    last = newest[0] if newest else 0
    if last < rid:
        missing = rid - last
        return (
            missing,
            f"keys.json records audit row {rid} as committed but data.db ends at row {last}: "
            f"{missing} committed change{'s are' if missing > 1 else ' is'} missing "
            "(a damaged or cut WAL, or rows deleted); restore the latest backup",
        )
    found = (
        session.connection()
        .execute(select(col(AuditEntry.hash)).where(col(AuditEntry.id) == rid))
        .scalar()
    )
    if found != rhash:
        return (
            0,
            f"audit row {rid} is not the one keys.json recorded: rows were changed or removed "
            "and the chain hashed again, or data.db was swapped for another copy",
        )
    return None
