"""Schema migrations with Alembic, run at open on the keyed connection.

Before any migration of an existing store a keyed copy is written to ``backups/``; a store
whose revision this app does not know (made by a newer app) is refused and left untouched.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine

from outreach.paths import schema_dir
from outreach.store.errors import StoreDamaged, StoreTooNew
from outreach.wording import counted


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(schema_dir() / "migrations"))
    return cfg


def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert head is not None
    return head


def current_revision(engine: Engine) -> str | None:
    with engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()


def ensure_current(
    engine: Engine,
    *,
    backup: Callable[[str], Path] | None,
    exclusive: Callable[[], AbstractContextManager[object]] | None = None,
) -> str | None:
    """Bring the schema to head. Returns the revision migrated from, or None if nothing ran.

    ``backup(revision)`` is called before migrating a store that already has a schema.
    ``exclusive()`` is held around the backup and the migration: it refuses (raising) while
    another process has the store open, and then nothing is changed.
    """
    script = ScriptDirectory.from_config(alembic_config())
    current = current_revision(engine)
    head = script.get_current_head()
    if current == head:
        return None
    if current is not None:
        try:
            script.get_revision(current)
        except Exception:
            raise StoreTooNew(
                f"this store has schema revision {current}, which this version of outreach "
                "does not know: it was written by a newer outreach. Upgrade outreach to open "
                "it; the store has not been changed."
            ) from None
    with exclusive() if exclusive is not None else nullcontext():
        if current_revision(engine) == head:
            return None  # another process upgraded it while this one waited
        if current is not None and backup is not None:
            backup(current)
        upgrade(engine)
    return current or "empty"


def upgrade(engine: Engine, target: str = "head") -> None:
    """Run migrations with foreign keys off (batch table rebuilds would fire ON DELETE
    CASCADE), check foreign keys before commit, and roll back everything on a violation."""
    cfg = alembic_config()
    with engine.connect() as conn:
        raw: Any = conn.connection.driver_connection
        raw.execute("PRAGMA foreign_keys = OFF")  # must run outside a transaction to count
        try:
            with conn.begin():
                cfg.attributes["connection"] = conn
                command.upgrade(cfg, target)
                bad = conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
                if bad:
                    table, rowid = bad[0][0], bad[0][1]
                    raise StoreDamaged(
                        f"migration left {counted(len(bad), 'broken reference')} "
                        f"(first: {table} row {rowid}); nothing was changed"
                    )
        finally:
            raw.execute("PRAGMA foreign_keys = ON")
