"""Helpers shared by the service tests: a store per module, row counts and audit rows."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from outreach.model import AuditEntry
from outreach.store.store import Store
from tests.conftest import PASSPHRASE


def open_store(folder: Path) -> Store:
    store, _ = Store.init(folder, site_name="HMP Test", admin="ana", passphrase=PASSPHRASE)
    return store


def module_store(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    store = open_store(tmp_path_factory.mktemp("store") / "store")
    try:
        yield store
    finally:
        store.close()


def table_counts(store: Store) -> dict[str, int]:
    """Rows in every table of the store."""
    with store.read() as session:
        conn = session.connection()
        names = [
            row[0]
            for row in conn.execute(
                text("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")
            )
        ]
        return {
            name: conn.execute(text(f'SELECT count(*) FROM "{name}"')).scalar_one()
            for name in names
        }


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
