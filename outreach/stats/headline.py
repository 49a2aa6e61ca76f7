"""The dashboard's headline: coverage on a day against the coverage targets, read first.

:func:`headline` reads only what the top of the dashboard shows (one coverage statement and
the targets), so it can be drawn before the trend, reach and barriers, which
:func:`outreach.stats.dashboard.dashboard` reads with everything else.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from outreach.model.enums import TargetMeasure
from outreach.rules.programme import Programme, load_programme
from outreach.stats.coverage import Coverage, coverage_on
from outreach.stats.progress import TargetProgress, progress
from outreach.stats.targets import targets_in
from outreach.store.store import Store


@dataclass(frozen=True)
class Headline:
    """Coverage on ``as_of`` (with its cells by unit) and progress towards each coverage
    target: ``site`` for the whole site (None when none is set), ``by_unit`` keyed by unit
    name."""

    as_of: date
    coverage: Coverage
    site: TargetProgress | None
    by_unit: dict[str, TargetProgress]


def headline(store: Store, *, as_of: date, programme: Programme | None = None) -> Headline:
    """Coverage on ``as_of`` and the coverage targets, from one read transaction. A unit's
    target is measured on that unit's residents, as the full dashboard measures it."""
    programme = programme or load_programme()
    with store.read() as session:
        cov = coverage_on(session, as_of, programme=programme)
        site: TargetProgress | None = None
        by_unit: dict[str, TargetProgress] = {}
        for target in targets_in(session, programme=programme.key):
            if target.measure != TargetMeasure.coverage:
                continue
            if target.unit_id is None:
                site = progress(
                    target, numerator=cov.covered, denominator=cov.eligible, as_of=as_of
                )
                continue
            assert target.unit is not None
            eligible, covered = cov.by_unit.get(target.unit, (0, 0))
            if target.unit not in cov.by_unit:
                unit_cov = coverage_on(session, as_of, unit=target.unit_id, programme=programme)
                eligible, covered = unit_cov.eligible, unit_cov.covered
            by_unit[target.unit] = progress(
                target, numerator=covered, denominator=eligible, as_of=as_of
            )
    return Headline(as_of=as_of, coverage=cov, site=site, by_unit=by_unit)
