"""The additive conversation counts of ended months, kept in the store (``month_activity``,
migration 0023) so that a year's figures do not read every conversation of its ended months
again.

A month's counts (conversations by kind, setting and outcome with their minutes and
attendees; by mentor; by barrier raised) read only the conversations held in that month and
their mentor and barrier rows, and they add up: a period's count is the sum of its months'.
The triggers of migration 0023 remove a kept month whenever a change touches one of its
conversations (before or after the change), in the same transaction, so a kept month is
what counting afresh would give. Counts of distinct people (people reached, people raising a
barrier) do not add up across months and are always counted over the whole period.

Months are kept only once they have ended, after a dashboard or an export has read them, in a
derived write that checks first that no change was saved since the read, as
``outreach.stats.month_cache`` keeps coverage cells; :func:`verify` counts them afresh for
``outreach check``.
"""

from __future__ import annotations

import calendar
import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import text
from sqlmodel import Session

from outreach.model.outreach_log import HOME_PROGRAMME
from outreach.queries import addressed, addressed_first, outer, param, sql
from outreach.store.derived import Finding, agreement, keep_unless_changed, recounted
from outreach.store.store import Store

_ADDRESSED = addressed(outer("c"), param("programme"))
_FIRST = addressed_first(outer("c"), param("programme"))

# The additive counts of each month in [:start, :stop] of the conversations that addressed
# :programme (migration 0024), tagged with the figure they belong to. Held: the conversations
# whose first programme it is straight from ix_conversation_on_cover (kind, setting, outcome,
# minutes, attendees and programme are in the index), with the outcome of each that addressed
# it further. Mentors: those conversations joined to their rows. Barriers: the conversation's
# own where the programme is its first, its further programme's rows otherwise.
MONTHLY_SQL = f"""
SELECT 'held', substr(occurred_on, 1, 7), kind, setting, outcome,
    count(*), sum(minutes), sum(attendees)
FROM (
    SELECT c.occurred_on, c.kind, c.setting, c.outcome, c.minutes, c.attendees
    FROM conversation c INDEXED BY ix_conversation_on_cover
    WHERE c.occurred_on >= :start AND c.occurred_on <= :stop AND {sql(_FIRST)}
    UNION ALL
    SELECT c.occurred_on, c.kind, c.setting, cp.outcome, c.minutes, c.attendees
    FROM conversation_programme cp CROSS JOIN conversation c ON c.id = cp.conversation_id
    WHERE cp.programme = :programme AND c.occurred_on >= :start AND c.occurred_on <= :stop
)
GROUP BY 2, kind, setting, outcome
UNION ALL
SELECT 'mentor', substr(c.occurred_on, 1, 7), cm.mentor_id, NULL, NULL,
    count(*), coalesce(sum(c.minutes), 0), NULL
FROM conversation c INDEXED BY ix_conversation_on_cover
    CROSS JOIN conversation_mentor cm ON cm.conversation_id = c.id
WHERE c.occurred_on >= :start AND c.occurred_on <= :stop AND ({sql(_ADDRESSED)})
GROUP BY 2, cm.mentor_id
UNION ALL
SELECT 'barrier', month, code, NULL, NULL, count(DISTINCT conversation_id), NULL, NULL
FROM (
    SELECT substr(c.occurred_on, 1, 7) AS month, b.code, b.conversation_id
    FROM conversation c INDEXED BY ix_conversation_on_cover
    CROSS JOIN conversation_barrier b ON b.conversation_id = c.id
    WHERE c.occurred_on >= :start AND c.occurred_on <= :stop AND {sql(_FIRST)}
    UNION ALL
    SELECT substr(c.occurred_on, 1, 7), b.code, b.conversation_id
    FROM conversation c INDEXED BY ix_conversation_on_cover
    CROSS JOIN conversation_programme_barrier b
        ON b.conversation_id = c.id AND b.programme = :programme
    WHERE c.occurred_on >= :start AND c.occurred_on <= :stop AND NOT {sql(_FIRST)}
)
GROUP BY month, code
"""

