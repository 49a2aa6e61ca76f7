"""A cascade programme's figures: the cascade of a period stage by stage (count, rate, time
from the stage before and how many met the standard), its headline measures against their
targets, and coverage on a day where the programme defines it. Any measure can be broken
down (:data:`outreach.queries.cascade.BREAKDOWNS`).

Definitions: ``outreach/stats/definitions.md`` ("Cascade"). The statements are built from
the programme's file by :mod:`outreach.queries.cascade`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from statistics import median
from typing import Any

from sqlmodel import Session, col, select

from outreach.clock import today
from outreach.model import Target
from outreach.queries.cascade import breakdown_named, covered_on, stage_days
from outreach.rules.cascade import COHORT, COVERAGE, CascadeProgramme
from outreach.stats.coverage import percent
from outreach.stats.period import Period
from outreach.stats.programme_talks import ProgrammeConversations, programme_conversations
from outreach.store.store import Store

StageRow = tuple[date, Sequence[date | None]]
"""One cohort member: the cohort's day, then the day each stage was reached (or None)."""


@dataclass(frozen=True)
class StageFigure:
    """People who reached a stage: ``count`` of the ``of`` who reached the stage before (the
    cohort, for the first); ``days`` from the stage before, as a median; ``on_time``: those
    reached within the stage's standard (None when it sets none)."""

    key: str
    label: str
    count: int
    of: int
    median_days: float | None
    within_days: int | None
    on_time: int | None

    @property
    def rate(self) -> float | None:
        return percent(self.count, self.of)

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label,
            "count": self.count,
            "of": self.of,
            "rate": self.rate,
            "median_days": self.median_days,
            "within_days": self.within_days,
            "on_time": self.on_time,
        }


@dataclass(frozen=True)
class MeasureFigure:
    """A headline measure: ``numerator`` of ``denominator`` people, against its target."""

    key: str
    label: str
    numerator: int
    denominator: int
    target: float | None

    @property
    def rate(self) -> float | None:
        return percent(self.numerator, self.denominator)

    def to_json(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "label": self.label,
            "numerator": self.numerator,
            "denominator": self.denominator,
            "rate": self.rate,
            "target": self.target,
        }


@dataclass(frozen=True)
class CascadeCounts:
    """One cascade (the whole cohort, or one group of a breakdown)."""

    cohort: int
    stages: tuple[StageFigure, ...]
    measures: tuple[MeasureFigure, ...]

    def stage(self, key: str) -> StageFigure:
        return next(s for s in self.stages if s.key == key)

    def measure(self, key: str) -> MeasureFigure:
        return next(m for m in self.measures if m.key == key)

    def to_json(self) -> dict[str, Any]:
        return {
            "cohort": self.cohort,
            "stages": [s.to_json() for s in self.stages],
            "measures": [m.to_json() for m in self.measures],
        }


@dataclass(frozen=True)
class Cascade:
    """A period's cascade, read up to ``as_of``; ``groups`` by the breakdown's group when one
    was asked for (None: people in no group)."""

    programme: str
    period: Period
    as_of: date
    overall: CascadeCounts
    breakdown: str | None = None
    groups: dict[str | None, CascadeCounts] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        return {
            "programme": self.programme,
            "period": self.period.label,
            "as_of": self.as_of.isoformat(),
            **self.overall.to_json(),
            "breakdown": self.breakdown,
            "groups": {str(k): v.to_json() for k, v in self.groups.items()},
        }


@dataclass(frozen=True)
class CascadeCoverage:
    """Coverage on ``day``: ``covered`` of ``eligible`` residents, and by group."""

    day: date
    eligible: int
    covered: int
    groups: dict[str | None, tuple[int, int]] = field(default_factory=dict)

    @property
    def rate(self) -> float | None:
        return percent(self.covered, self.eligible)

    def to_json(self) -> dict[str, Any]:
        return {
            "day": self.day.isoformat(),
            "eligible": self.eligible,
            "covered": self.covered,
            "rate": self.rate,
            "groups": {str(k): list(v) for k, v in self.groups.items()},
        }


def cascade(
    session: Session,
    programme: CascadeProgramme,
    period: Period,
    *,
    as_of: date,
    breakdown: str | None = None,
) -> Cascade:
    """The cascade of everyone the programme's cohort takes in ``period`` (read up to
    ``as_of``), with its measures; split by ``breakdown`` (a name in ``BREAKDOWNS``) too."""
    split = breakdown_named(breakdown)
    stop = min(period.end, as_of)
    statement = stage_days(programme, start=period.start, stop=stop, as_of=as_of, breakdown=split)
    rows: dict[str | None, list[StageRow]] = {}
    for group, day0, *days in session.exec(statement).all():  # type: ignore[call-overload]
        start = _day(day0)
        assert start is not None  # every cohort member has a day
        rows.setdefault(group, []).append((start, [_day(d) for d in days]))
    everyone = [row for members in rows.values() for row in members]
    targets = site_targets(session, programme)
    return Cascade(
        programme=programme.key,
        period=period,
        as_of=as_of,
        overall=counts_of(programme, everyone, targets),
        breakdown=breakdown,
        groups={group: counts_of(programme, members, targets) for group, members in rows.items()}
        if split
        else {},
    )


