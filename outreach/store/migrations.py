"""Schema migrations with Alembic, run at open on the keyed connection.

Before any migration of an existing store a keyed copy is written to ``backups/``; a store
whose revision this app does not know (made by a newer app) is refused and left untouched.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from contextlib import AbstractContextManager, nullcontext
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Engine
from sqlalchemy.exc import OperationalError

from outreach.paths import schema_dir
from outreach.store.errors import StoreDamaged, StoreTooNew
from outreach.wording import counted

if TYPE_CHECKING:
    from alembic.config import Config

# Planner statistics after a migration. Stores are never analysed otherwise, and without
# statistics the planner guesses: at 200,000 people the month dashboard took 512 ms CPU and
# a year's export 1,678 ms, against 317 and 1,013 ms once analysed (README, "Speed").
# ``optimize`` with 0x10000 looks at every table (not only those this connection read) and
# with 0x02 runs ANALYZE on those that need it: a table never analysed, one with an index
# that has no statistics (a migration made or remade it: 0024 remade
# ix_conversation_on_cover), or one 25 times bigger or smaller than when last analysed. Empty
# tables get no statistics, so a new store keeps the planner's defaults. ``analysis_limit``
# samples about that many rows of each index; most of the cost is reading each table once
# (2.8 s CPU at 200,000 people, about the same at a limit of 100 or 400).
OPTIMIZE = "PRAGMA optimize = 0x10002"
ANALYSIS_LIMIT = 1000
# A store analysed while small would keep figures of a small store until a table grows 25
# times (at a later migration), while with none the planner assumes big tables, as a growing
# store soon has: a store is analysed once it holds this many people.
ANALYSE_FROM_PEOPLE = 1000

# Alembic takes a fifth of start-up to import and is needed only when a migration is due:
# whether one is due is read from the revision files' own lines and the store's
# alembic_version table, and Alembic is imported only past that point.
_REVISION_LINE = re.compile(
    r"^(down_revision|revision)\s*(?::[^=\n]*)?=\s*(?:None|[\"']([^\"'\n]+)[\"'])", re.M
)


def alembic_config() -> Config:
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(schema_dir() / "migrations"))
    return cfg


@cache
def head_revision() -> str:
    """The newest revision in ``schema/migrations/versions``, read from the files' ``revision``
    and ``down_revision`` lines (without importing Alembic): the one revision no other
    revision comes after. Raises if the chain has no head or more than one."""
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in sorted((schema_dir() / "migrations" / "versions").glob("*.py")):
        found = dict(
            (name, value) for name, value in _REVISION_LINE.findall(path.read_text("utf-8"))
        )
        if "revision" not in found:
            continue
        revisions.add(found["revision"])
        if found.get("down_revision"):
            parents.add(found["down_revision"])
    heads = revisions - parents
    if len(heads) != 1:
        raise RuntimeError(f"the migrations have {len(heads)} heads, not one: {sorted(heads)}")
    return heads.pop()


def current_revision(engine: Engine) -> str | None:
    """The store's schema revision (None for a store with no schema yet)."""
    with engine.connect() as conn:
        try:
            rows = conn.exec_driver_sql("SELECT version_num FROM alembic_version").all()
        except OperationalError as exc:
            if "no such table" in str(exc):
                return None
            raise
    if len(rows) > 1:
        raise StoreDamaged(f"the store records {len(rows)} schema revisions at once")
    return rows[0][0] if rows else None


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
    current = current_revision(engine)
    head = head_revision()
    if current == head:
        return None
    from alembic.script import ScriptDirectory

    script = ScriptDirectory.from_config(alembic_config())
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
    CASCADE), check foreign keys before commit, and roll back everything on a violation.
    The tables that need planner statistics then get them (``OPTIMIZE``), in the same
    transaction, once the store holds ``ANALYSE_FROM_PEOPLE`` people."""
    from alembic import command

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
                if _people(conn) >= ANALYSE_FROM_PEOPLE:
                    conn.exec_driver_sql(f"PRAGMA analysis_limit = {ANALYSIS_LIMIT}")
                    conn.exec_driver_sql(OPTIMIZE)
        finally:
            raw.execute("PRAGMA analysis_limit = 0")
            raw.execute("PRAGMA foreign_keys = ON")


def _people(conn: Any) -> int:
    """About how many people the store holds (its highest person id, read without reading
    them all); 0 at a revision with no person table yet."""
    if not conn.exec_driver_sql("SELECT 1 FROM sqlite_master WHERE name = 'person'").first():
        return 0
    return int(conn.exec_driver_sql("SELECT max(id) FROM person").scalar() or 0)
