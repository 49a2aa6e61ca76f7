"""SQLCipher connections and the SQLAlchemy engine over them.

The data key is given to SQLCipher as a raw key (``x'<hex>'``) inside a ``creator`` function,
never through a URL, and every connection gets the same pragmas before it is used.
"""

from __future__ import annotations

import errno
import os
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import sqlcipher3
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.pool import QueuePool

from outreach.store.errors import DiskFull, StoreDamaged, StoreInUse, UnsupportedLibrary
from outreach.store.hardening import no_core_dumps
from outreach.store.library import turn_off_memory_statistics
from outreach.wording import fold_sql, search_key_sql, search_pieces_sql

# Before this module can open any connection (see outreach/store/library.py for why).
turn_off_memory_statistics()

MIN_SQLCIPHER = (4, 0, 0)
MIN_SQLITE = (3, 51, 3)
BUSY_TIMEOUT_MS = 10_000
# Decrypted pages kept per connection, taken only as pages are read (see connect()).
PAGE_CACHE_KIB = 49152

# Execution option that makes a transaction take the write lock at BEGIN, so two writers
# queue on busy_timeout instead of failing when a read transaction tries to upgrade.
WRITE = "outreach_write"

# Execution option, with WRITE, for a write that adds thousands of rows at once (an import):
# its commit leaves the WAL as it is rather than copying it into data.db then and there.
# SQLite checkpoints after any commit that leaves the WAL over AUTOCHECKPOINT_PAGES pages,
# inside that commit: after 10,000 people at 200,000 people that copy (25 MB written into
# a 2.5 GB file, then fsynced) took as long as the import itself (0.9-1.1 s wall-clock).
# The committed rows are as safe in the WAL (synchronous = FULL syncs it at commit); the
# caller folds it in afterwards (Store.checkpoint: at close, or in the background in the
# application), and the next ordinary write would otherwise do it.
CHECKPOINT_LATER = "outreach_checkpoint_later"
AUTOCHECKPOINT_PAGES = 1000
"""SQLite's own default for ``wal_autocheckpoint``, which every other write keeps."""
BULK_CACHE_KIB = 81920
"""The page cache of a connection while it makes a bulk write (KiB), given back when the
connection returns to the pool. Each row of an import lands on pages all over the indexes led
by a person (a conversation's person and date, first contacts), and on the person's own page
for its foreign key: at 10,000 conversations into a 200,000-people store those are more pages
than 48 MiB holds, so pages were decrypted again and again, and the inserts took 0.35 s; with
80 MiB they took 0.25 s (64 MiB: 0.29 s; 128 MiB: 0.24 s). The other connections give their
caches back before an import (``Store.release_idle_caches``), so the process holds less at
its peak than while two readers each keep 48 MiB."""


SQLITE_IOERR = 10
SQLITE_FULL = 13
SQLITE_CANTOPEN = 14
SQLITE_BUSY = 5
SQLITE_LOCKED = 6


