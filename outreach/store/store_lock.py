"""Who has a store open: a shared lock for every process using it, exclusive for whatever
replaces or rewrites it, and a note of each holder beside it.

The lock is an operating-system file lock on ``.store.lock`` in the store folder, taken with
`portalocker` (``flock`` on Linux and macOS, ``LockFileEx`` on Windows, where shared locks
come from its ``win32`` extra). The system drops it when the process ends, however it ends,
so a killed process never leaves a store locked.

Each holder also writes one small JSON file into ``.store.lock.holders/``: account, host,
process id, what it is doing and since when (never anything about a resident). A holder keeps
its own file under a shared lock; a file that another process can lock exclusively belongs to
a process that has gone, and is removed when next read.

Nothing here waits for long: a lock that cannot be had within ``wait`` seconds is refused
with :class:`StoreLocked`, whose message names who holds it and since when.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import socket
import sys
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Literal

import portalocker

from outreach.store.errors import StoreLocked

LOCK_FILE = ".store.lock"
HOLDERS_DIR = ".store.lock.holders"
# A holder file this young may belong to a process still between creating and locking it.
STALE_AFTER_S = 5.0
DEFAULT_WAIT_S = 2.0
POLL_S = 0.05

Mode = Literal["shared", "exclusive"]


@dataclass(frozen=True)
class Holder:
    """One process holding a store's lock, as its holder file describes it."""

    account: str | None
    host: str
    pid: int
    purpose: str
    mode: Mode
    since: datetime

    def describe(self) -> str:
        """``ana on laptop-3 (process 4242, outreach tui) since 10:03``."""
        who = self.account or "someone"
        return f"{who} on {self.host} (process {self.pid}, {self.purpose}) since {when(self.since)}"


def when(moment: datetime) -> str:
    """A time as a person reads it: local ``HH:MM`` today, with the date on other days."""
    local = moment.astimezone()
    if local.date() == datetime.now().astimezone().date():
        return local.strftime("%H:%M")
    return local.strftime("%Y-%m-%d %H:%M")


def default_purpose() -> str:
    """``outreach <command>`` from the command line (a subcommand name only, never a value)."""
    words = [a for a in sys.argv[1:3] if a.isidentifier()]
    return f"outreach {words[0]}" if words else "outreach"


