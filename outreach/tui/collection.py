"""Python's cycle collector paused while the application starts.

Start-up creates tens of thousands of objects that live as long as the process (modules,
classes, functions, SQLAlchemy's tables and Textual's styles) and frees few; the collector walks
them again and again while they are made, a tenth of start-up's CPU. ``outreach open`` and
``outreach demo`` pause it (:func:`pause_collection`) until the first dashboard is drawn or the
passphrase screen has done its imports, and at the latest :data:`LONGEST_PAUSE_S` later.
Reference counting frees almost everything meanwhile; only cycles wait.
"""

from __future__ import annotations

import gc
import threading

LONGEST_PAUSE_S = 10.0

_lock = threading.Lock()
_paused = False
_pauses = 0  # counts pauses, so that a pause's timer never ends a later one


def pause_collection(longest: float = LONGEST_PAUSE_S) -> None:
    """Stop the cycle collector until :func:`resume_collection`, and for ``longest`` seconds
    at most. Does nothing when it is already stopped (by this or anything else)."""
    global _paused, _pauses
    with _lock:
        if _paused or not gc.isenabled():
            return
        gc.disable()
        _paused = True
        _pauses += 1
        this = _pauses
    timer = threading.Timer(longest, _resume, args=(this,))
    timer.daemon = True
    timer.start()


def resume_collection() -> None:
    """Start the cycle collector again if :func:`pause_collection` stopped it; otherwise do
    nothing (a collector stopped by something else stays stopped)."""
    _resume(None)


def _resume(pause: int | None) -> None:
    global _paused
    with _lock:
        if _paused and pause in (None, _pauses):
            _paused = False
            gc.enable()
