"""Coverage on a day and its monthly trend, computed by one grouped SQL query (checks.py).

Definitions: ``outreach/stats/definitions.md`` ("Resident", "Eligible", "Covered",
"Coverage", "Monthly coverage trend").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import text
from sqlmodel import Session

from outreach.errors import ValidationError
from outreach.rules.programme import Programme, load_programme
from outreach.rules.screening import add_months
from outreach.stats.checks import Checked, check
from outreach.stats.period import Period

NO_UNIT = "(no unit)"
"""The ``by_unit`` key for residents whose stay names no unit."""


@dataclass(frozen=True)
class Coverage:
    """Coverage on ``day``: ``rate`` is a percentage (None when nobody is eligible);
    ``by_age_band`` and ``by_unit`` map a band key or unit name to (eligible, covered).
    ``ceased``: the residents the programme applies to, aged 25-64, who are left out of
    ``eligible`` only because they were ceased clinically on or before ``day``."""

    day: date
    eligible: int
    covered: int
    by_age_band: dict[str, tuple[int, int]] = field(default_factory=dict)
    by_unit: dict[str, tuple[int, int]] = field(default_factory=dict)
    ceased: int = 0

    @property
    def rate(self) -> float | None:
        return percent(self.covered, self.eligible)


def percent(numerator: int, denominator: int) -> float | None:
    """numerator / denominator as a percentage, or None when the denominator is 0."""
    return 100.0 * numerator / denominator if denominator else None


def coverage_on(
    session: Session,
    day: date,
    *,
    unit: int | None = None,
    programme: Programme | None = None,
) -> Coverage:
    """Coverage on ``day`` over residents (of ``unit`` if given: the unit of their stay)."""
    return coverage_on_days(session, [day], unit=unit, programme=programme)[0]


def coverage_on_days(
    session: Session,
    days: Sequence[date],
    *,
    unit: int | None = None,
    programme: Programme | None = None,
) -> list[Coverage]:
    """Coverage on each of ``days``, in the order given, from one query."""
    programme = programme or load_programme()
    if not days:
        return []
    checked = check(session, programme=programme, trend_days=days, unit=unit)
    return coverage_from(session, checked, days, programme)


def coverage_from(
    session: Session, checked: Checked, days: Sequence[date], programme: Programme
) -> list[Coverage]:
    """Coverage on each of ``days`` from the trend cells of ``checked``."""
    names = unit_names(session)
    rows = checked.cells
    totals: dict[str, dict[str, list[int]]] = {}
    by_band: dict[str, dict[str, list[int]]] = {}
    by_unit: dict[str, dict[str, list[int]]] = {}
    for d, band, unit_id, eligible, covered, ceased in rows:
        unit_name = names.get(unit_id, NO_UNIT) if unit_id is not None else NO_UNIT
        for table, key in ((totals, ""), (by_band, band), (by_unit, unit_name)):
            cell = table.setdefault(d, {}).setdefault(key, [0, 0, 0])
            cell[0] += eligible
            cell[1] += covered
            cell[2] += ceased
    result = []
    for day in days:
        iso = day.isoformat()
        total = totals.get(iso, {}).get("", [0, 0, 0])
        bands = {key: (0, 0) for key in programme.age_band_keys}
        # A cell of clinically ceased residents alone has nobody eligible: no band or unit.
        bands.update({k: (v[0], v[1]) for k, v in by_band.get(iso, {}).items() if v[0]})
        units = {k: (v[0], v[1]) for k, v in sorted(by_unit.get(iso, {}).items()) if v[0]}
        result.append(Coverage(day, total[0], total[1], bands, units, ceased=total[2]))
    return result


def month_end_days(as_of: date, months: int = 12) -> list[date]:
    """The month ends of the ``months`` calendar months up to and including ``as_of``'s month;
    the last point is ``as_of`` itself (the current month has not ended)."""
    this_month = Period.month(as_of.year, as_of.month)
    days = [
        Period.month(d.year, d.month).end
        for d in (add_months(this_month.start, -n) for n in range(months - 1, 0, -1))
    ]
    return [*days, as_of]


def coverage_trend(
    session: Session,
    as_of: date,
    *,
    months: int = 12,
    unit: int | None = None,
    programme: Programme | None = None,
) -> list[Coverage]:
    """Coverage at each point of :func:`month_end_days`, oldest first."""
    return coverage_on_days(session, month_end_days(as_of, months), unit=unit, programme=programme)


def unit_names(session: Session) -> dict[int, str]:
    return {row[0]: row[1] for row in session.execute(text("SELECT id, name FROM unit"))}


def unit_id(session: Session, name: str) -> int:
    """The id of the unit called ``name``; ValueError naming the known units otherwise."""
    found = session.execute(text("SELECT id FROM unit WHERE name = :name"), {"name": name}).first()
    if found is None:
        known = ", ".join(sorted(unit_names(session).values())) or "none yet"
        raise ValidationError("unit", f"no unit named {name!r} (known: {known})")
    return int(found[0])
