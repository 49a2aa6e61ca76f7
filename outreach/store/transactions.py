"""An unlocked store's hold on its folder: the keyed engine, the account acting, reads, write
transactions with their audit rows (:meth:`OpenStore.action`), the audit head recorded in
keys.json after each write, and closing. :class:`outreach.store.store.Store` builds on it.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Self

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import OperationalError
from sqlmodel import Session

from outreach.model import Role
from outreach.store import audit, keyslots, store_lock
from outreach.store.action import Action
from outreach.store.engine import (
    BUSY_TIMEOUT_MS,
    CHECKPOINT_LATER,
    WRITE,
    is_busy,
    is_disk_full,
    make_engine,
)
from outreach.store.errors import (
    DiskFull,
    NotAllowed,
    StoreBusy,
    StoreReplaced,
)
from outreach.store.heap import give_back_freed_memory
from outreach.store.layout import DATA, KEYS

_HOST = socket.gethostname()


@dataclass(frozen=True)
class Actor:
    """The account acting on an unlocked store."""

    id: int
    name: str
    role: Role


class OpenStore:
    """An unlocked store's connection and account; :class:`~outreach.store.store.Store` adds
    opening, signing keys, accounts and re-keying. Close it (or use it as a context manager)
    to drop the keyed engine."""

    def __init__(
        self,
        folder: Path,
        engine: Engine,
        actor: Actor,
        keyfile: keyslots.KeyFile,
        data_key: bytes,
        next_key: bytes | None = None,
        lock: store_lock.StoreLock | None = None,
        slot_secrets: keyslots.SlotSecrets | None = None,
    ) -> None:
        self.folder = folder
        # Held until close(): other processes see who has the store open, and whatever would
        # replace or rewrite it waits for this one to close (see store_lock).
        self._lock = lock
        # Which data.db this store opened: a write first checks the folder still holds it.
        self._identity = file_identity(folder / DATA)
        # What the acting account's slot seals (its private key, and for admins the key that
        # signs roles): kept to sign new slots and re-seal this one; close() forgets it.
        self._slot_secrets = slot_secrets
        # Signs every audit row this store writes, and the head it records in keys.json: the
        # account's own key from its slot (None while the account has none yet).
        self._signer: audit.Signer | None = (
            audit.Signer(actor.name, slot_secrets.signing)
            if slot_secrets is not None and slot_secrets.signing
            else None
        )
        # Kept in memory only, to wrap new key slots; close() forgets it.
        self._data_key = data_key
        # The key of a re-key that could not be finished yet (data.db is still under
        # _data_key): new slots get it too, so that they open data.db after the re-key.
        self._next_key = next_key
        self.engine = engine
        self.actor = actor
        self._keyfile = keyfile
        self._write_engine = engine.execution_options(**{WRITE: True})
        self._bulk_write_engine = engine.execution_options(**{WRITE: True, CHECKPOINT_LATER: True})
        self._aside_engine: Engine | None = None
        self._aside_lock = threading.Lock()
        # Set at unlock when data.db has lost committed changes that keys.json recorded.
        self.head_warning: str | None = None
        self.commits = 0
        """Write transactions committed through this Store: screens compare it to tell
        whether anything was saved since they last looked."""
        # poll_changes() state: one connection kept for PRAGMA data_version (which counts
        # commits made by every other connection), the newest audit row it has accounted for,
        # and the audit ids this store wrote itself since (so its own saves are not news).
        self._watch_lock = threading.Lock()
        self._watch_conn: Any = None
        self._seen_version: int | None = None
        self._bearings = False
        self._seen_audit = 0
        self._own_audit: list[tuple[int, int]] = []

    # -- paths -----------------------------------------------------------------------------
    @property
    def db_path(self) -> Path:
        return self.folder / DATA

    @property
    def keys_path(self) -> Path:
        return self.folder / KEYS

    # -- reading and writing ----------------------------------------------------------------------
    @contextmanager
    def read(self) -> Iterator[Session]:
        """A session for reading; nothing it does is committed."""
        with Session(self.engine) as session:
            yield session

    @contextmanager
    def read_aside(self) -> Iterator[Session]:
        """A session for reading beside :meth:`read` on another thread, on a connection kept
        for such work alone: its page cache then holds what that work reads from one run to
        the next, instead of what the main reads left there."""
        with self._aside_lock:
            if self._aside_engine is None:
                self._aside_engine = make_engine(self.db_path, self._data_key, pool_size=1)
            engine = self._aside_engine
        with Session(engine) as session:
            yield session

    @contextmanager
    def write(self, *, derived: bool = False, bulk: bool = False) -> Iterator[Session]:
        """One write transaction (BEGIN IMMEDIATE), committed when the block ends cleanly.

        The caller writes its audit row in the same block, so action and audit land together.
        ``derived``: the block writes only figures derived from the records (the kept month
        figures), which are no change anyone made: it writes no audit row (ValueError, rolled
        back, if it does) and is not counted in :attr:`commits`, so screens do not refresh for
        it; ``outreach check`` counts such figures afresh instead.
        A full disk raises :class:`DiskFull`; the transaction is then rolled back whole.
        Another process keeping the write lock past the busy timeout raises
        :class:`StoreBusy` naming who has the store open; a store replaced or moved away
        since it was opened raises :class:`StoreReplaced`. Neither writes anything.
        ``bulk``: the block adds thousands of rows (an import); its commit leaves the WAL for
        :meth:`checkpoint` (which :meth:`close` runs) instead of copying it into data.db
        before returning, as SQLite does after any commit that leaves the WAL over 1,000
        pages. The rows are committed and synced either way.
        """
        mine: tuple[int, str, str] | None = None
        try:
            engine = self._bulk_write_engine if bulk else self._write_engine
            with Session(engine, expire_on_commit=False) as session, session.begin():
                session.info[audit.SIGNER] = self._signer
                # Checked once the write lock is held, so no restore can swap the file between
                # this check and the commit without first waiting for this transaction.
                connection = session.connection()
                self.check_still_here()
                before = _newest_audit(connection)
                yield session
                mine = session.info.get(audit.LAST)
                after = _newest_audit(connection)
                if derived and after != before:
                    raise ValueError("a write of derived figures must not write an audit row")
                if after > before:
                    # Holding the write lock, every row in (before, after] is this store's.
                    with self._watch_lock:
                        self._own_audit.append((before, after))
            if not derived:
                self.commits += 1
        except OperationalError as exc:
            if is_disk_full(exc):
                raise DiskFull(
                    "the disk is full: nothing was saved. Free some space and try again"
                ) from None
            if is_busy(exc):
                raise StoreBusy(busy_message(self.folder)) from None
            raise
        self._record_head(mine)

    def release_idle_caches(self) -> int:
        """Give back the decrypted pages that the connections nobody is using keep (up to
        48 MiB each), and say how many connections that was. For use before a bulk write
        (``run_import`` calls it before it reads the file): once the write commits, each
        other connection drops its whole page cache at its next read anyway (SQLite does so
        in WAL mode whenever another connection has written since), so their memory is
        better spent on the write. After a year's dashboard at 200,000 people this took the
        import that followed from 12 MB over the dashboard's peak to 2 MB over it."""
        released = 0
        with self._aside_lock:
            engines = [e for e in (self.engine, self._aside_engine) if e is not None]
        for engine in engines:
            pool: Any = engine.pool
            # Each idle one is checked out in turn (the pool hands out idle connections
            # first): never one another thread is using. One taken meanwhile by another
            # thread only means a new connection is made and released, empty.
            held = []
            try:
                for _ in range(pool.checkedin()):
                    conn = engine.connect()
                    held.append(conn)
                    conn.exec_driver_sql("PRAGMA shrink_memory")
                    released += 1
            finally:
                for conn in held:
                    conn.close()
        # The pages go back to the C library, which would keep them for the thread that
        # read them (the aside connection's are another thread's): give them to the system.
        give_back_freed_memory()
        return released

    @contextmanager
    def action(
        self,
        name: str,
        *,
        entity: str = "",
        roles: tuple[Role, ...] = (Role.admin, Role.staff),
        bulk: bool = False,
    ) -> Iterator[Action]:
        """One write use case: checks the acting account has one of ``roles`` (NotAllowed
        otherwise), opens one write transaction (:meth:`write`) and, when the block ends
        cleanly, appends the action's audit row (``name``, ``entity``, and the id and fields
        the block gave :meth:`Action.names`) in that transaction, unless the block found
        nothing to change (:meth:`Action.unchanged`). An exception inside the block rolls
        everything back and writes no audit row. ``bulk``: as for :meth:`write`."""
        self.require(*roles)
        with self.write(bulk=bulk) as session:
            act = Action(session, self.actor.id, name, entity)
            yield act
            if not act.audited:
                return
            audit.record(
                session,
                actor_id=self.actor.id,
                action=act.name,
                entity=act.entity,
                entity_id=act.entity_id,
                fields=act.fields,
            )

    def _record_head(self, mine: tuple[int, str, str] | None = None) -> None:
        """Write the newest audit row's id and hash to keys.json, outside data.db: if committed
        changes are later lost (a damaged WAL), opening and ``outreach check`` say so. With
        ``mine`` (the last row this write signed: id, hash, signer), also record it as the
        acting account's newest row, signed: rewriting it later, even into the rewriter's
        own name, no longer matches."""
        with self.read() as session:
            newest = audit.head_row(session)
        if newest is None:
            return
        signer = self._signer
        own = (
            mine
            if mine is not None and signer is not None and mine[2] == signer.name != audit.STORE_KEY
            else None
        )
        with keyslots.keys_locked(self.folder):
            current = keyslots.KeyFile.load(self.keys_path)
            changed = False
            if int(current.audit_head.get("id", 0)) < newest[0]:
                current.audit_head = audit.signed_head(current.store_id, *newest, signer)
                changed = True
            if own is not None and signer is not None:
                recorded = current.account_heads.get(signer.name, {})
                if int(recorded.get("id", 0)) < own[0]:
                    current.account_heads[signer.name] = audit.signed_head(
                        current.store_id, own[0], own[1], signer
                    )
                    changed = True
            if not changed:
                return  # another process recorded this row or a later one
            current.save(self.keys_path)
        self._keyfile.audit_head = dict(current.audit_head)
        self._keyfile.account_heads = dict(current.account_heads)

    def checkpoint(self) -> bool:
        """Copy every committed change from the WAL into data.db and empty the WAL, so that
        damage to the WAL cannot take committed changes with it. False (nothing lost, only
        not done) when another process is reading or writing meanwhile."""
        try:
            with self.engine.connect() as conn:
                busy = conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").first()
        except OperationalError:
            return False
        return busy is not None and busy[0] == 0

    def check_still_here(self) -> None:
        """Raise :class:`StoreReplaced` unless ``data.db`` in the folder is still the file this
        store opened (same device and inode: a restore or a copy by hand makes a new one)."""
        if file_identity(self.db_path) != self._identity:
            raise StoreReplaced(
                f"the store in {self.folder} was replaced or moved while this window had it "
                "open (a restore, a rebuild or a copy by hand): nothing was saved. Close "
                "outreach and open the store again, then make the change again"
            )

    def exclusive(self, purpose: str, *, wait: float = store_lock.DEFAULT_WAIT_S) -> Any:
        """Hold this store's lock exclusively for a block that rewrites the store (a re-key,
        a migration); raises :class:`~outreach.store.errors.StoreLocked` naming who else has
        it open, and changes nothing then."""
        if self._lock is None:
            return contextlib.nullcontext()
        return self._lock.exclusive(purpose, wait=wait)

    def close(self) -> None:
        """Checkpoint the WAL (see :meth:`checkpoint`), drop every keyed connection, forget the
        key and give the store's lock back (used on lock and exit)."""
        if self._data_key:
            self.checkpoint()
        self._drop_connections()
        self._data_key = b""
        self._next_key = None
        self._slot_secrets = None
        if self._lock is not None:
            self._lock.release()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def require(self, *roles: Role) -> None:
        if self.actor.role not in roles:
            wanted = " or ".join(r.value for r in roles)
            raise NotAllowed(f"{self.actor.name} is {self.actor.role.value}; this needs {wanted}")

    def _drop_connections(self) -> None:
        self.engine.dispose()
        with self._aside_lock:
            if self._aside_engine is not None:
                self._aside_engine.dispose()
                self._aside_engine = None
        with self._watch_lock:
            if self._watch_conn is not None:
                self._watch_conn.close()
                self._watch_conn = None
                # data_version counts per connection: the next one starts its own count.
                self._seen_version = None

    def _connect(self, data_key: bytes) -> None:
        self.engine = make_engine(self.db_path, data_key)
        self._write_engine = self.engine.execution_options(**{WRITE: True})
        self._bulk_write_engine = self.engine.execution_options(
            **{WRITE: True, CHECKPOINT_LATER: True}
        )


def busy_message(folder: Path) -> str:
    """What a writer that waited too long is told: the store is busy, and who has it open."""
    others = [
        h for h in store_lock.holders(folder) if not (h.pid == os.getpid() and h.host == _HOST)
    ]
    who = "; ".join(h.describe() for h in others) or "another program"
    return (
        f"the store is busy: it was kept by another writer for more than "
        f"{BUSY_TIMEOUT_MS // 1000} s (open elsewhere: {who}). Nothing was saved; "
        "try again in a moment"
    )


def _newest_audit(connection: Connection) -> int:
    return int(connection.exec_driver_sql("SELECT coalesce(max(id), 0) FROM audit").scalar_one())


def file_identity(path: Path) -> tuple[int, int] | None:
    """The device and inode of ``path`` (None when it does not exist): which file it is."""
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return None
    return info.st_dev, info.st_ino
