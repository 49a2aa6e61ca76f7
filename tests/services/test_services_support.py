"""The service tests' helpers count what they claim to count."""

from __future__ import annotations

from pathlib import Path

from tests.support.service_helpers import open_store, table_counts


def test_table_counts_lists_every_domain_table(tmp_path: Path) -> None:
    store = open_store(tmp_path / "s")
    try:
        counts = table_counts(store)
    finally:
        store.close()
    assert {"person", "stay", "follow_up", "audit", "conversation", "decision"} <= set(counts)
    assert counts["audit"] == 1
