"""Helpers shared by the service tests: audit rows, and that no typed value reached them."""

from __future__ import annotations

from sqlalchemy import text

from outreach.model import AuditEntry
from outreach.store.store import Store
from tests.support.store_helpers import table_counts


def last_audit(store: Store, count: int = 1) -> list[AuditEntry]:
    from sqlmodel import col, select

    with store.read() as session:
        rows = session.exec(select(AuditEntry).order_by(col(AuditEntry.id).desc()).limit(count))
        return list(rows)


def audit_count(store: Store) -> int:
    return table_counts(store)["audit"]


def assert_no_value_in_audit(store: Store, *values: str) -> None:
    """None of ``values`` appears in any column of any audit row."""
    with store.read() as session:
        rows = session.connection().execute(text("SELECT * FROM audit")).all()
    for row in rows:
        for cell in row:
            for value in values:
                assert value.lower() not in str(cell).lower()
