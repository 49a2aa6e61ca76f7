"""Giving the memory that big reads and writes freed back to the system.

A year's dashboard, an import or an export at a million people has SQLite sort and hold
hundreds of thousands of rows in memory (``temp_store = MEMORY`` keeps them off the disk),
on two threads at once for the dashboard. When they end, the C library keeps what they freed
for later allocations, in one pool per thread, and a pool holds on to it even when the next
allocations are another thread's. The process then stays near its highest mark, and the next
big read stacks its own peak on top: at 1,000,000 people the second year's dashboard peaked at
307 MB after the first had freed 64 MB it kept, and an import at 317 MB (``python -m
outreach.bench.memory``). glibc's ``malloc_trim`` (a documented function of the C library
on Linux, which outreach calls through ctypes) gives every pool's free pages back: 1 ms after
a dashboard at 200,000 people. Elsewhere (macOS, other C libraries) nothing is done.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import sys
from typing import Any

_trim: Any = None
_looked = False


def _malloc_trim() -> Any:
    global _trim, _looked
    if not _looked:
        _looked, _trim = True, None
        if sys.platform.startswith("linux"):
            try:
                _trim = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6").malloc_trim
                _trim.argtypes = [ctypes.c_size_t]
                _trim.restype = ctypes.c_int
            except (OSError, AttributeError):
                _trim = None
    return _trim


def give_back_freed_memory() -> bool:
    """Return the free pages the C library holds to the system; whether it could be asked
    (glibc only). Never raises; costs about a millisecond."""
    trim = _malloc_trim()
    if trim is None:
        return False
    trim(0)
    return True
