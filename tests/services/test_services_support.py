"""The service tests' helpers count what they claim to count."""

from __future__ import annotations

from pathlib import Path

from tests.support.store_helpers import table_counts
from tests.support.stores import new_store


def test_table_counts_lists_every_domain_table(tmp_path: Path) -> None:
    store = new_store(tmp_path / "s")
    try:
        counts = table_counts(store)
    finally:
        store.close()
    assert {"person", "stay", "follow_up", "audit", "conversation", "decision"} <= set(counts)
    assert counts["audit"] == 1