def is_busy(exc: BaseException) -> bool:
    """Whether ``exc`` means another connection held a lock past the busy timeout."""
    orig = getattr(exc, "orig", None) or exc
    code = getattr(orig, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF in (SQLITE_BUSY, SQLITE_LOCKED)
    return "database is locked" in str(orig)


def is_disk_full(exc: BaseException) -> bool:
    """Whether ``exc`` (or the driver error it wraps) means the disk ran out of space."""
    orig = getattr(exc, "orig", None) or exc
    if isinstance(orig, OSError) and orig.errno == errno.ENOSPC:
        return True
    code = getattr(orig, "sqlite_errorcode", None)
    if isinstance(code, int):
        return code & 0xFF == SQLITE_FULL
    # The backup API's errors carry no code, only SQLite's fixed text for SQLITE_FULL.
    return "database or disk is full" in str(orig)


def check_library() -> None:
    """Refuse a SQLCipher older than 4 or a SQLite older than 3.51.3, with a clear message."""
    sqlite = tuple(int(p) for p in sqlcipher3.sqlite_version.split("."))
    if sqlite < MIN_SQLITE:
        raise UnsupportedLibrary(
            f"SQLite {sqlcipher3.sqlite_version} is too old: outreach needs 3.51.3 or newer"
        )
    probe = sqlcipher3.connect(":memory:")
    try:
        row = probe.execute("PRAGMA cipher_version").fetchone()
    finally:
        probe.close()
    if not row:
        raise UnsupportedLibrary("this SQLite has no SQLCipher: install the sqlcipher3 package")
    version = tuple(int(p) for p in row[0].split()[0].split(".")[:3])
    if version < MIN_SQLCIPHER:
        raise UnsupportedLibrary(f"SQLCipher {row[0]} is too old: outreach needs 4 or newer")


def connect(db_path: Path, data_key: bytes) -> Any:
    """A keyed DB-API connection with the store's pragmas; raises if the key does not open it."""
    if len(data_key) != 32:
        raise ValueError("the data key must be 32 bytes")
    no_core_dumps()
    # SQLite makes -wal and -shm as it opens a WAL database; if that fails they stay behind.
    side_files = [db_path.with_name(db_path.name + end) for end in ("-wal", "-shm")]
    fresh = not any(p.exists() for p in side_files)
    conn = sqlcipher3.connect(str(db_path), check_same_thread=False, isolation_level=None)
    try:
        # Before the key: a failed HMAC check would otherwise be printed on stderr.
        conn.execute("PRAGMA cipher_log_level = NONE")
        conn.execute(f"PRAGMA key = \"x'{data_key.hex()}'\"")
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        except sqlcipher3.DatabaseError as exc:
            if _out_of_space(db_path, exc):
                raise DiskFull(
                    "the disk is full: the store cannot be opened until some space is freed "
                    "(nothing was changed)"
                ) from None
            raise StoreDamaged(
                f"{db_path.name} cannot be opened with the key in keys.json: "
                "the two files do not belong together, or data.db is damaged"
            ) from None
        # WAL only after the key, or the header is read unkeyed.
        conn.execute("PRAGMA journal_mode = WAL")
        conn.execute("PRAGMA synchronous = FULL")
        conn.execute("PRAGMA foreign_keys = ON")
        conn.execute("PRAGMA temp_store = MEMORY")
        # 48 MiB of decrypted pages per connection, taken only as pages are read: each of the
        # month dashboard's two readers then keeps every page it needs (at most 44.6 MB at
        # 200,000 people) from one run to the next instead of decrypting them again. A cache
        # smaller than what one run reads keeps almost nothing: each pass evicts the pages
        # the next one wants first. So a bigger cap buys nothing where the reads outgrow it
        # (a year's dashboard or export; the month dashboard at 1,000,000 people, 1.63-1.68 s
        # CPU at 48 MiB against 1.89-2.02 s at 64), and every connection may hold all of it:
        # at 64 MiB the peak memory at 200,000 people was 254-255 MB, at 48 MiB 220-221 MB
        # (README, "Speed").
        conn.execute(f"PRAGMA cache_size = -{PAGE_CACHE_KIB}")
        conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        # Names are compared folded the same way in SQL and in Python (outreach.wording).
        conn.create_function("fold", 1, fold_sql, deterministic=True)
        conn.create_function("search_key", 1, search_key_sql, deterministic=True)
        conn.create_function("search_pieces", 1, search_pieces_sql, deterministic=True)
    except BaseException:
        conn.close()
        if fresh:
            _remove_unused(side_files)
        raise
    return conn


LOW_SPACE = 1 << 20
"""Below this many free bytes, an I/O error at open is taken to be the full disk: SQLite needs
room for the -shm index (32 KiB) and the WAL header before it reads a single page."""


def _out_of_space(db_path: Path, exc: BaseException) -> bool:
    if is_disk_full(exc):
        return True
    code = getattr(exc, "sqlite_errorcode", None)
    if not isinstance(code, int) or code & 0xFF not in (SQLITE_IOERR, SQLITE_CANTOPEN):
        return False
    try:
        return shutil.disk_usage(db_path.parent).free < LOW_SPACE
    except OSError:
        return False


def _remove_unused(side_files: list[Path]) -> None:
    """Remove the -wal and -shm this failed open made, when the -wal holds nothing."""
    wal = side_files[0]
    try:
        if wal.exists() and wal.stat().st_size > 0:
            return
    except OSError:
        return
    for path in side_files:
        path.unlink(missing_ok=True)


def make_engine(db_path: Path, data_key: bytes, *, pool_size: int = 4) -> Engine:
    """An engine whose pooled connections are all keyed; dispose() it on lock and exit."""
    engine = create_engine(
        "sqlite+pysqlite://",
        module=sqlcipher3.dbapi2,
        creator=lambda: connect(db_path, data_key),
        poolclass=QueuePool,
        pool_size=pool_size,
        max_overflow=4,
        pool_pre_ping=False,
        # The connection used last is handed out next: its page cache is the warm one.
        pool_use_lifo=True,
        # SQL parameters hold names and notes: keep them out of exception text.
        hide_parameters=True,
    )

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        # The driver is in autocommit (isolation_level=None); we issue BEGIN ourselves so
        # that SQLAlchemy's transaction is SQLite's transaction, DDL included.
        options = conn.get_execution_options()
        immediate = options.get(WRITE, False)
        if immediate:
            later = options.get(CHECKPOINT_LATER, False)
            _set_autocheckpoint(conn, 0 if later else AUTOCHECKPOINT_PAGES)
            if later:
                _set_cache(conn.connection.dbapi_connection, conn.connection.info, BULK_CACHE_KIB)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    @event.listens_for(engine.pool, "checkin")
    def _checkin(dbapi_connection: Any, record: Any) -> None:
        # A bulk write's larger cache is given back as soon as its connection is idle.
        if dbapi_connection is not None:
            _set_cache(dbapi_connection, record.info, PAGE_CACHE_KIB)

    return engine


def _set_autocheckpoint(conn: Any, pages: int) -> None:
    """Give the connection's next commits ``pages`` as their checkpoint threshold (0: none),
    unless it has it already (a pooled connection keeps what its last write set)."""
    info = conn.connection.info
    if info.get("autocheckpoint", AUTOCHECKPOINT_PAGES) != pages:
        conn.exec_driver_sql(f"PRAGMA wal_autocheckpoint = {int(pages)}")
        info["autocheckpoint"] = pages


def _set_cache(dbapi_connection: Any, info: dict[str, Any], kib: int) -> None:
    """Give the connection a page cache of ``kib``, unless it has it already. A smaller size
    frees the pages over it at once (SQLite's page cache evicts down to its new limit)."""
    if info.get("cache_kib", PAGE_CACHE_KIB) != kib:
        dbapi_connection.execute(f"PRAGMA cache_size = -{int(kib)}")
        info["cache_kib"] = kib


COPY_STEP_PAGES = 4096
"""Pages copied between two reports of a copy's progress (16 MiB at SQLCipher's 4 KiB)."""


def copy_database(
    source: Path,
    target: Path,
    data_key: bytes,
    *,
    progress: Callable[[int, int], None] | None = None,
) -> None:
    """A consistent, keyed copy of ``source`` at ``target`` through SQLite's backup API.

    Both ends are keyed alike (the API refuses encrypted-to-plain copies); the copy is left
    in rollback-journal mode, fsynced, as one self-contained file. ``progress(done, total)``
    is told the pages copied after every :data:`COPY_STEP_PAGES` of them.
    """
    src = connect(source, data_key)
    dest = sqlcipher3.connect(str(target), isolation_level=None)
    try:
        dest.execute("PRAGMA cipher_log_level = NONE")
        dest.execute(f"PRAGMA key = \"x'{data_key.hex()}'\"")
        # A copy made in steps starts over whenever another connection commits between two
        # of them, which on a store in use (a backup while the application saves) could go
        # on for ever. A read transaction held across the steps fixes the snapshot (WAL):
        # the copy is the store as it was at its start, and commits made meanwhile wait in
        # the WAL for the next copy.
        src.execute("BEGIN")
        src.execute("SELECT count(*) FROM sqlite_master").fetchone()
        if progress is None:
            src.backup(dest)
        else:
            src.backup(
                dest,
                pages=COPY_STEP_PAGES,
                progress=lambda _status, left, total: progress(total - left, total),
            )
        dest.execute("PRAGMA journal_mode = DELETE")
    finally:
        dest.close()
        src.close()
    with open(target, "rb+") as handle:
        os.fsync(handle.fileno())


def ensure_alone(db_path: Path, data_key: bytes) -> None:
    """Take ``db_path`` out of WAL mode, which needs every other connection to it closed: its
    WAL is then folded into it and removed. :class:`StoreInUse` when another window or
    command has the store open. (The next keyed connection puts it back in WAL mode.)"""
    conn = _alone(db_path, data_key)
    conn.close()


def _alone(db_path: Path, data_key: bytes) -> Any:
    conn = sqlcipher3.connect(str(db_path), check_same_thread=False, isolation_level=None)
    try:
        conn.execute("PRAGMA cipher_log_level = NONE")
        conn.execute(f"PRAGMA key = \"x'{data_key.hex()}'\"")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        conn.execute("PRAGMA busy_timeout = 2000")
        try:
            mode = conn.execute("PRAGMA journal_mode = DELETE").fetchone()[0]
        except sqlcipher3.OperationalError:
            mode = "wal"
        if str(mode).lower() != "delete":
            raise StoreInUse(
                "the store is open in another window or command: close it there and try again"
            )
    except BaseException:
        conn.close()
        raise
    return conn


def reencrypt_copy(source: Path, target: Path, data_key: bytes, next_key: bytes) -> None:
    """A copy of ``source`` at ``target`` under ``next_key``, fsynced, for renaming over it.

    ``source`` is first taken out of WAL mode (:func:`ensure_alone`), so that no WAL frame
    under the old key is left to be replayed onto the copy once it is renamed into place.
    (SQLCipher 4 cannot ``PRAGMA rekey`` a WAL database, and a copy renamed into place gives
    the change a single, atomic commit point.)
    """
    src = _alone(source, data_key)
    try:
        dest = sqlcipher3.connect(str(target), isolation_level=None)
        try:
            dest.execute("PRAGMA cipher_log_level = NONE")
            dest.execute(f"PRAGMA key = \"x'{next_key.hex()}'\"")
            src.backup(dest)
            dest.execute("PRAGMA journal_mode = DELETE")
        finally:
            dest.close()
    finally:
        src.close()
    with open(target, "rb+") as handle:
        os.fsync(handle.fileno())


def opens_with(db_path: Path, data_key: bytes) -> bool:
    """Whether ``data_key`` opens ``db_path`` (read only; nothing is written)."""
    try:
        connect(db_path, data_key).close()
    except StoreDamaged:
        return False
    return True
