"""Stable identity (migration 0019): every travelling row has a UUIDv7 and its store of
origin; local tables are named; the migration gives existing rows theirs and no figure moves."""

from __future__ import annotations

import uuid
from datetime import date
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from freezegun import freeze_time
from sqlmodel import SQLModel
from typer.testing import CliRunner

from outreach.cli import app
from outreach.clock import now
from outreach.demo import build_demo
from outreach.model import Person, identity
from outreach.model.identity import LOCAL, TRAVELLING, missing_ids, new_uid, uuid7
from outreach.model.people import SEARCH_INDEX_TABLES
from outreach.store import migrations
from outreach.store.engine import make_engine
from outreach.store.store import Store
from tests.support.store_helpers import add_people

TODAY = date(2025, 6, 30)


def test_every_table_travels_or_is_named_local(store: Store) -> None:
    with store.read() as session:
        in_store = (
            set(
                session.connection()
                .exec_driver_sql(
                    "SELECT name FROM sqlite_master "
                    "WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
                )
                .scalars()
            )
            - SEARCH_INDEX_TABLES
        )
    modelled = set(SQLModel.metadata.tables) | {"alembic_version"}
    assert in_store == modelled
    assert not set(TRAVELLING) & LOCAL
    assert in_store == set(TRAVELLING) | LOCAL
    for name in TRAVELLING:
        columns = SQLModel.metadata.tables[name].c
        assert {"uid", "origin"} <= set(columns.keys()), name
        assert columns["uid"].unique, name


def test_a_uuid7_carries_the_millisecond_version_and_variant(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # (ids made earlier in this process, at the real time, would hold later ones after them)
    monkeypatch.setattr(identity, "_last_ms", 0)
    with freeze_time("2025-06-30 12:00:00"):
        made = [uuid7() for _ in range(5000)]
    ms = 1751284800000  # 2025-06-30T12:00:00Z in Unix milliseconds
    first = made[0]
    assert first.version == 7
    assert first.variant == uuid.RFC_4122
    assert first.int >> 80 == ms
    # 5000 ids in one (frozen) millisecond: the 12-bit counter runs out and borrows the next
    # milliseconds, so the ids still sort in the order they were made and never repeat.
    assert made == sorted(made, key=lambda u: u.int)
    assert len(set(made)) == 5000
    assert all(u.version == 7 and u.variant == uuid.RFC_4122 for u in made)
    assert made[-1].int >> 80 in {ms + 1, ms + 2}
    assert len(new_uid()) == 36


def test_rows_written_through_the_store_get_an_id_and_this_store_as_origin(
    store: Store,
) -> None:
    add_people(store, 3)
    with store.read() as session:
        conn = session.connection()
        store_id = conn.exec_driver_sql("SELECT store_id FROM site").scalar_one()
        rows = conn.exec_driver_sql("SELECT uid, origin FROM person ORDER BY id").all()
        talks = conn.exec_driver_sql("SELECT uid, origin FROM conversation").all()
        assert missing_ids(conn) == {}
    assert [o for _, o in rows + talks] == [store_id] * 6
    uids = [u for u, _ in rows + talks]
    assert len(set(uids)) == 6
    assert all(uuid.UUID(u).version == 7 for u in uids)


def test_a_row_given_its_id_keeps_it(store: Store) -> None:
    """A row arriving from another store is written with its own uid and origin."""
    with store.write() as session:
        session.add(
            Person(
                ref="X1",
                display_name="Away",
                date_of_birth=date(1990, 1, 1),
                created_at=now(),
                uid="01900000-0000-7000-8000-000000000001",
                origin="another-store",
            )
        )
    with store.read() as session:
        got = session.connection().exec_driver_sql("SELECT uid, origin FROM person").one()
    assert tuple(got) == ("01900000-0000-7000-8000-000000000001", "another-store")


def _stats(folder: Path) -> str:
    result = CliRunner().invoke(
        app,
        ["stats", "--json", "--as-of", TODAY.isoformat(), "--store", str(folder)],
        env={"OUTREACH_PASSPHRASE": "demo-passphrase", "OUTREACH_USER": "demo"},
    )
    assert result.exit_code == 0, result.output
    return result.output


def _ids(store: Store) -> tuple[str, dict[str, list[tuple[Any, ...]]]]:
    with store.read() as session:
        conn = session.connection()
        store_id = conn.exec_driver_sql("SELECT store_id FROM site").scalar_one()
        return store_id, {
            t: [tuple(r) for r in conn.exec_driver_sql(f"SELECT rowid, uid, origin FROM {t}")]
            for t in TRAVELLING
        }


@pytest.mark.slow
def test_the_migration_gives_the_demo_its_ids_and_changes_no_figure(tmp_path: Path) -> None:
    folder = tmp_path / "demo"
    info = build_demo(folder, today=TODAY, residents=60, keep_open=True)
    assert info.store is not None
    with info.store as opened:
        _, made = _ids(opened)
        key = opened._data_key
    before = _stats(folder)
    engine = make_engine(folder / "data.db", key)
    cfg = migrations.alembic_config()
    with engine.connect() as conn:
        raw: Any = conn.connection.driver_connection
        raw.execute("PRAGMA foreign_keys = OFF")
        with conn.begin():
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0018")
    engine.dispose()

    after = _stats(folder)  # unlocking migrates the store back to the head, ids and all
    assert after == before
    reopened = Store.unlock(folder, user="demo", passphrase="demo-passphrase")
    with reopened:
        store_id, given = _ids(reopened)
    assert {t: len(rows) for t, rows in given.items()} == {t: len(rows) for t, rows in made.items()}
    assert sum(len(rows) for rows in given.values()) > 1000
    for table, rows in given.items():
        assert all(origin == store_id for _, _, origin in rows), table
        uids = [u for _, u, _ in rows]
        assert len(set(uids)) == len(uids), table
        assert all(uuid.UUID(u).version == 7 for u in uids), table
        # the downgrade dropped the ids the build made: these are new ones
        assert not set(uids) & {u for _, u, _ in made[table]}, table
