"""Figures derived from the records and kept in the store (kept month coverage, kept monthly
conversation counts, a region's kept sums): how they are written and how ``outreach check``
counts them afresh.

Derived figures are no change anyone made: they are written after a read, in a write of their
own with no audit row (``Store.write(derived=True)``), and only when no change was saved since
the read. Each such write is one call to :func:`keep_unless_changed`; each check line is one
call to :func:`recounted`, most of them worded by :func:`agreement`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import text
from sqlmodel import Session

from outreach.store.engine import make_engine
from outreach.store.layout import DATA

if TYPE_CHECKING:
    from outreach.store.store import Store

Finding = tuple[bool, str]
"""One line of ``outreach check``: (ok, what it found)."""


def keep_unless_changed(
    store: Store, statement: str, rows: Sequence[Mapping[str, Any]], seen: int | None
) -> bool:
    """Run ``statement`` (an ``INSERT OR REPLACE`` with named parameters) once for each of
    ``rows``, in one derived write, unless a change has been saved since a read that saw
    ``seen`` as the newest audit row (the rows may then be out of date, and are dropped).
    Whether they were kept. Nothing to keep, or a busy, read-only or full store, keeps nothing
    and says nothing: the figures are counted again next time."""
    if not rows:
        return False
    try:
        with store.write(derived=True) as session:
            newest = session.execute(text("SELECT max(id) FROM audit")).scalar_one_or_none()
            if newest != seen:
                return False
            session.execute(text(statement), list(rows))
    except Exception:  # busy, read-only or full: the figures are derived, counted next time
        return False
    return True


def recounted(
    folder: Path, data_key: bytes, finding: Callable[[Session], Finding], *, failing: str
) -> Finding:
    """``finding`` worked out on a connection of its own to the store in ``folder``, which it
    leaves closed; when the store is too damaged for it to finish, (False, ``failing`` and the
    error)."""
    engine = make_engine(folder / DATA, data_key, pool_size=1)
    try:
        with Session(engine) as session:
            return finding(session)
    except Exception as exc:  # a damaged store can make the count itself fail
        return False, f"{failing}: {type(exc).__name__}: {exc}"
    finally:
        engine.dispose()


def agreement(count: int, wrong: Sequence[str], kept: str) -> Finding:
    """The check line for ``count`` kept ``kept`` (say "kept months") of which those named in
    ``wrong`` differ from counting afresh: the first five are named."""
    if wrong:
        named = ", ".join(wrong[:5])
        return False, f"{len(wrong)} of {count} {kept} differ from counting afresh: {named}"
    if not count:
        return True, "none kept yet"
    return True, f"{count} {kept} agree with counting afresh"
