"""Process-wide settings of the SQLCipher library, made once before any connection is opened.

SQLite keeps statistics of its memory use by default, and every allocation then takes one
mutex shared by all connections in the process. The dashboard reads on two connections at
once, and its sorts and temporary tables allocate for every row (with ``temp_store = MEMORY``,
which keeps plaintext off the disk, each sorted row is its own allocation), so the two readers
queued on that mutex for a third of their time. Nothing in outreach reads those statistics.
Turning them off (``SQLITE_CONFIG_MEMSTATUS``, a documented setting) is only allowed while
the library is shut down, which the Python driver does not offer, so it is made through the
library's own exported functions where the platform exports them (Linux and macOS builds).
Where it cannot be made, nothing changes but speed.
"""

from __future__ import annotations

import ctypes
import logging

import sqlcipher3
from sqlcipher3 import _sqlite3 as _driver

SQLITE_OK = 0
SQLITE_CONFIG_MEMSTATUS = 9
SQLITE_STATUS_MEMORY_USED = 0

_log = logging.getLogger(__name__)
_done: bool | None = None


def _library() -> ctypes.CDLL | None:
    try:
        return ctypes.CDLL(_driver.__file__)
    except (OSError, AttributeError):
        return None


def turn_off_memory_statistics() -> bool:
    """Turn SQLite's memory statistics off for this process; True if they are off.

    Must run before the first connection is opened: the library is shut down and started
    again around the change, which is undefined with a connection open. Every connection
    outreach opens is opened by :mod:`outreach.store.engine`, which calls this as it loads,
    so none can be open yet. Runs once; later calls return the first result. Never raises.
    """
    global _done
    if _done is not None:
        return _done
    _done = False
    lib = _library()
    if lib is None:
        return False
    try:
        # Look every function up before shutting anything down (a Windows build exports none).
        shutdown, config, initialize = (
            lib.sqlite3_shutdown,
            lib.sqlite3_config,
            lib.sqlite3_initialize,
        )
    except AttributeError:
        return False
    if shutdown() != SQLITE_OK:
        return False
    configured = config(ctypes.c_int(SQLITE_CONFIG_MEMSTATUS), ctypes.c_int(0)) == SQLITE_OK
    if initialize() != SQLITE_OK:  # the first connection would start it anyway
        _log.debug("sqlite3_initialize failed after configuring")
    _done = configured and memory_statistics_off()
    return _done


def memory_statistics_off() -> bool:
    """Whether SQLite keeps no memory statistics in this process (its counter stays at 0
    while a connection holds memory)."""
    lib = _library()
    status = getattr(lib, "sqlite3_status64", None)
    if status is None:
        return False
    probe = sqlcipher3.connect(":memory:")
    try:
        probe.execute("CREATE TABLE t (x)")
        probe.execute("INSERT INTO t VALUES (zeroblob(10000))")
        used, highest = ctypes.c_int64(), ctypes.c_int64()
        if status(
            ctypes.c_int(SQLITE_STATUS_MEMORY_USED),
            ctypes.byref(used),
            ctypes.byref(highest),
            ctypes.c_int(0),
        ):
            return False
        return used.value == 0
    finally:
        probe.close()
