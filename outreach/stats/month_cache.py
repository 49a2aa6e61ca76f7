"""The coverage cells of ended months, kept in the store (``month_coverage``, migration 0015)
so that the trend does not check every resident of every past month end again.

Coverage on a month end D reads only stays, people's birth dates and cervix, and screening
events dated on or before D. Once D has passed, a figure for D changes only when one of those
changes, and the triggers of migration 0015 remove every kept month end on or after the
earliest date such a change touches, in the same transaction. So a kept month end is what
counting afresh would give, and a conversation logged today (or any other write) keeps them
all. Only month ends before today are kept: the current month has not ended.

Cells are written after a dashboard or an export has read them, in a write of their own that
checks first that no change was saved since the read (every change writes an audit row: the
newest audit row must be the one the read saw). They are derived data, not a record anyone
made, so on purpose that write has no audit row and is not counted in ``Store.commits``
(``Store.write(derived=True)``: screens do not refresh for it); :func:`verify` counts them
afresh for ``outreach check``.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import cast

from sqlalchemy import text
from sqlmodel import Session

from outreach.rules.programme import Programme
from outreach.stats.checks import CHECKS_SQL, Checked, check
from outreach.store.derived import Finding, agreement, keep_unless_changed, recounted
from outreach.store.store import Store

Cell = tuple[str, str, int | None, int, int, int]
"""(day, band, unit id, eligible, covered, ceased), as :attr:`Checked.cells`."""


def rules_key(programme: Programme) -> str:
    """A fingerprint of everything a coverage cell depends on besides the data: the
    programme's age bands and windows, and the statement that counts them (so cells counted
    by an older version of it are never read)."""
    bands = [(b.key, b.min_age, b.max_age, b.coverage_months) for b in programme.age_bands]
    basis = json.dumps([programme.key, bands, CHECKS_SQL])
    return hashlib.sha256(basis.encode()).hexdigest()[:16]


def kept(session: Session, programme: Programme, days: Iterable[date]) -> dict[date, list[Cell]]:
    """The kept cells of those of ``days`` that are kept, under the programme's rules."""
    wanted = sorted({d.isoformat() for d in days})
    if not wanted:
        return {}
    rows = session.execute(
        text(
            "SELECT day, cells FROM month_coverage WHERE programme = :programme "
            "AND rules = :rules AND day IN (SELECT value FROM json_each(:days))"
        ),
        {"programme": programme.key, "rules": rules_key(programme), "days": json.dumps(wanted)},
    ).all()
    found: dict[date, list[Cell]] = {}
    for day, cells in rows:
        iso = str(day)
        found[date.fromisoformat(iso)] = [
            (iso, band, unit, int(n), int(k), int(c)) for band, unit, n, k, c in json.loads(cells)
        ]
    return found


def newest_change(session: Session) -> int | None:
    """The newest audit row ``session`` sees (every saved change writes one), to hand to
    :func:`keep`. Read it first in a read transaction: the first read fixes what the
    transaction sees."""
    return session.execute(text("SELECT max(id) FROM audit")).scalar_one_or_none()


def keepable(days: Iterable[date], today: date) -> list[date]:
    """The days of ``days`` that have passed on ``today``: their figures may be kept."""
    return sorted(d for d in set(days) if d < today)


@dataclass(frozen=True)
class Counted:
    """What a dashboard counted: ``checked`` with every trend day's cells, and ``fresh``, the
    cells of days that may be kept and were counted now (not read from the store)."""

    checked: Checked
    fresh: dict[date, list[Cell]]


def check_with_kept(
    session: Session,
    *,
    programme: Programme,
    trend_days: Sequence[date],
    today: date,
    **reach: object,
) -> Counted:
    """:func:`outreach.stats.checks.check` of ``trend_days`` (and reach, as asked), reading
    the cells of kept month ends instead of counting them."""
    from_store = kept(session, programme, keepable(trend_days, today))
    rest = [d for d in trend_days if d not in from_store]
    reach_days = cast(Sequence[date], reach.get("reach_days", ()))
    if len(set(rest) | set(reach_days)) <= DAYS_AT_ONCE:
        checked = check(session, programme=programme, trend_days=rest, **reach)  # type: ignore[arg-type]
    else:
        checked = _in_parts(session, programme, rest, reach)
    fresh = {d: [] for d in keepable(rest, today)}  # type: dict[date, list[Cell]]
    for cell in checked.cells:
        day = date.fromisoformat(cell[0])
        if day in fresh:
            fresh[day].append(cell)
    cells = [cell for day in sorted(from_store) for cell in from_store[day]] + checked.cells
    return Counted(Checked(cells, checked.uncovered, checked.reached), fresh)