def site_targets(session: Session, programme: CascadeProgramme) -> dict[str, float]:
    """The site's own targets for the programme's measures (``outreach targets set
    --programme``), by measure key; a measure without one keeps its file's target."""
    rows = session.exec(
        select(Target.measure, Target.value).where(
            Target.programme == programme.key, col(Target.unit_id).is_(None)
        )
    ).all()
    return {measure: value for measure, value in rows}


def counts_of(
    programme: CascadeProgramme,
    rows: Iterable[StageRow],
    targets: Mapping[str, float] | None = None,
) -> CascadeCounts:
    """The cascade counted from each member's stage days (what :func:`cascade` reads), each
    measure against ``targets`` (the site's own) or else its file's target."""
    members = list(rows)
    targets = targets or {}
    stages: list[StageFigure] = []
    reached: dict[str, int] = {COHORT: len(members)}
    for index, stage in enumerate(programme.stages):
        gaps = []
        for day0, days in members:
            if days[index] is None:
                continue
            since = day0 if index == 0 else days[index - 1]
            assert since is not None
            gaps.append((days[index] - since).days)  # type: ignore[operator]
        of = len(members) if index == 0 else stages[-1].count
        within = stage.within_days
        stages.append(
            StageFigure(
                key=stage.key,
                label=stage.label,
                count=len(gaps),
                of=of,
                median_days=float(median(gaps)) if gaps else None,
                within_days=within,
                on_time=None if within is None else sum(1 for gap in gaps if gap <= within),
            )
        )
        reached[stage.key] = len(gaps)
    measures = tuple(
        MeasureFigure(
            m.key,
            m.label,
            reached[m.numerator],
            reached[m.denominator],
            targets.get(m.key, m.target),
        )
        for m in programme.measures
    )
    return CascadeCounts(cohort=len(members), stages=tuple(stages), measures=measures)


def coverage(
    session: Session, programme: CascadeProgramme, day: date, *, breakdown: str | None = None
) -> CascadeCoverage | None:
    """Coverage on ``day`` as the programme defines it; None when it defines none."""
    if programme.coverage is None:
        return None
    split = breakdown_named(breakdown)
    groups: dict[str | None, tuple[int, int]] = {}
    for group, eligible, covered in session.exec(  # type: ignore[call-overload]
        covered_on(programme, day, breakdown=split)
    ).all():
        groups[group] = (int(eligible), int(covered))
    return CascadeCoverage(
        day=day,
        eligible=sum(e for e, _ in groups.values()),
        covered=sum(c for _, c in groups.values()),
        groups=groups if split else {},
    )


def national_gap(
    programme: CascadeProgramme, figures: Cascade, cover: CascadeCoverage | None
) -> float | None:
    """The site's figure for the national comparison's measure, in percentage points above
    (or below, negative) the national figure; None while there is no figure."""
    national = programme.national
    if national.measure == COVERAGE:
        rate = cover.rate if cover is not None else None
    else:
        rate = figures.overall.measure(national.measure).rate
    return None if rate is None else rate - national.value


def _day(value: Any) -> date | None:
    if value is None or isinstance(value, date):
        return value
    return date.fromisoformat(str(value))


@dataclass(frozen=True)
class ProgrammeFigures:
    """Everything shown for a cascade programme: its cascade over a period, coverage on the
    day read (where the programme defines it) and the national comparison."""

    programme: CascadeProgramme
    cascade: Cascade
    coverage: CascadeCoverage | None
    conversations: ProgrammeConversations | None = None
    """The period's conversations about the programme (None where not read)."""

    @property
    def national_gap(self) -> float | None:
        """Points above (negative: below) the national figure; None with no figure yet."""
        return national_gap(self.programme, self.cascade, self.coverage)

    def to_json(self) -> dict[str, Any]:
        national = self.programme.national
        return {
            "programme": self.programme.key,
            "title": self.programme.title,
            "cascade": self.cascade.to_json(),
            "coverage": None if self.coverage is None else self.coverage.to_json(),
            "conversations": None if self.conversations is None else self.conversations.to_json(),
            "national": {
                "measure": national.measure,
                "value": national.value,
                "as_of": national.as_of.isoformat(),
                "area": national.area,
                "source": national.source,
                "gap": self.national_gap,
            },
        }


def programme_figures(
    store: Store,
    programme: CascadeProgramme,
    *,
    as_of: date | None = None,
    period: Period | None = None,
    breakdown: str | None = None,
) -> ProgrammeFigures:
    """The programme's figures, read in one transaction: the cascade of ``period`` (default:
    the calendar year holding ``as_of``, default today) and coverage on ``as_of``."""
    day = as_of or today()
    chosen = period or Period.year(day.year)
    with store.read() as session:
        return ProgrammeFigures(
            programme=programme,
            cascade=cascade(session, programme, chosen, as_of=day, breakdown=breakdown),
            coverage=coverage(session, programme, day, breakdown=breakdown),
            conversations=programme_conversations(session, programme, chosen, as_of=day),
        )
