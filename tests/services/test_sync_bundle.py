"""What a sync bundle holds: its payload compressed before sealing, and the audit row of an
import naming each origin store's applied changes by count and clock range."""

from __future__ import annotations

import json
import zlib
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import col, select

from outreach.model import AuditEntry
from outreach.services.site import open_for, own_card
from outreach.services.sync import KIND, export_bundle, import_bundle, pair
from outreach.store.store import Store
from tests.support.stores import new_store
from tests.support.sync_pairs import person


@pytest.fixture
def two(tmp_path: Path) -> Iterator[tuple[Store, Store]]:
    a, b = new_store(tmp_path / "a", site="Laptop A"), new_store(tmp_path / "b", site="Laptop B")
    pair(a, own_card(b).to_bytes())
    pair(b, own_card(a).to_bytes())
    yield a, b
    a.close()
    b.close()


def test_the_payload_is_compressed_before_it_is_sealed(two: tuple[Store, Store]) -> None:
    a, b = two
    for i in range(20):
        person(a, f"A{i:02}")
    bundle, written = export_bundle(a, "Laptop B")
    packed = open_for(b, bundle, kind=KIND).payload
    body = zlib.decompress(packed)
    assert json.loads(body)["changes"][0][0] == "person"
    assert written.changes == 20
    assert len(packed) < len(body) // 2


def test_the_import_audit_names_each_origin_its_count_and_clock_range(
    two: tuple[Store, Store],
) -> None:
    a, b = two
    person(a, "A1")
    person(a, "A2")
    with a.read() as session:
        conn = session.connection()
        store_id = conn.exec_driver_sql("SELECT store_id FROM site").scalar_one()
        lo, hi = conn.exec_driver_sql("SELECT min(hlc), max(hlc) FROM change_log").one()
    assert lo < hi
    import_bundle(b, export_bundle(a, "Laptop B")[0])
    with b.read() as session:
        row = session.exec(
            select(AuditEntry)
            .where(AuditEntry.action == "sync.import")
            .order_by(col(AuditEntry.id).desc())
        ).first()
    assert row is not None
    assert f"from={store_id}:2@{lo}..{hi}" in row.fields