DAYS_AT_ONCE = 4
"""The most days the trend's month ends not kept and reach's check days may have between them
to be counted in one statement. That statement holds its checks of every resident on every
one of those days until it ends: at 1,000,000 people a year's reach with one month end to
count peaked at 327 MB, and a year's first dashboard (12 month ends and reach) at 351 MB.
A month's reach (its first and last days) and today's trend point stay one statement."""


def _in_parts(
    session: Session, programme: Programme, days: Sequence[date], reach: dict[str, object]
) -> Checked:
    """:func:`check` of ``days`` and reach as one statement would give them, counted as
    reach alone (which holds only the people reached) and then :data:`DAYS_AT_ONCE` month
    ends at a time. Each day's cells are counted by the same statement as when all are
    counted together, so kept cells do not depend on how many were counted at once."""
    alone = check(session, programme=programme, **reach)  # type: ignore[arg-type]
    cells = list(alone.cells)
    for start in range(0, len(days), DAYS_AT_ONCE):
        part = check(session, programme=programme, trend_days=days[start : start + DAYS_AT_ONCE])
        cells += part.cells
    return Checked(cells, alone.uncovered, alone.reached, alone.reach_groups)


def keep(
    store: Store, programme: Programme, fresh: dict[date, list[Cell]], seen: int | None
) -> bool:
    """Keep ``fresh`` cells, counted by a read that saw ``seen`` as the newest audit row,
    unless a change has been saved since (then they may be out of date, and are dropped).
    Whether they were kept. A busy or read-only store keeps nothing and says nothing: the
    figures are counted again next time."""
    if not fresh:
        return False
    rules = rules_key(programme)
    rows = [
        {
            "programme": programme.key,
            "day": day.isoformat(),
            "rules": rules,
            "cells": json.dumps([list(cell[1:]) for cell in cells], separators=(",", ":")),
        }
        for day, cells in sorted(fresh.items())
    ]
    return keep_unless_changed(
        store,
        "INSERT OR REPLACE INTO month_coverage (programme, day, rules, cells) "
        "VALUES (:programme, :day, :rules, :cells)",
        rows,
        seen,
    )


def verify(session: Session, programme: Programme) -> tuple[int, list[date]]:
    """How many month ends are kept, and those whose kept cells differ from counting afresh."""
    rows = session.execute(
        text("SELECT day FROM month_coverage WHERE programme = :p AND rules = :r ORDER BY day"),
        {"p": programme.key, "r": rules_key(programme)},
    ).all()
    days = [date.fromisoformat(str(row[0])) for row in rows]
    stored = kept(session, programme, days)
    fresh = check(session, programme=programme, trend_days=days).cells
    counted: dict[date, list[Cell]] = {d: [] for d in days}
    for cell in fresh:
        counted[date.fromisoformat(cell[0])].append(cell)
    wrong = [
        d for d in days if sorted(stored.get(d, []), key=_order) != sorted(counted[d], key=_order)
    ]
    return len(days), wrong


def _order(cell: Cell) -> tuple[str, str, int, int]:
    return (cell[0], cell[1], -1 if cell[2] is None else cell[2], cell[3])


def check_finding(folder: Path, data_key: bytes) -> Finding:
    """``outreach check``'s line on the kept month figures: (ok, what it found)."""
    from outreach.rules.programme import load_programme

    def finding(session: Session) -> Finding:
        count, wrong = verify(session, load_programme())
        return agreement(count, [d.isoformat() for d in wrong], "kept month ends")

    return recounted(folder, data_key, finding, failing="could not count")
