"""The audit log as admins read it: who did what to which record, never the values."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlmodel import col, func, or_, select

from outreach.model import Account, AuditEntry, Role
from outreach.services.errors import ValidationError
from outreach.store import audit
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


MAX_ROWS = 10_000
"""The most rows one listing returns."""


@dataclass(frozen=True)
class ChainCheck:
    """Whether the audit's hash chain holds: ``broken_at`` is the first row where it does not,
    with the ``reason``; both None when every one of the ``rows`` links up."""

    rows: int
    broken_at: int | None = None
    reason: str | None = None

    @property
    def verified(self) -> bool:
        return self.broken_at is None


def audit_rows(
    store: Store,
    *,
    since: date | None = None,
    until: date | None = None,
    action: str | None = None,
    actor: str | None = None,
    limit: int = 50,
) -> list[AuditRow]:
    """Audit rows, newest first, at most ``limit`` (admins only).

    ``since`` and ``until`` are the first and last days (UTC, as the audit keeps time) to
    include; ``action`` matches an action exactly or as a group (``conversation`` matches
    ``conversation.log``); ``actor`` is an account name, which must exist.
    """
    store.require(Role.admin)
    if not 1 <= limit <= MAX_ROWS:
        raise ValidationError("limit", f"must be between 1 and {MAX_ROWS}")
    if since is not None and until is not None and until < since:
        raise ValidationError("until", f"{until.isoformat()} is before --since {since}")
    query = (
        select(AuditEntry, Account.name)
        .join(Account, col(Account.id) == AuditEntry.account_id, isouter=True)
        .order_by(col(AuditEntry.id).desc())
        .limit(limit)
    )
    if since is not None:
        query = query.where(col(AuditEntry.at) >= _midnight(since))
    if until is not None:
        query = query.where(col(AuditEntry.at) < _midnight(until + timedelta(days=1)))
    if action is not None and action.strip():
        wanted = action.strip()
        query = query.where(
            or_(
                col(AuditEntry.action) == wanted,
                col(AuditEntry.action).startswith(f"{wanted}.", autoescape=True),
            )
        )
    with store.read() as session:
        if actor is not None:
            account = session.exec(select(Account).where(Account.name == actor)).first()
            if account is None:
                raise ValidationError("actor", f"no account is called {actor!r}")
            query = query.where(AuditEntry.account_id == account.id)
        rows = session.exec(query).all()
    return [_row(entry, name) for entry, name in rows]


def check_audit_signatures(store: Store) -> audit.SignatureCheck | None:
    """Check every audit row's signature against its account's key (admins only); None while
    the store's accounts have no signing keys yet."""
    store.require(Role.admin)
    return store.check_signatures()


def check_audit_chain(store: Store) -> ChainCheck:
    """Check every row of the audit's hash chain, oldest first (admins only)."""
    store.require(Role.admin)
    with store.read() as session:
        count = session.exec(select(func.count()).select_from(AuditEntry)).one()
        broken = audit.verify_chain(session)
    if broken is None:
        return ChainCheck(rows=count)
    return ChainCheck(rows=count, broken_at=broken.row_id, reason=broken.reason)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=UTC)


def _row(entry: AuditEntry, name: str | None) -> AuditRow:
    return AuditRow(
        id=entry.id or 0,
        at=entry.at,
        account=name,
        action=entry.action,
        entity=entry.entity,
        entity_id=entry.entity_id,
        fields=[f for f in entry.fields.split(",") if f],
    )