RULES = hashlib.sha256(MONTHLY_SQL.encode()).hexdigest()[:16]
"""A fingerprint of the statement that counts a month: months counted by an older version of
it are never read."""


@dataclass
class MonthCounts:
    """Additive conversation counts of a span of days (one month, or a sum of months).

    ``held``: (kind, setting, outcome) -> [conversations, minutes, attendees];
    ``mentors``: mentor id -> [conversations, minutes]; ``barriers``: code -> conversations
    raising it."""

    held: dict[tuple[str, str, str], list[int]] = field(default_factory=dict)
    mentors: dict[int, list[int]] = field(default_factory=dict)
    barriers: dict[str, int] = field(default_factory=dict)

    def add(self, other: MonthCounts) -> None:
        """Add ``other``'s counts to these."""
        for key, (n, minutes, attendees) in other.held.items():
            old = self.held.setdefault(key, [0, 0, 0])
            old[0], old[1], old[2] = old[0] + n, old[1] + minutes, old[2] + attendees
        for mentor, (n, minutes) in other.mentors.items():
            was = self.mentors.setdefault(mentor, [0, 0])
            was[0], was[1] = was[0] + n, was[1] + minutes
        for code, n in other.barriers.items():
            self.barriers[code] = self.barriers.get(code, 0) + n

    def to_json(self) -> str:
        return json.dumps(
            {
                "held": sorted([*key, *value] for key, value in self.held.items()),
                "mentors": sorted([mentor, *value] for mentor, value in self.mentors.items()),
                "barriers": sorted([code, n] for code, n in self.barriers.items()),
            },
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, raw: str) -> MonthCounts:
        data = json.loads(raw)
        return cls(
            held={(k, s, o): [int(n), int(m), int(a)] for k, s, o, n, m, a in data["held"]},
            mentors={int(i): [int(n), int(m)] for i, n, m in data["mentors"]},
            barriers={str(code): int(n) for code, n in data["barriers"]},
        )


def month_key(day: date) -> str:
    return f"{day:%Y-%m}"


def month_days(month: str) -> tuple[date, date]:
    """The first and last day of ``YYYY-MM``."""
    year, number = int(month[:4]), int(month[5:7])
    return date(year, number, 1), date(year, number, calendar.monthrange(year, number)[1])


def months_in(start: date, stop: date) -> list[str]:
    """The months with a day in [start, stop], in order."""
    months = []
    year, number = start.year, start.month
    while (year, number) <= (stop.year, stop.month):
        months.append(f"{year:04d}-{number:02d}")
        year, number = (year + 1, 1) if number == 12 else (year, number + 1)
    return months


def count_months(
    session: Session, start: date, stop: date, programme: str = HOME_PROGRAMME
) -> dict[str, MonthCounts]:
    """The counts of each month with a conversation about ``programme`` in [start, stop],
    counted now."""
    found: dict[str, MonthCounts] = {}
    rows = session.execute(
        text(MONTHLY_SQL),
        {"start": start.isoformat(), "stop": stop.isoformat(), "programme": programme},
    )
    for part, month, key, setting, outcome, n, minutes, attendees in rows:
        counts = found.setdefault(month, MonthCounts())
        if part == "held":
            counts.held[(key, setting, outcome)] = [int(n), int(minutes), int(attendees)]
        elif part == "mentor":
            counts.mentors[int(key)] = [int(n), int(minutes)]
        else:
            counts.barriers[key] = int(n)
    return found


def kept(session: Session, months: Iterable[str]) -> dict[str, MonthCounts]:
    """The kept counts of those of ``months`` that are kept."""
    wanted = sorted(set(months))
    if not wanted:
        return {}
    rows = session.execute(
        text(
            "SELECT month, counts FROM month_activity WHERE rules = :rules "
            "AND month IN (SELECT value FROM json_each(:months))"
        ),
        {"rules": RULES, "months": json.dumps(wanted)},
    ).all()
    return {str(month): MonthCounts.from_json(counts) for month, counts in rows}


