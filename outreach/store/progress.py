"""Telling a person who waits on a long step (a copy of a large store) how far it has got,
in lines they can read."""

from __future__ import annotations

from collections.abc import Callable

Said = Callable[[str], None]
"""Told, in a line a person can read, what a long step is doing."""


def size_text(count: int) -> str:
    """Bytes as a person reads them: 13.4 GB, 101 MB, 0.2 MB."""
    if count >= 1e9:
        return f"{count / 1e9:.1f} GB"
    return f"{count / 1e6:.0f} MB" if count >= 1e7 else f"{count / 1e6:.1f} MB"


def rising(said: Said, line: Callable[[int], str]) -> Callable[[int, int], None]:
    """A ``progress(done, total)`` that tells ``said`` ``line(percent)`` whenever the whole
    percent done changes: at most 101 lines, however many steps report."""
    shown: list[int] = []

    def progress(done: int, total: int) -> None:
        share = 100 * done // total if total else 100
        if not shown or share != shown[-1]:
            shown.append(share)
            said(line(share))

    return progress
