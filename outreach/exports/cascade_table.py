"""The aggregate table of a testing programme's export (a cascade programme's file in
``schema/programmes/``), built from :mod:`outreach.stats.cascade` in the caller's read
transaction.

Measures, each a row of the table (``<key>`` is a stage or measure key from the file):

- ``cohort``: people the cascade follows (receptions, or people first tested, in the period);
- ``stage_<key>``: people who reached the stage, out of those who reached the stage before
  (the cohort, for the first);
- ``stage_<key>_days``: the median days from the stage before (from the cohort's day for the
  first), published only from enough people (the policy's minimum);
- ``stage_<key>_on_time``: of those who reached the stage, those within the file's standard
  (``within_days``), where it sets one;
- ``measure_<key>``: the file's headline measures, with ``measure_<key>_target`` and the
  people still needed (``measure_<key>_target_needed``) where it sets a target;
- ``coverage``: coverage on the last day of the period, where the file defines it;
- ``national_<measure>``: the national figure the file compares with.

Every count goes through the same disclosure policy and breakdown rule as any export
(``table.py``, ``secondary.py``): nothing here publishes a figure.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date

from sqlmodel import Session

from outreach.exports.builder import national_source, site_table
from outreach.exports.equity_rows import export_breakdown
from outreach.exports.measures import MeasureInfo
from outreach.exports.table import AggregateTable
from outreach.rules.cascade import COHORT, COVERAGE, CascadeProgramme
from outreach.stats.cascade import cascade, coverage
from outreach.stats.period import Period

_NAME = re.compile(r"[a-z][a-z0-9_]*")
"""What a part name of a long-form figure (``stage_tested.offered``) may be."""


def stage_measure(key: str) -> str:
    """The measure id of the cascade stage ``key``."""
    return f"stage_{key}"


def headline_measure(key: str) -> str:
    """The measure id of the programme's headline measure ``key``."""
    return f"measure_{key}"


def build_cascade_table(
    session: Session,
    programme: CascadeProgramme,
    period: Period,
    *,
    as_of: date,
    by: Sequence[str] = (),
) -> AggregateTable:
    """The exact figures of ``programme`` for ``period``, read up to ``as_of``; with ``by``
    (breakdown names: ``unit`` and the equity fields), the cohort, every stage, on-time
    rate, headline measure and coverage broken down by each too."""
    table = site_table(session, programme.key, programme.title, period, as_of)
    table.catalogue = catalogue(programme)
    national = programme.national
    if national.measure == COVERAGE:
        table.national_coverage = national.value
        table.national_coverage_source = national_source(
            national.area, national.as_of, national.source
        )
    figures = cascade(session, programme, period, as_of=as_of).overall
    table.count("cohort", figures.cohort)
    for stage in figures.stages:
        name = stage_measure(stage.key)
        table.rate(name, stage.count, stage.of)
        # The median of n copies of the median is the median: the policy's minimum number of
        # values then decides whether it may be published, as for days_to_test.
        table.median(
            f"{name}_days", () if stage.median_days is None else (stage.median_days,) * stage.count
        )
        if stage.on_time is not None:
            table.rate(f"{name}_on_time", stage.on_time, stage.count)
    for measure in figures.measures:
        name = headline_measure(measure.key)
        table.rate(name, measure.numerator, measure.denominator)
        if measure.target is not None:
            table.set_value(f"{name}_target", measure.target)
            table.needed(
                f"{name}_target_needed",
                measure.target,
                name,
                measure.numerator,
                measure.denominator,
            )
    cover = coverage(session, programme, period.end)
    if cover is not None:
        table.rate(COVERAGE, cover.covered, cover.eligible)
    if national.measure != COVERAGE:
        table.set_value(f"national_{national.measure}", national.value)
    for name in by:
        _broken_down(table, session, programme, period, as_of, name)
    return table


