"""The benchmark runs on a tiny store and its figures agree with the hand SQL (main returns 0
only then); speed figures are not asserted."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from outreach.bench.__main__ import build, main, open_plain, refresh_kept
from outreach.bench.operations import PASSPHRASE
from outreach.store.store import Store


@pytest.mark.slow
def test_the_benchmark_runs_on_a_tiny_store(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    assert main(["--quick", "--sizes", "200", "--cache", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "200 people" in out
    assert "dashboard" in out
    # Search as typed, every kind of text, each answer checked against testing everyone.
    assert "picker: 2 chars, none" in out
    assert "DIFFERENT" not in out
    assert "peak memory" in out


def test_a_kept_plain_copy_gains_the_columns_a_migration_added(tmp_path: Path) -> None:
    kept = tmp_path / "200-seed42"
    build(kept, 200, 42)
    store = Store.unlock(kept / "store", user="bench", passphrase=PASSPHRASE)
    try:
        with store.write() as session:
            session.execute(text("ALTER TABLE mentor ADD COLUMN added_later VARCHAR"))
            session.execute(text("CREATE INDEX ix_mentor_added_later ON mentor (added_later)"))
    finally:
        store.close()
    refresh_kept(kept)
    plain = open_plain(kept / "plain.db")
    try:
        columns = [row[1] for row in plain.execute("PRAGMA table_info(mentor)")]
        indexes = [row[1] for row in plain.execute("PRAGMA index_list(mentor)")]
    finally:
        plain.close()
    assert columns[-1] == "added_later"
    assert "ix_mentor_added_later" in indexes