class StoreLock:
    """A lock held on one store folder; :meth:`release` (or leaving ``with``) lets it go."""

    def __init__(self, folder: Path, mode: Mode, account: str | None, purpose: str) -> None:
        self.folder = folder
        self.mode: Mode = mode
        self.account = account
        self.purpose = purpose
        self._handle: IO[bytes] | None = None
        self._note: IO[bytes] | None = None
        self._note_path: Path | None = None
        self._guard = threading.Lock()

    @property
    def held(self) -> bool:
        return self._handle is not None

    # -- taking and giving back ------------------------------------------------------------
    def _acquire(self, wait: float) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        handle = _open_lock_file(self.folder / LOCK_FILE)
        try:
            _lock(handle, self.mode, wait, self.folder, self.purpose)
        except BaseException:
            handle.close()
            raise
        self._handle = handle
        # The note is a courtesy: the lock itself is what protects the store.
        with contextlib.suppress(OSError):
            self._write_note()

    def release(self) -> None:
        """Give the lock back and remove this holder's note; safe to call twice."""
        with self._guard:
            self._drop_note()
            handle, self._handle = self._handle, None
            if handle is not None:
                with contextlib.suppress(OSError, portalocker.LockException):
                    portalocker.unlock(handle)
                handle.close()

    def __enter__(self) -> StoreLock:
        return self

    def __exit__(self, *exc: object) -> None:
        self.release()

    # -- changing mode ---------------------------------------------------------------------
    def downgrade(self, purpose: str | None = None) -> None:
        """Turn an exclusive lock into a shared one (the store stays open, others may join)."""
        with self._guard:
            handle = self._handle
            if self.mode == "shared" or handle is None:
                return
            self._convert(
                handle, "shared", DEFAULT_WAIT_S, purpose or self.purpose, after_failure=True
            )
            self.mode = "shared"
            self.purpose = purpose or self.purpose
            self._drop_note()
            with contextlib.suppress(OSError):
                self._write_note()

    @contextlib.contextmanager
    def exclusive(
        self, purpose: str | None = None, *, wait: float = DEFAULT_WAIT_S
    ) -> Iterator[None]:
        """Hold this lock exclusively for the block, then shared again.

        Raises :class:`StoreLocked` (and keeps the shared lock) while any other process has
        the store open. For a process that already holds the shared lock, such as an open
        :class:`~outreach.store.store.Store` about to migrate or rekey its store.
        """
        if self.mode == "exclusive":
            yield
            return
        with self._guard:
            handle = self._handle
            if handle is None:
                raise StoreLocked(f"the lock on {self.folder} was already given back", [])
            shared_purpose = self.purpose
            # This holder's own note goes first, so that a refusal names only the others.
            self._drop_note()
            try:
                self._convert(handle, "exclusive", wait, purpose or self.purpose)
            except StoreLocked:
                self._convert(handle, "shared", wait, shared_purpose, after_failure=True)
                with contextlib.suppress(OSError):
                    self._write_note()
                raise
            self.mode = "exclusive"
            self.purpose = purpose or self.purpose
            with contextlib.suppress(OSError):
                self._write_note()
        try:
            yield
        finally:
            with self._guard:
                self._convert(handle, "shared", wait, shared_purpose, after_failure=True)
                self.mode = "shared"
                self.purpose = shared_purpose
                self._drop_note()
                with contextlib.suppress(OSError):
                    self._write_note()

    def _convert(
        self,
        handle: IO[bytes],
        mode: Mode,
        wait: float,
        purpose: str,
        *,
        after_failure: bool = False,
    ) -> None:
        # Windows cannot change a lock's kind in place, and Linux may drop the old lock when a
        # change fails: either way, take the new kind from nothing.
        with contextlib.suppress(OSError, portalocker.LockException):
            portalocker.unlock(handle)
        try:
            _lock(handle, mode, wait, self.folder, purpose)
        except StoreLocked:
            if after_failure:
                # Someone took the store exclusively in the instant between: this process no
                # longer holds it, and every later write is stopped by the store's identity
                # check instead.
                self._handle = None
                handle.close()
            raise

    # -- the holder's note -----------------------------------------------------------------
    def _write_note(self) -> None:
        notes = self.folder / HOLDERS_DIR
        notes.mkdir(mode=0o700, exist_ok=True)
        path = notes / f"{os.getpid()}-{secrets.token_hex(4)}.json"
        body = {
            "account": self.account,
            "host": socket.gethostname(),
            "pid": os.getpid(),
            "purpose": self.purpose,
            "mode": self.mode,
            "since": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0), 0o600)
        note = os.fdopen(fd, "wb")
        try:
            note.write(json.dumps(body).encode("utf-8"))
            note.flush()
            portalocker.lock(
                note, portalocker.LockFlags.SHARED | portalocker.LockFlags.NON_BLOCKING
            )
        except BaseException:
            note.close()
            path.unlink(missing_ok=True)
            raise
        self._note, self._note_path = note, path

    def _drop_note(self) -> None:
        note, path = self._note, self._note_path
        self._note = self._note_path = None
        if note is not None:
            with contextlib.suppress(OSError, portalocker.LockException):
                portalocker.unlock(note)
            note.close()
        if path is not None:
            with contextlib.suppress(OSError):
                path.unlink(missing_ok=True)


def shared(
    folder: Path,
    account: str | None,
    *,
    purpose: str | None = None,
    wait: float = DEFAULT_WAIT_S,
) -> StoreLock:
    """Take the shared lock every process holds while it has the store in ``folder`` open.

    Waits at most ``wait`` seconds for an exclusive holder (a restore, a migration) to finish,
    then raises :class:`StoreLocked` naming it. Release the returned lock when done.
    """
    lock = StoreLock(folder, "shared", account, purpose or default_purpose())
    lock._acquire(wait)
    return lock