@dataclass(frozen=True)
class Summed:
    """The counts of a span of days, and ``fresh``: the months that may be kept (ended, and
    wholly in the span) that were counted now rather than read kept."""

    counts: MonthCounts
    fresh: dict[str, MonthCounts]


@dataclass(frozen=True)
class Plan:
    """What a period's additive counts need beyond the kept months: ``from_store``, the kept
    months read; ``count_from``, the first day whose conversations must be counted now (a day
    after ``stop`` when none must); ``keepable``, the months that may be kept once counted
    (ended, wholly in the span, cervical screening's)."""

    from_store: dict[str, MonthCounts]
    count_from: date
    keepable: tuple[str, ...]

    def summed(self, counted: dict[str, MonthCounts]) -> Summed:
        """The span's counts, given ``counted``: the counts by month of the conversations
        on or after :attr:`count_from` (:data:`MONTHLY_SQL`'s, or the same counts read with
        the period's other figures)."""
        total = MonthCounts()
        for counts in self.from_store.values():
            total.add(counts)
        for month, counts in counted.items():
            if month not in self.from_store:
                total.add(counts)
        fresh = {m: counted.get(m, MonthCounts()) for m in self.keepable}
        return Summed(total, fresh)


def plan_counts(
    session: Session, start: date, stop: date, today: date, programme: str = HOME_PROGRAMME
) -> Plan:
    """The kept months of [start, stop] for ``programme`` and what is left to count. Only
    cervical screening's months (the first programme of every conversation before 0024, and of
    most since) are kept; any other programme's are counted afresh each time, and none is
    offered to keep."""
    if programme != HOME_PROGRAMME:
        return Plan({}, start, ())
    whole = [
        month
        for month in months_in(start, stop)
        if month_days(month)[0] >= start
        and month_days(month)[1] <= stop
        and month_days(month)[1] < today
    ]
    from_store = kept(session, whole)
    missing = [m for m in months_in(start, stop) if m not in from_store]
    # From the first month not kept: usually only the running month is left to count.
    count_from = max(start, month_days(missing[0])[0]) if missing else stop + timedelta(days=1)
    return Plan(from_store, count_from, tuple(m for m in whole if m not in from_store))


def keep(store: Store, fresh: dict[str, MonthCounts], seen: int | None) -> bool:
    """Keep ``fresh`` months, counted by a read that saw ``seen`` as the newest audit row,
    unless a change has been saved since. Whether they were kept. A busy or read-only store
    keeps nothing and says nothing: the months are counted again next time."""
    if not fresh:
        return False
    rows = [
        {"month": month, "rules": RULES, "counts": counts.to_json()}
        for month, counts in sorted(fresh.items())
    ]
    return keep_unless_changed(
        store,
        "INSERT OR REPLACE INTO month_activity (month, rules, counts) "
        "VALUES (:month, :rules, :counts)",
        rows,
        seen,
    )


def verify(session: Session) -> tuple[int, list[str]]:
    """How many months are kept, and those whose kept counts differ from counting afresh."""
    months = [
        str(row[0])
        for row in session.execute(
            text("SELECT month FROM month_activity WHERE rules = :r ORDER BY month"),
            {"r": RULES},
        )
    ]
    if not months:
        return 0, []
    stored = kept(session, months)
    afresh = count_months(session, month_days(months[0])[0], month_days(months[-1])[1])
    wrong = [m for m in months if stored[m].to_json() != afresh.get(m, MonthCounts()).to_json()]
    return len(months), wrong


def check_finding(folder: Path, data_key: bytes) -> Finding:
    """``outreach check``'s line on the kept monthly conversation counts: (ok, what it found)."""

    def finding(session: Session) -> Finding:
        count, wrong = verify(session)
        return agreement(count, wrong, "kept months")

    return recounted(folder, data_key, finding, failing="could not count")
