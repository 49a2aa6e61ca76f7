"""A cascade programme read from ``schema/programmes/<key>.toml`` (``kind = "cascade"``):
blood-borne virus testing at reception, bowel screening, and any programme of the same shape.

The file names the programme's steps and their results, the follow-ups a step or result
creates, the stages of its cascade (each a step, with the results that reach it and the
timing standard from the stage before), its headline measures, an optional coverage measure
and the national figure to compare with. No Python names a programme: a new file is a new
programme. A malformed file is refused naming the file and the field, as for
:mod:`outreach.rules.programme`.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache
from types import MappingProxyType
from typing import Any, Literal

from outreach.rules.programme import Programme, load_programme, read_programme_file

COHORT = "cohort"
"""The denominator name of a measure counted out of the whole cohort."""
COVERAGE = "coverage"
"""The national figure's measure name when it compares the programme's coverage."""

CohortFrom = Literal["arrival", "first_step"]


@dataclass(frozen=True)
class Step:
    """A step staff record, with the results it carries (code -> label; empty: none)."""

    key: str
    label: str
    results: Mapping[str, str]


@dataclass(frozen=True)
class FollowUpRule:
    """A follow-up a step (with one of ``results``, or any when empty) creates, due ``days``
    after it, completed by a later step named in ``done_by``."""

    after: str
    results: frozenset[str]
    reason: str
    days: int
    done_by: frozenset[str]
    note: str | None

    def applies(self, step: str, result: str | None) -> bool:
        """Whether recording ``step`` with ``result`` creates this follow-up."""
        return step == self.after and (not self.results or result in self.results)


@dataclass(frozen=True)
class Stage:
    """A stage of the cascade: reached by the earliest ``step`` (with one of ``results``; any
    when empty) on or after the day the stage before was reached. ``within_days`` is the
    standard for the days from the stage before (from the cohort's day for the first);
    ``finding`` marks a stage reached by what a test found (``finding = true`` in the file)."""

    key: str
    label: str
    step: str
    results: tuple[str, ...]
    within_days: int | None
    finding: bool = False
    """The stage is what a test found (antibody positive, a reactive test, an abnormal kit),
    not care offered: a group's lower rate there is not a group being missed."""


@dataclass(frozen=True)
class Measure:
    """A headline rate: the people at stage ``numerator`` out of those at ``denominator`` (a
    stage, or :data:`COHORT`), with its target where the file sets one."""

    key: str
    label: str
    numerator: str
    denominator: str
    target: float | None
    target_source: str | None


@dataclass(frozen=True)
class Coverage:
    """Eligible residents on a day with ``step`` (one of ``results``) within ``months``."""

    label: str
    step: str
    results: tuple[str, ...]
    months: int


@dataclass(frozen=True)
class National:
    """The published figure to compare ``measure`` with, and where it came from."""

    measure: str
    value: float
    as_of: date
    area: str
    source: str


@dataclass(frozen=True, eq=False)
class CascadeProgramme:
    """One cascade programme, as read from its file; mappings keep the file's order.

    Compared and hashed by identity: :func:`load_cascade` returns one instance per key.
    """

    key: str
    title: str
    short: str
    min_age: int
    max_age: int
    """Inclusive."""
    cohort_from: CohortFrom
    """``arrival``: each reception in a period, from its day, while the stay lasts;
    ``first_step``: each person whose first cascade step falls in the period, from that day."""
    steps: Mapping[str, Step]
    follow_ups: tuple[FollowUpRule, ...]
    stages: tuple[Stage, ...]
    measures: tuple[Measure, ...]
    coverage: Coverage | None
    national: National
    barrier_codes: Mapping[str, str]

    def stage(self, key: str) -> Stage:
        return next(stage for stage in self.stages if stage.key == key)

    def measure(self, key: str) -> Measure:
        return next(measure for measure in self.measures if measure.key == key)


def load_cascade(key: str) -> CascadeProgramme:
    """The cascade programme ``key``, read once and cached.

    Raises ValueError naming the file and the field when the file is missing, malformed, or
    not a cascade programme.
    """
    return _load(key)


def load_any(key: str) -> Programme | CascadeProgramme:
    """The programme ``key`` of either kind (cervical screening is a recall programme), read
    once and cached like each kind's own loader: it is asked for every conversation of an
    import, and reading and checking the file each time cost about 7 ms a row."""
    if _kind(key) == "cascade":
        return _load(key)
    return load_programme(key)


@cache
def _kind(key: str) -> object:
    _, data = read_programme_file(key)
    return data.get("kind")


@cache
def _load(key: str) -> CascadeProgramme:
    path, data = read_programme_file(key)
    if data.get("kind") != "cascade":
        raise ValueError(f"{path}: field 'kind' should be \"cascade\"")
    try:
        programme = _build(data)
    except _Refused as refused:
        raise ValueError(f"{path}: field '{refused.field}' {refused.problem}") from None
    if programme.key != key:
        raise ValueError(f"{path}: field 'key' is {programme.key!r}, expected {key!r}")
    return programme


class _Refused(Exception):
    def __init__(self, field: str, problem: str) -> None:
        super().__init__(field, problem)
        self.field = field
        self.problem = problem


def _build(data: Mapping[str, Any]) -> CascadeProgramme:
    ages = data["eligibility"]
    if ages["max_age"] < ages["min_age"]:
        raise _Refused("eligibility.max_age", "is below eligibility.min_age")
    steps = _steps(data["steps"])
    stages = _stages(data["cascade"], steps)
    measures = _measures(data["measures"], stages)
    coverage = _coverage(data.get("coverage"), steps)
    national = data["national"]
    names = [m.key for m in measures] + ([COVERAGE] if coverage else [])
    if national["measure"] not in names:
        raise _Refused("national.measure", f"names no measure {national['measure']!r}")
    as_of = national["as_of"]
    return CascadeProgramme(
        key=data["key"],
        title=data["title"],
        short=data["short"],
        min_age=ages["min_age"],
        max_age=ages["max_age"],
        cohort_from=data["cohort"]["from"],
        steps=steps,
        follow_ups=_follow_ups(data.get("follow_ups", []), steps),
        stages=stages,
        measures=measures,
        coverage=coverage,
        national=National(
            measure=national["measure"],
            value=float(national["value"]),
            as_of=as_of if isinstance(as_of, date) else date.fromisoformat(as_of),
            area=national["area"],
            source=national["source"],
        ),
        barrier_codes=MappingProxyType(dict(data.get("barriers", {}))),
    )


def _steps(rows: list[dict[str, Any]]) -> Mapping[str, Step]:
    steps: dict[str, Step] = {}
    for index, row in enumerate(rows):
        if row["key"] in steps:
            raise _Refused(f"steps[{index}].key", f"repeats the step {row['key']!r}")
        results = MappingProxyType(dict(row.get("results", {})))
        steps[row["key"]] = Step(row["key"], row["label"], results)
    return MappingProxyType(steps)


def _results(codes: list[str], step: Step, field: str) -> tuple[str, ...]:
    for code in codes:
        if code not in step.results:
            raise _Refused(field, f"names no result {code!r} of the step {step.key!r}")
    return tuple(codes)


def _step(steps: Mapping[str, Step], key: str, field: str) -> Step:
    if key not in steps:
        raise _Refused(field, f"names no step {key!r}")
    return steps[key]


def _stages(rows: list[dict[str, Any]], steps: Mapping[str, Step]) -> tuple[Stage, ...]:
    stages: list[Stage] = []
    for index, row in enumerate(rows):
        where = f"cascade[{index}]"
        if row["key"] == COHORT or row["key"] in {s.key for s in stages}:
            raise _Refused(f"{where}.key", f"cannot be {row['key']!r} (taken)")
        step = _step(steps, row["step"], f"{where}.step")
        results = _results(row.get("results", []), step, f"{where}.results")
        stages.append(
            Stage(
                row["key"],
                row["label"],
                step.key,
                results,
                row.get("within_days"),
                bool(row.get("finding", False)),
            )
        )
    return tuple(stages)


def _measures(rows: list[dict[str, Any]], stages: tuple[Stage, ...]) -> tuple[Measure, ...]:
    order = [COHORT, *(stage.key for stage in stages)]
    measures: list[Measure] = []
    for index, row in enumerate(rows):
        where = f"measures[{index}]"
        for part in ("numerator", "denominator"):
            if row[part] not in order:
                raise _Refused(f"{where}.{part}", f"names no cascade stage {row[part]!r}")
        if order.index(row["denominator"]) >= order.index(row["numerator"]):
            raise _Refused(f"{where}.denominator", "should be a stage before the numerator")
        if row["key"] in {m.key for m in measures} or row["key"] == COVERAGE:
            raise _Refused(f"{where}.key", f"cannot be {row['key']!r} (taken)")
        measures.append(
            Measure(
                row["key"],
                row["label"],
                row["numerator"],
                row["denominator"],
                None if "target" not in row else float(row["target"]),
                row.get("target_source"),
            )
        )
    return tuple(measures)


def _coverage(table: Mapping[str, Any] | None, steps: Mapping[str, Step]) -> Coverage | None:
    if table is None:
        return None
    step = _step(steps, table["step"], "coverage.step")
    results = _results(table["results"], step, "coverage.results")
    return Coverage(table["label"], step.key, results, table["months"])


def _follow_ups(rows: list[dict[str, Any]], steps: Mapping[str, Step]) -> tuple[FollowUpRule, ...]:
    rules: list[FollowUpRule] = []
    for index, row in enumerate(rows):
        where = f"follow_ups[{index}]"
        step = _step(steps, row["after"], f"{where}.after")
        results = _results(row.get("results", []), step, f"{where}.results")
        for done in row["done_by"]:
            _step(steps, done, f"{where}.done_by")
        rules.append(
            FollowUpRule(
                after=step.key,
                results=frozenset(results),
                reason=row["reason"],
                days=row["days"],
                done_by=frozenset(row["done_by"]),
                note=row.get("note"),
            )
        )
    return tuple(rules)
