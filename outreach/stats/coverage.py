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

# The measures below check people on a few days each. Every check is one row, so what a row
# costs decides the speed: a lookup in an on-disk index costs about as much as everything else
# in the row together, and far less when the lookups come in person order (the pages they need
# are then already in the cache, decrypted). So:
# - ``span``: the stays overlapping [first, last] (a range of ix_stay_until_arrived, whose
#   expression coalesce(left_on, '9999-12-31') must be written exactly so), sorted by person;
# - ``ceased``: the first clinical ceasing of each person ceased by ``last``: few rows, read
#   from one range of ix_screening_event_on_person (migration 0005);
# - ``facts``: one row per stay, in that order, with what is known of the person once: date of
#   birth, the first clinical ceasing, and the latest adequate test up to the stay's last
#   possible check day. When that test is no later than the stay's first possible check day
#   (max(arrived_on, first)), it is the latest test on every day checked, and the check needs
#   no lookup at all (``settled``); otherwise each check looks its tests up itself. ``shared``:
#   another stay of the person begins during this one (see COVERAGE_SQL).
# Callers add ``grid(d)`` (and for ``bands``, see bounds.py) and name :first and :last.
BANDS_CTE = """
bands(d, band, dob_after, dob_upto, window_start) AS MATERIALIZED (
    SELECT value ->> 0, value ->> 1, value ->> 2, value ->> 3, value ->> 4
    FROM json_each(:bands)
)"""

FACTS_CTE = f"""
span(id, person_id, unit_id, arrived_on, until) AS MATERIALIZED (
    SELECT id, person_id, unit_id, arrived_on, coalesce(left_on, '9999-12-31') FROM stay
    WHERE coalesce(left_on, '9999-12-31') > :first AND arrived_on <= :last
    ORDER BY +person_id
),
ceased(person_id, first_on) AS MATERIALIZED (
    SELECT person_id, min(occurred_on) FROM screening_event
    WHERE programme = :programme AND event = 'ceased' AND occurred_on <= :last
      AND reason IN ({_CLINICAL})
    GROUP BY person_id
),
facts(id, person_id, unit_id, arrived_on, until, dob, ceased_on, latest, shared) AS MATERIALIZED (
    SELECT s.id, s.person_id, s.unit_id, s.arrived_on, s.until, p.date_of_birth,
        ceased.first_on,
        (SELECT e.occurred_on FROM screening_event e
         WHERE e.person_id = s.person_id AND e.programme = :programme AND e.event = 'test'
           AND e.occurred_on <= :last AND e.occurred_on < s.until AND {ADEQUATE.format(e="e")}
         ORDER BY e.occurred_on DESC LIMIT 1),
        EXISTS (
            SELECT 1 FROM stay l
            WHERE l.person_id = s.person_id AND l.arrived_on >= s.arrived_on
              AND l.arrived_on < s.until AND l.id != s.id
        )
    FROM span s CROSS JOIN person p ON p.id = s.person_id
    LEFT JOIN ceased ON ceased.person_id = s.person_id
    WHERE p.has_cervix != 'no'
)"""

# Covered on c.d, for a check ``c`` (person_id, d, latest, settled) in age band ``b``.
COVERED = f"""CASE WHEN c.settled THEN coalesce(c.latest > b.window_start, 0) ELSE EXISTS (
    SELECT 1 FROM screening_event e
    WHERE e.person_id = c.person_id AND e.programme = :programme AND e.event = 'test'
      AND e.occurred_on > b.window_start AND e.occurred_on <= c.d
      AND {ADEQUATE.format(e="e")}) END"""

# Eligible on c.d: in an age band on that day and not clinically ceased by then (the
# programme applies: ``facts`` holds no one without a cervix).
ELIGIBLE_JOIN = """CROSS JOIN bands b ON b.d = c.d AND c.dob > b.dob_after AND c.dob <= b.dob_upto
    WHERE c.ceased_on IS NULL OR c.ceased_on > c.d"""

# Residents on each grid day; someone with overlapping stays counts once, in the unit of the
# stay that began last (ties: the later-recorded stay): a stay's check is dropped when a later
# stay of the same person is resident that day, which needs a lookup only for the rare stays
# that another stay of the person begins during.
COVERAGE_SQL = f"""
WITH {BANDS_CTE},
grid(d) AS MATERIALIZED (SELECT value FROM json_each(:days)),
{FACTS_CTE},
checks(person_id, unit_id, d, dob, ceased_on, latest, settled) AS (
    SELECT f.person_id, f.unit_id, g.d, f.dob, f.ceased_on, f.latest,
        f.latest IS NULL OR f.latest <= max(f.arrived_on, :first)
    FROM facts f CROSS JOIN grid g ON g.d >= f.arrived_on AND g.d < f.until
    WHERE (:unit IS NULL OR f.unit_id = :unit)
      AND NOT (f.shared AND EXISTS (
        SELECT 1 FROM stay l
        WHERE l.person_id = f.person_id AND l.arrived_on >= f.arrived_on AND l.arrived_on <= g.d
          AND l.id != f.id AND (l.arrived_on > f.arrived_on OR l.id > f.id)
          AND coalesce(l.left_on, '9999-12-31') > g.d
      ))
)
SELECT d, band, unit_id, count(*), sum(covered) FROM (
    SELECT c.d, b.band, c.unit_id, {COVERED} AS covered
    FROM checks c
    {ELIGIBLE_JOIN}
    -- LIMIT keeps this a co-routine, so ``covered`` is worked out in person order rather
    -- than after the sort for GROUP BY.
    LIMIT -1
)
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
