"""Coverage on a day and its monthly trend, computed by one grouped SQL query.

Definitions: ``outreach/stats/definitions.md`` ("Resident", "Eligible", "Covered",
"Coverage", "Monthly coverage trend").
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date

from sqlalchemy import text
from sqlmodel import Session

from outreach.rules.programme import Programme, load_programme
from outreach.rules.screening import add_months
from outreach.stats.bounds import band_json, days_json
from outreach.stats.period import Period

NO_UNIT = "(no unit)"
"""The ``by_unit`` key for residents whose stay names no unit."""

CLINICAL_CEASE_REASONS = ("no_cervix", "radiotherapy")
"""Reasons of a ``ceased`` event that remove a person from the coverage denominator (as
``outreach.services.screening.CLINICAL_CEASE_REASONS``); informed choice, other reasons and a
missing reason keep the person counted, as in the NHS definition."""
_CLINICAL = ", ".join(f"'{reason}'" for reason in CLINICAL_CEASE_REASONS)

# An adequate test, as rules.screening.TestResult.is_adequate: an HPV negative or positive
# result, or (history with no HPV result) a cytology result other than inadequate.
ADEQUATE = (
    "({e}.hpv IN ('negative', 'positive') OR "
    "({e}.hpv IS NULL AND {e}.cytology IS NOT NULL AND {e}.cytology != 'inadequate'))"
)

# Shared CTEs: ``bands`` holds the per-day age and window bounds (see bounds.py); ``status``
# reads ``checks(person_id, unit_id, d)`` (defined by each caller) and keeps the checks where
# the person is eligible on d, with ``covered`` 1 or 0.
BANDS_CTE = """
bands(d, band, dob_after, dob_upto, window_start) AS MATERIALIZED (
    SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4
    FROM json_each(:bands)
)"""

STATUS_CTE = f"""
status(person_id, unit_id, d, band, covered) AS (
    SELECT c.person_id, c.unit_id, c.d, b.band,
        EXISTS (
            SELECT 1 FROM screening_event e
            WHERE e.person_id = c.person_id AND e.programme = :programme AND e.event = 'test'
              AND e.occurred_on > b.window_start AND e.occurred_on <= c.d
              AND {ADEQUATE.format(e="e")}
        )
    FROM checks c
    JOIN person p ON p.id = c.person_id
    JOIN bands b ON b.d = c.d AND p.date_of_birth > b.dob_after AND p.date_of_birth <= b.dob_upto
    WHERE p.has_cervix != 'no'
      AND NOT EXISTS (
        SELECT 1 FROM screening_event x
        WHERE x.person_id = c.person_id AND x.programme = :programme AND x.event = 'ceased'
          AND x.occurred_on <= c.d AND x.reason IN ({_CLINICAL})
      )
)"""

# Residents on each grid day; a person with overlapping stays counts once, in the unit of the
# stay that began last (SQLite takes bare columns from the row holding the max()). Only stays
# overlapping [first, last] are read: a range of ix_stay_until_arrived (migration 0003), whose
# expression coalesce(left_on, '9999-12-31') must be written exactly so here.
RESIDENT_CTE = """
grid(d) AS MATERIALIZED (SELECT value FROM json_each(:days)),
checks(person_id, unit_id, d) AS (
    SELECT person_id, unit_id, d FROM (
        SELECT s.person_id, s.unit_id, g.d,
            max(s.arrived_on || printf('%012d', s.id)) AS latest
        FROM stay s CROSS JOIN grid g
        WHERE coalesce(s.left_on, '9999-12-31') > :first AND s.arrived_on <= :last
          AND s.arrived_on <= g.d AND coalesce(s.left_on, '9999-12-31') > g.d
        GROUP BY s.person_id, g.d
    )
    WHERE :unit IS NULL OR unit_id = :unit
)"""

COVERAGE_SQL = f"""
WITH {BANDS_CTE},{RESIDENT_CTE},{STATUS_CTE}
SELECT d, band, unit_id, count(*) AS eligible, sum(covered) AS covered
FROM status
GROUP BY d, band, unit_id
"""


@dataclass(frozen=True)
class Coverage:
    """Coverage on ``day``: ``rate`` is a percentage (None when nobody is eligible);
    ``by_age_band`` and ``by_unit`` map a band key or unit name to (eligible, covered)."""

    day: date
    eligible: int
    covered: int
    by_age_band: dict[str, tuple[int, int]] = field(default_factory=dict)
    by_unit: dict[str, tuple[int, int]] = field(default_factory=dict)

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
    names = unit_names(session)
    rows = session.execute(
        text(COVERAGE_SQL),
        {
            "days": days_json(sorted(set(days))),
            "first": min(days).isoformat(),
            "last": max(days).isoformat(),
            "bands": band_json(programme, sorted(set(days))),
            "programme": programme.key,
            "unit": unit,
        },
    ).all()
    totals: dict[str, dict[str, list[int]]] = {}
    by_band: dict[str, dict[str, list[int]]] = {}
    by_unit: dict[str, dict[str, list[int]]] = {}
    for d, band, unit_id, eligible, covered in rows:
        unit_name = names.get(unit_id, NO_UNIT) if unit_id is not None else NO_UNIT
        for table, key in ((totals, ""), (by_band, band), (by_unit, unit_name)):
            cell = table.setdefault(d, {}).setdefault(key, [0, 0])
            cell[0] += eligible
            cell[1] += covered
    result = []
    for day in days:
        iso = day.isoformat()
        total = totals.get(iso, {}).get("", [0, 0])
        bands = {key: (0, 0) for key in programme.age_band_keys}
        bands.update({k: (v[0], v[1]) for k, v in by_band.get(iso, {}).items()})
        units = {k: (v[0], v[1]) for k, v in sorted(by_unit.get(iso, {}).items())}
        result.append(Coverage(day, total[0], total[1], bands, units))
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
        raise ValueError(f"unit: no unit named {name!r} (known: {known})")
    return int(found[0])
