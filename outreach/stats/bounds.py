"""Day-by-day bounds for the SQL measures, computed in Python with the rules' own date
arithmetic and handed to SQLite as one JSON parameter.

SQLite's ``date(D, '-42 months')`` normalises overflowing days forward (31 August minus 6
months gives 2 or 3 March) while ``rules.screening.add_months`` clamps to the month end
(28 or 29 February). Rather than re-implement the clamp in SQL, every month-based bound is
computed here with ``add_months`` for each day measured; SQL only compares ISO date strings.

For each day D and each age band [a, z] of the programme the row is::

    [D, band key, dob_after, dob_upto, window_start]

- ``dob_after  = add_months(D, -12 * (z + 1))``: born after it  <=> age on D <= z
- ``dob_upto   = add_months(D, -12 * a)``:       born on or before <=> age on D >= a
- ``window_start = add_months(D, -coverage_months)``: an adequate test taken after it and on
  or before D covers the person on D.

The first two are ``rules.screening.age_on`` exactly: age_on(dob, D) >= n exactly when
dob <= add_months(D, -12 n) (a 29 February birthday counts from 1 March).
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import date

from outreach.queries import born_by
from outreach.rules.programme import Programme
from outreach.rules.screening import add_months


def band_rows(programme: Programme, days: Iterable[date]) -> list[list[str]]:
    """One row per (day, age band): ``[day, band, dob_after, dob_upto, window_start]``."""
    rows: list[list[str]] = []
    for day in days:
        for band in programme.age_bands:
            rows.append(
                [
                    day.isoformat(),
                    band.key,
                    born_by(band.max_age + 1, day).isoformat(),
                    born_by(band.min_age, day).isoformat(),
                    add_months(day, -band.coverage_months).isoformat(),
                ]
            )
    return rows


def band_json(programme: Programme, days: Iterable[date]) -> str:
    """:func:`band_rows` as the JSON text the SQL reads with ``json_each``."""
    return json.dumps(band_rows(programme, days), separators=(",", ":"))
