"""The audit log as admins read it: who did what to which record, never the values."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import col, select

from outreach.model import Account, AuditEntry, Role
from outreach.services.errors import ValidationError
from outreach.store.store import Store


@dataclass(frozen=True)
class AuditRow:
    id: int
    at: datetime
    account: str | None
    action: str
    entity: str
    entity_id: int | None
    fields: list[str]


def recent_audit(store: Store, *, offset: int = 0, limit: int = 50) -> list[AuditRow]:
    """Audit rows, newest first, one page at a time (admins only)."""
    store.require(Role.admin)
    if offset < 0:
        raise ValidationError("offset", "must be 0 or more")
    if not 1 <= limit <= 500:
        raise ValidationError("limit", "must be between 1 and 500")
    with store.read() as session:
        rows = session.exec(
            select(AuditEntry, Account.name)
            .join(Account, col(Account.id) == AuditEntry.account_id, isouter=True)
            .order_by(col(AuditEntry.id).desc())
            .offset(offset)
            .limit(limit)
        ).all()
    return [
        AuditRow(
            id=entry.id or 0,
            at=entry.at,
            account=name,
            action=entry.action,
            entity=entry.entity,
            entity_id=entry.entity_id,
            fields=[f for f in entry.fields.split(",") if f],
        )
        for entry, name in rows
    ]
