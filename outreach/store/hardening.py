"""Keep an open store's key and records out of core dumps.

A core dump of a process with an open store would hold the data key, the passphrase and
every record it had read (one from the landed code held 4,048 names). While a store is open
the process turns core dumps off (``RLIMIT_CORE`` 0, where the platform has it) and, on Linux,
marks itself not dumpable (``PR_SET_DUMPABLE`` 0), which also keeps other processes of the same
user from reading its memory through ``/proc`` or a debugger. Neither is undone: a process
that has held the key keeps them until it ends (the application replaces itself at lock, see
``outreach/tui/app.py``).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys

PR_SET_DUMPABLE = 4
PR_GET_DUMPABLE = 3

_done = False


def no_core_dumps() -> None:
    """Turn core dumps off for this process (idempotent; best effort where unsupported)."""
    global _done
    if _done:
        return
    try:
        import resource
    except ImportError:  # Windows: no core files; crash dumps are off unless configured
        pass
    else:
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
    if sys.platform.startswith("linux"):
        libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
        libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)
    _done = True


def dumpable() -> bool | None:
    """Whether the kernel would dump this process's core (Linux); None elsewhere."""
    if not sys.platform.startswith("linux"):
        return None
    libc = ctypes.CDLL(ctypes.util.find_library("c"), use_errno=True)
    return bool(libc.prctl(PR_GET_DUMPABLE, 0, 0, 0, 0))
