"""Migration 0024 (a conversation can address several programmes): the conversations a store
held are about cervical screening by the column's default, no row is written for them, nothing
is logged for sync, and every figure of the demo is the same before and after."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from typer.testing import CliRunner

from outreach.cli import app
from outreach.demo import build_demo
from outreach.store import migrations
from outreach.store.engine import make_engine
from outreach.store.store import Store

TODAY = date(2025, 6, 30)


def _stats(folder: Path) -> str:
    result = CliRunner().invoke(
        app,
        ["stats", "--json", "--as-of", TODAY.isoformat(), "--store", str(folder)],
        env={"OUTREACH_PASSPHRASE": "demo-passphrase", "OUTREACH_USER": "demo"},
    )
    assert result.exit_code == 0, result.output
    return result.output


def _counts(store: Store) -> tuple[int, int, list[tuple[Any, ...]]]:
    with store.read() as session:
        conn = session.connection()
        logged = conn.exec_driver_sql("SELECT count(*) FROM change_log").scalar_one()
        talks = conn.exec_driver_sql("SELECT count(*) FROM conversation").scalar_one()
        programmes = conn.exec_driver_sql(
            "SELECT programme, count(*) FROM conversation GROUP BY programme"
        ).all()
    return logged, talks, [tuple(p) for p in programmes]


@pytest.mark.slow
def test_the_demos_conversations_stay_cervical_and_no_figure_moves(tmp_path: Path) -> None:
    folder = tmp_path / "demo"
    info = build_demo(folder, today=TODAY, residents=60, keep_open=True)
    assert info.store is not None
    with info.store as opened:
        logged, talks, _ = _counts(opened)
        key = opened._data_key
    assert talks > 100
    before = _stats(folder)
    engine = make_engine(folder / "data.db", key)
    cfg = migrations.alembic_config()
    with engine.connect() as conn:
        raw: Any = conn.connection.driver_connection
        raw.execute("PRAGMA foreign_keys = OFF")
        with conn.begin():
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0023")
        columns = [r[1] for r in conn.exec_driver_sql("PRAGMA table_info(conversation)")]
    engine.dispose()
    assert "programme" not in columns

    after = _stats(folder)  # unlocking migrates the store back to the head
    assert after == before
    with Store.unlock(folder, user="demo", passphrase="demo-passphrase") as migrated:
        # (unlocking writes no travelling row: the change log is as it was)
        assert _counts(migrated) == (logged, talks, [("cervical-screening", talks)])
        with migrated.read() as session:
            conn = session.connection()
            further = conn.exec_driver_sql(
                "SELECT (SELECT count(*) FROM conversation_programme), "
                "(SELECT count(*) FROM conversation_programme_barrier)"
            ).one()
            triggers = conn.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' "
                "AND name LIKE 'change_log_conversation_programme%' ORDER BY name"
            ).scalars()
            assert list(triggers) == [
                f"change_log_conversation_programme_{t}_{e}"
                for t, e in [
                    ("barrier", "delete"),
                    ("barrier", "insert"),
                    ("barrier", "update"),
                ]
            ] + [f"change_log_conversation_programme_{e}" for e in ("delete", "insert", "update")]
    assert tuple(further) == (0, 0)