def exclusive(
    folder: Path,
    account: str | None,
    *,
    purpose: str | None = None,
    wait: float = DEFAULT_WAIT_S,
) -> StoreLock:
    """Take ``folder``'s lock exclusively, for work that replaces or rewrites the store.

    While any other process (or another open store in this one) holds it, waits at most
    ``wait`` seconds and then raises :class:`StoreLocked` naming who has it open and since
    when; nothing has been changed then. Use as ``with exclusive(...):``.
    """
    lock = StoreLock(folder, "exclusive", account, purpose or default_purpose())
    lock._acquire(wait)
    return lock


def holders(folder: Path) -> list[Holder]:
    """Who holds ``folder``'s lock now, oldest first, by their notes; stale notes are removed."""
    notes = folder / HOLDERS_DIR
    try:
        paths = sorted(notes.glob("*.json"))
    except OSError:
        return []
    found: list[Holder] = []
    for path in paths:
        holder = _read_note(path)
        if holder is not None:
            found.append(holder)
    found.sort(key=lambda h: h.since)
    return found


def _read_note(path: Path) -> Holder | None:
    try:
        with open(path, "rb") as note:
            raw = note.read()
            if _is_stale(path, note):
                note.close()
                with contextlib.suppress(OSError):
                    path.unlink()
                return None
    except OSError:
        return None
    try:
        body = json.loads(raw.decode("utf-8"))
        mode: Mode = "exclusive" if body["mode"] == "exclusive" else "shared"
        return Holder(
            account=str(body["account"]) if body.get("account") is not None else None,
            host=str(body["host"]),
            pid=int(body["pid"]),
            purpose=str(body["purpose"]),
            mode=mode,
            since=datetime.fromisoformat(body["since"]),
        )
    except (ValueError, KeyError, TypeError):
        return None


def _is_stale(path: Path, note: IO[bytes]) -> bool:
    try:
        if time.time() - path.stat().st_mtime < STALE_AFTER_S:
            return False
        portalocker.lock(note, portalocker.LockFlags.EXCLUSIVE | portalocker.LockFlags.NON_BLOCKING)
    except (OSError, portalocker.LockException):
        return False
    with contextlib.suppress(OSError, portalocker.LockException):
        portalocker.unlock(note)
    return True


def _open_lock_file(path: Path) -> IO[bytes]:
    fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_BINARY", 0), 0o600)
    return os.fdopen(fd, "r+b")


def _lock(handle: IO[bytes], mode: Mode, wait: float, folder: Path, purpose: str) -> None:
    flags = portalocker.LockFlags.SHARED if mode == "shared" else portalocker.LockFlags.EXCLUSIVE
    deadline = time.monotonic() + max(wait, 0.0)
    while True:
        try:
            portalocker.lock(handle, flags | portalocker.LockFlags.NON_BLOCKING)
            return
        except portalocker.AlreadyLocked:
            if time.monotonic() >= deadline:
                break
            time.sleep(POLL_S)
    raise StoreLocked(refusal(folder, mode, purpose), holders(folder))


def refusal(folder: Path, wanted: Mode, purpose: str) -> str:
    """Why a lock was refused, naming every other holder and since when."""
    everyone = holders(folder)
    host, pid = socket.gethostname(), os.getpid()
    others = [h for h in everyone if not (h.pid == pid and h.host == host)]
    mine = [h for h in everyone if h.pid == pid and h.host == host]
    listed = others or mine
    names = "; ".join(h.describe() for h in listed) or "another program (it left no note of who)"
    if wanted == "exclusive":
        if not others and mine:
            return (
                f"{purpose} needs the store in {folder} to itself, but this program has it "
                f"open too ({names}): close it first. Nothing was changed"
            )
        return (
            f"{purpose} needs the store in {folder} to itself, but it is open elsewhere: "
            f"{names}. Close it there and try again. Nothing was changed"
        )
    return (
        f"the store in {folder} is being replaced or rewritten: {names}. "
        "Try again when that has finished"
    )
