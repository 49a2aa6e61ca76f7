"""A screening programme read from ``schema/programmes/<key>.toml``: its rules and code lists.

Programmes are data, not code: every age, interval, window and code list the rules use comes
from the file, and a malformed file is refused with the file and the field named.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import Any

from outreach.model.enums import Cytology, ResultAction
from outreach.paths import schema_dir

_KEY = re.compile(r"[a-z0-9][a-z0-9-]*")
_CODE = re.compile(r"[a-z0-9][a-z0-9_]*")
_ACTIONS = frozenset(a.value for a in ResultAction)
_COLPOSCOPY = (ResultAction.colposcopy_2_weeks, ResultAction.colposcopy_6_weeks)
_REPEATS = (ResultAction.repeat_12_months, ResultAction.repeat_3_months)


@dataclass(frozen=True)
class Eligibility:
    """Who the programme applies to, by age in whole years."""

    first_invitation_months: int
    """Age in months at the first invitation (294 = 24.5 years)."""
    min_age: int
    """Youngest age counted as eligible."""
    max_age: int
    """Oldest age counted as eligible, inclusive."""


@dataclass(frozen=True)
class AgeBand:
    """An age band with its routine recall and its coverage window."""

    key: str
    min_age: int
    max_age: int
    """Inclusive."""
    recall_months: int
    """Routine recall after an HPV negative result taken at an age in this band."""
    coverage_months: int
    """An adequate test within this many months before a day covers a person in this band."""

    def contains(self, age: int) -> bool:
        return self.min_age <= age <= self.max_age


@dataclass(frozen=True)
class ExtendedRecall:
    """The longer routine recall for HPV negative results from a start date (not retrospective)."""

    starts_on: date
    recall_months: int
    min_age_months: int
    max_age: int
    self_sample_keeps_routine: bool
    """A self-sample, or a sample whose taker is unknown, keeps the band's routine recall."""
    recent_positive_keeps_routine: bool
    """An uncleared HPV positive result within ``recent_positive_months`` keeps it too."""
    recent_positive_months: int


@dataclass(frozen=True, eq=False)
class ResultTable:
    """Result -> ResultAction value, with the rules for consecutive results."""

    hpv_negative: str
    hpv_unavailable: str
    hpv_positive: Mapping[str, str]
    """Cytology value -> action, for an HPV positive result."""
    cytology_only: Mapping[str, str]
    """Cytology value -> action, for a history result with no HPV result."""
    persistent_positive_count: int
    persistent_positive_action: str
    persistent_inadequate_count: int
    persistent_inadequate_action: str
    repeat_months: Mapping[str, int]
    """Repeat action -> months from the test to the repeat."""


@dataclass(frozen=True, eq=False)
class NationalCoverage:
    """A published coverage figure to compare against, with where it came from."""

    value: float
    as_of: date
    area: str
    source: str
    acceptable_level: float
    by_band: Mapping[str, float]


@dataclass(frozen=True, eq=False)
class Programme:
    """One screening programme, as read from its file. Mappings keep the file's order.

    Compared and hashed by identity: ``load_programme`` returns one instance per key.
    """

    key: str
    title: str
    eligibility: Eligibility
    age_bands: tuple[AgeBand, ...]
    extended_recall: ExtendedRecall
    results: ResultTable
    colposcopy_days: Mapping[str, int]
    """Colposcopy action -> days from the result to the appointment standard."""
    uptake_window_days: int
    deferral_step_months: int
    deferral_max_months: int
    barrier_codes: Mapping[str, str]
    special_category_barriers: frozenset[str]
    outcome_codes: Mapping[str, str]
    settings: Mapping[str, str]
    on_site_settings: frozenset[str]
    """Settings inside the establishment: a conversation there needs the person resident."""
    national_coverage: NationalCoverage

    @property
    def age_band_keys(self) -> tuple[str, ...]:
        return tuple(band.key for band in self.age_bands)

    def is_valid_outcome(self, code: str) -> bool:
        return code in self.outcome_codes

    def is_valid_setting(self, code: str) -> bool:
        return code in self.settings

    def is_on_site(self, setting: str) -> bool:
        """Whether ``setting`` is inside the establishment (see ``[on_site]`` in the file)."""
        return setting in self.on_site_settings


def programme_path(key: str) -> Path:
    """Where the file for programme ``key`` lives."""
    return schema_dir() / "programmes" / f"{key}.toml"


def load_programme(key: str = "cervical-screening") -> Programme:
    """The programme ``key``, read once and then cached: every call with a key returns the
    same instance.

    Raises ValueError naming the file (and the field) when the key is unknown or the file is
    malformed.
    """
    return _load(key)


@cache
def _load(key: str) -> Programme:
    if not _KEY.fullmatch(key):
        raise ValueError(f"not a programme key: {key!r}")
    path = programme_path(key)
    if not path.is_file():
        raise ValueError(f"{path}: no such programme file for {key!r}")
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        raise ValueError(f"{path}: not valid TOML: {error}") from None
    programme = _Reader(path).programme(data)
    if programme.key != key:
        raise ValueError(f"{path}: field 'key' is {programme.key!r}, expected {key!r}")
    return programme