def _broken_down(
    table: AggregateTable,
    session: Session,
    programme: CascadeProgramme,
    period: Period,
    as_of: date,
    name: str,
) -> None:
    """Every count of the table again for each group of the breakdown ``name``: each person
    is in one group, so each breakdown adds up to its total (and is withheld whole by the
    breakdown rule when one of its cells is small)."""
    split = export_breakdown(name)
    figures = cascade(session, programme, period, as_of=as_of, breakdown=split.by)
    groups = split.categories(figures.groups)
    for code, label in groups:
        counts = figures.groups.get(code)
        table.count("cohort", 0 if counts is None else counts.cohort, split.name, label)
    for index, stage in enumerate(programme.stages):
        measure = stage_measure(stage.key)
        for code, label in groups:
            counts = figures.groups.get(code)
            got = None if counts is None else counts.stages[index]
            table.rate(measure, got.count if got else 0, got.of if got else 0, split.name, label)
        if stage.within_days is None:
            continue
        for code, label in groups:
            counts = figures.groups.get(code)
            got = None if counts is None else counts.stages[index]
            on_time = got.on_time if got and got.on_time is not None else 0
            table.rate(f"{measure}_on_time", on_time, got.count if got else 0, split.name, label)
    for index, headline in enumerate(programme.measures):
        measure = headline_measure(headline.key)
        for code, label in groups:
            counts = figures.groups.get(code)
            figure = None if counts is None else counts.measures[index]
            table.rate(
                measure,
                figure.numerator if figure else 0,
                figure.denominator if figure else 0,
                split.name,
                label,
            )
    cover = coverage(session, programme, period.end, breakdown=split.by)
    if cover is not None:
        for code, label in split.categories(cover.groups):
            eligible, covered = cover.groups.get(code, (0, 0))
            table.rate(COVERAGE, covered, eligible, split.name, label)


def catalogue(programme: CascadeProgramme) -> dict[str, MeasureInfo]:
    """What each measure of ``programme``'s export is called and means, from its file."""
    found: dict[str, MeasureInfo] = {
        "cohort": MeasureInfo(
            "People followed"
            + (" (receptions)" if programme.cohort_from == "arrival" else " (first tested)"),
            "Each reception (arrival) in the period of someone in the programme's ages, "
            "followed until the stay ended"
            if programme.cohort_from == "arrival"
            else "Each person in the programme's ages whose first "
            f"'{programme.stages[0].label}' fell in the period, followed from that day",
        )
    }
    before = COHORT
    for stage in programme.stages:
        name = stage_measure(stage.key)
        of = "cohort" if before == COHORT else programme.stage(before).label
        previous = "the cohort" if before == COHORT else f"'{of}'"
        found[name] = MeasureInfo(
            f"{stage.label} (% of {of})",
            f"People who reached '{stage.label}' by the as-of date, out of those who reached "
            f"{previous}.",
            _part(stage.key, "reached"),
            _part(before, "previous"),
        )
        found[f"{name}_days"] = MeasureInfo(
            f"Days to {stage.label.lower()} (median)",
            f"For the people who reached '{stage.label}', the median days from {previous}.",
        )
        if stage.within_days is not None:
            found[f"{name}_on_time"] = MeasureInfo(
                f"{stage.label} within {stage.within_days} days (%)",
                f"Of the people who reached '{stage.label}', those who reached it within "
                f"{stage.within_days} days of {previous}.",
                "on_time",
                _part(stage.key, "reached"),
            )
        before = stage.key
    for measure in programme.measures:
        name = headline_measure(measure.key)
        of = (
            "the cohort"
            if measure.denominator == COHORT
            else (f"'{programme.stage(measure.denominator).label}'")
        )
        found[name] = MeasureInfo(
            f"{measure.label} (%)",
            f"People who reached '{programme.stage(measure.numerator).label}' out of {of}.",
            _part(measure.numerator, "reached"),
            _part(measure.denominator, "denominator"),
        )
        if measure.target is not None:
            found[f"{name}_target"] = MeasureInfo(
                f"{measure.label}: target (%)",
                f"The programme's target: {measure.target_source or 'set in its file'}.",
            )
            found[f"{name}_target_needed"] = MeasureInfo(
                f"{measure.label}: more people needed to reach the target",
                "The target times the denominator, rounded up, less the numerator; worked out "
                "from the published counts, and * when either of them is.",
            )
    if programme.coverage is not None:
        found[COVERAGE] = MeasureInfo(
            f"{programme.coverage.label} (%)",
            f"Eligible residents on the last day of the period with "
            f"'{programme.steps[programme.coverage.step].label}' within "
            f"{programme.coverage.months} months before that day.",
            "covered",
            "eligible",
        )
    national = programme.national
    if national.measure != COVERAGE:
        found[f"national_{national.measure}"] = MeasureInfo(
            f"National figure: {programme.measure(national.measure).label} (%)",
            f"{national.area}, {national.as_of:%B %Y}: {national.source}.",
        )
    return found


def _part(key: str, fallback: str) -> str:
    """``key`` as the name of a rate's part in long-form figures, when it can be one."""
    return key if _NAME.fullmatch(key) else fallback