class _Reader:
    """Reads one programme file, naming the file and the field in every error."""

    def __init__(self, path: Path) -> None:
        self.path = path

    def fail(self, field: str, problem: str) -> ValueError:
        return ValueError(f"{self.path}: field '{field}' {problem}")

    def get(self, table: Mapping[str, Any], field: str, kind: type | tuple[type, ...]) -> Any:
        name = field.rsplit(".", 1)[-1]
        if name not in table:
            raise self.fail(field, "is missing")
        value = table[name]
        # bool is an int and datetime is a date in Python; neither is wanted where the other is.
        wrong = (isinstance(value, bool) and kind is not bool) or (
            isinstance(value, datetime) and kind is date
        )
        if wrong or not isinstance(value, kind):
            raise self.fail(field, f"should be {_kind_name(kind)}, not {value!r}")
        return value

    def table(self, table: Mapping[str, Any], field: str) -> dict[str, Any]:
        value: dict[str, Any] = self.get(table, field, dict)
        return value

    def count(self, table: Mapping[str, Any], field: str, minimum: int = 0) -> int:
        value: int = self.get(table, field, int)
        if value < minimum:
            raise self.fail(field, f"should be at least {minimum}, not {value}")
        return value

    def text(self, table: Mapping[str, Any], field: str) -> str:
        value: str = self.get(table, field, str)
        if not value.strip():
            raise self.fail(field, "is empty")
        return value

    def action(self, table: Mapping[str, Any], field: str) -> str:
        value = self.text(table, field)
        if value not in _ACTIONS:
            raise self.fail(field, f"is not a result action: {value!r}")
        return value

    def labels(self, data: Mapping[str, Any], field: str) -> Mapping[str, str]:
        table = self.table(data, field)
        if not table:
            raise self.fail(field, "lists no codes")
        for code in table:
            if not _CODE.fullmatch(code):
                raise self.fail(f"{field}.{code}", "is not a lower-case code")
            self.text(table, f"{field}.{code}")
        return MappingProxyType(dict(table))

    def actions_by_cytology(self, data: Mapping[str, Any], field: str) -> Mapping[str, str]:
        table = self.table(data, field)
        wanted = [c.value for c in Cytology]
        extra = sorted(set(table) - set(wanted))
        if extra:
            raise self.fail(f"{field}.{extra[0]}", "is not a cytology result")
        return MappingProxyType({c: self.action(table, f"{field}.{c}") for c in wanted})

    def programme(self, data: Mapping[str, Any]) -> Programme:
        eligibility = self.eligibility(data)
        bands = self.age_bands(data, eligibility)
        return Programme(
            key=self.text(data, "key"),
            title=self.text(data, "title"),
            eligibility=eligibility,
            age_bands=bands,
            extended_recall=self.extended_recall(data),
            results=self.results(data),
            colposcopy_days=self.colposcopy(data),
            uptake_window_days=self.count(self.table(data, "uptake"), "uptake.window_days", 1),
            deferral_step_months=self.count(
                self.table(data, "deferral"), "deferral.step_months", 1
            ),
            deferral_max_months=self.count(self.table(data, "deferral"), "deferral.max_months", 1),
            barrier_codes=self.labels(data, "barriers"),
            special_category_barriers=self.special_category(data),
            outcome_codes=self.labels(data, "outcomes"),
            settings=self.labels(data, "settings"),
            on_site_settings=self.on_site(data),
            national_coverage=self.national_coverage(data, bands),
        )

    def eligibility(self, data: Mapping[str, Any]) -> Eligibility:
        table = self.table(data, "eligibility")
        result = Eligibility(
            first_invitation_months=self.count(table, "eligibility.first_invitation_months"),
            min_age=self.count(table, "eligibility.min_age"),
            max_age=self.count(table, "eligibility.max_age"),
        )
        if result.max_age < result.min_age:
            raise self.fail("eligibility.max_age", "is below eligibility.min_age")
        return result

    def age_bands(self, data: Mapping[str, Any], eligibility: Eligibility) -> tuple[AgeBand, ...]:
        rows = self.get(data, "age_bands", list)
        bands: list[AgeBand] = []
        expected_min = eligibility.min_age
        for index, row in enumerate(rows):
            field = f"age_bands[{index}]"
            if not isinstance(row, dict):
                raise self.fail(field, "should be a table")
            band = AgeBand(
                key=self.text(row, f"{field}.key"),
                min_age=self.count(row, f"{field}.min_age"),
                max_age=self.count(row, f"{field}.max_age"),
                recall_months=self.count(row, f"{field}.recall_months", 1),
                coverage_months=self.count(row, f"{field}.coverage_months", 1),
            )
            # Bands must tile the eligible ages exactly, so every eligible age has one band.
            if band.min_age != expected_min:
                raise self.fail(f"{field}.min_age", f"should be {expected_min}")
            if band.max_age < band.min_age:
                raise self.fail(f"{field}.max_age", "is below its min_age")
            expected_min = band.max_age + 1
            bands.append(band)
        if not bands or bands[-1].max_age != eligibility.max_age:
            raise self.fail("age_bands", f"should end at eligibility.max_age {eligibility.max_age}")
        return tuple(bands)

    def extended_recall(self, data: Mapping[str, Any]) -> ExtendedRecall:
        table = self.table(data, "extended_recall")
        return ExtendedRecall(
            starts_on=self.get(table, "extended_recall.starts_on", date),
            recall_months=self.count(table, "extended_recall.recall_months", 1),
            min_age_months=self.count(table, "extended_recall.min_age_months"),
            max_age=self.count(table, "extended_recall.max_age"),
            self_sample_keeps_routine=self.get(
                table, "extended_recall.self_sample_keeps_routine", bool
            ),
            recent_positive_keeps_routine=self.get(
                table, "extended_recall.recent_positive_keeps_routine", bool
            ),
            recent_positive_months=self.count(table, "extended_recall.recent_positive_months", 1),
        )

    def results(self, data: Mapping[str, Any]) -> ResultTable:
        table = self.table(data, "results")
        positive = self.table(table, "results.persistent_hpv_positive")
        inadequate = self.table(table, "results.persistent_inadequate")
        repeats = self.table(table, "results.repeat_months")
        return ResultTable(
            hpv_negative=self.action(table, "results.hpv_negative"),
            hpv_unavailable=self.action(table, "results.hpv_unavailable"),
            hpv_positive=self.actions_by_cytology(table, "results.hpv_positive"),
            cytology_only=self.actions_by_cytology(table, "results.cytology_only"),
            persistent_positive_count=self.count(
                positive, "results.persistent_hpv_positive.consecutive", 1
            ),
            persistent_positive_action=self.action(
                positive, "results.persistent_hpv_positive.action"
            ),
            persistent_inadequate_count=self.count(
                inadequate, "results.persistent_inadequate.consecutive", 1
            ),
            persistent_inadequate_action=self.action(
                inadequate, "results.persistent_inadequate.action"
            ),
            repeat_months=MappingProxyType(
                {a.value: self.count(repeats, f"results.repeat_months.{a}", 1) for a in _REPEATS}
            ),
        )

    def colposcopy(self, data: Mapping[str, Any]) -> Mapping[str, int]:
        table = self.table(data, "colposcopy")
        return MappingProxyType(
            {a.value: self.count(table, f"colposcopy.{a}", 1) for a in _COLPOSCOPY}
        )

    def special_category(self, data: Mapping[str, Any]) -> frozenset[str]:
        privacy = self.table(data, "privacy")
        codes = self.get(privacy, "privacy.special_category_barriers", list)
        barriers = self.table(data, "barriers")
        for code in codes:
            if code not in barriers:
                raise self.fail("privacy.special_category_barriers", f"names no barrier {code!r}")
        return frozenset(codes)

    def on_site(self, data: Mapping[str, Any]) -> frozenset[str]:
        codes = self.get(self.table(data, "on_site"), "on_site.settings", list)
        settings = self.table(data, "settings")
        for code in codes:
            if code not in settings:
                raise self.fail("on_site.settings", f"names no setting {code!r}")
        return frozenset(codes)

    def national_coverage(
        self, data: Mapping[str, Any], bands: tuple[AgeBand, ...]
    ) -> NationalCoverage:
        table = self.table(data, "national_coverage")
        by_band = self.table(table, "national_coverage.by_band")
        band_keys = [band.key for band in bands]
        unknown = [key for key in by_band if key not in band_keys]
        if unknown:
            raise self.fail("national_coverage.by_band", f"names no age band {unknown[0]!r}")
        return NationalCoverage(
            value=self.percent(table, "national_coverage.value"),
            as_of=self.get(table, "national_coverage.as_of", date),
            area=self.text(table, "national_coverage.area"),
            source=self.text(table, "national_coverage.source"),
            acceptable_level=self.percent(table, "national_coverage.acceptable_level"),
            by_band=MappingProxyType(
                {key: self.percent(by_band, f"national_coverage.by_band.{key}") for key in by_band}
            ),
        )

    def percent(self, table: Mapping[str, Any], field: str) -> float:
        value = float(self.get(table, field, (int, float)))
        if not 0 <= value <= 100:
            raise self.fail(field, f"should be a percentage from 0 to 100, not {value}")
        return value


def _kind_name(kind: type | tuple[type, ...]) -> str:
    names = {
        dict: "a table",
        list: "a list",
        str: "text",
        int: "a whole number",
        bool: "true/false",
    }
    kinds = kind if isinstance(kind, tuple) else (kind,)
    return " or ".join(names.get(k, "a date" if k is date else k.__name__) for k in kinds)
