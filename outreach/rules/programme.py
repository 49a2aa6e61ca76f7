"""A screening programme read from ``schema/programmes/<key>.toml``: its rules and code lists.

Programmes are data, not code: every age, interval, window and code list the rules use comes
from the file, and a malformed file is refused with the file and the field named.
"""

from __future__ import annotations

import json
import re
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date
from functools import cache
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

from outreach import paths
from outreach.model.enums import Cytology, ResultAction
from outreach.paths import schema_dir

if TYPE_CHECKING:
    from jsonschema import ValidationError as SchemaError

_KEY = re.compile(r"[a-z0-9][a-z0-9-]*")
_COLPOSCOPY = (ResultAction.colposcopy_2_weeks, ResultAction.colposcopy_6_weeks)
_REPEATS = (ResultAction.repeat_12_months, ResultAction.repeat_3_months)
# How a JSON Schema type is named to a person editing the TOML file.
_KINDS = {
    "object": "a table",
    "array": "a list",
    "string": "text",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true/false",
}


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


def schema_path() -> Path:
    """The JSON Schema every programme file must meet (shipped with the code, wherever the
    programme files are read from)."""
    return paths.schema_dir() / "programme.schema.json"


def load_programme(key: str = "cervical-screening") -> Programme:
    """The programme ``key``, read once and then cached: every call with a key returns the
    same instance.

    Raises ValueError naming the file (and the field) when the key is unknown or the file is
    malformed: "<file>: field 'uptake.window_days' should be at least 1, not 0".
    """
    return _load(key)


@cache
def _load(key: str) -> Programme:
    path, data = read_programme_file(key)
    if data.get("kind") == "cascade":
        raise ValueError(f"{path}: a cascade programme, read by outreach.rules.cascade")
    try:
        programme = _build(data)
    except _Refused as refused:
        raise ValueError(f"{path}: field '{refused.field}' {refused.problem}") from None
    if programme.key != key:
        raise ValueError(f"{path}: field 'key' is {programme.key!r}, expected {key!r}")
    return programme


def programme_keys() -> tuple[str, ...]:
    """The keys of every programme file in ``schema/programmes/``, in name order."""
    folder = schema_dir() / "programmes"
    return tuple(sorted(path.stem for path in folder.glob("*.toml") if _KEY.fullmatch(path.stem)))


def read_programme_file(key: str) -> tuple[Path, dict[str, Any]]:
    """The path and parsed contents of programme ``key``'s file, once it meets the schema.

    Raises ValueError naming the file (and the field) when the key is not a plain name, the
    file is missing or not TOML, or a field does not meet ``schema/programme.schema.json``.
    """
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
    problem = shape_problem(data)
    if problem is not None:
        field, said = problem
        raise ValueError(f"{path}: field '{field}' {said}")
    return path, data


def shape_problem(data: Mapping[str, Any]) -> tuple[str, str] | None:
    """The field of a parsed programme file that does not meet the schema, and what is wrong
    with it; None when the file has the programme's shape. One problem is told (the one
    ``jsonschema`` ranks most relevant), so a person fixes one thing at a time."""
    from jsonschema.exceptions import best_match

    error = best_match(_validator().iter_errors(_as_json(data)))
    return None if error is None else _said(error)


@cache
def _validator() -> Any:
    from jsonschema import Draft202012Validator

    schema = json.loads(schema_path().read_text(encoding="utf-8"))
    # Not Draft202012Validator.check_schema(schema): the schema ships with the code and the
    # tests check it (test_the_schema_is_valid_...), and checking it against the meta-schema
    # took half a second of every start-up, before the first dashboard could be drawn.
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def _as_json(value: Any) -> Any:
    """TOML's values as JSON's: dates as ISO text (a date-time fails the schema's "date")."""
    if isinstance(value, dict):
        return {name: _as_json(item) for name, item in value.items()}
    if isinstance(value, list):
        return [_as_json(item) for item in value]
    if isinstance(value, date):
        return value.isoformat()
    return value


def _said(error: SchemaError) -> tuple[str, str]:
    where = _dotted(error.absolute_path)
    schema = error.schema if isinstance(error.schema, dict) else {}
    expected = schema.get("x-expected")
    if "propertyNames" in error.absolute_schema_path:
        # The offending name is the instance; the path is the table holding it.
        return _join(where, str(error.instance)), f"is not {expected or 'an allowed name'}"
    if error.validator == "required":
        missing = next(n for n in error.validator_value if n not in error.instance)
        return _join(where, missing), "is missing"
    if expected:
        return where, f"should be {expected}, not {error.instance!r}"
    if error.validator == "type":
        kinds = error.validator_value
        named = " or ".join(
            _KINDS.get(k, k) for k in ([kinds] if isinstance(kinds, str) else kinds)
        )
        return where, f"should be {named}, not {error.instance!r}"
    if error.validator == "minimum":
        return where, f"should be at least {error.validator_value}, not {error.instance}"
    return where, error.message


def _dotted(path: Iterable[str | int]) -> str:
    text = ""
    for part in path:
        text += f"[{part}]" if isinstance(part, int) else f".{part}" if text else str(part)
    return text


def _join(where: str, name: str) -> str:
    return f"{where}.{name}" if where else name


class _Refused(Exception):
    """A check between fields failed: ``field`` and ``problem`` say which and why."""

    def __init__(self, field: str, problem: str) -> None:
        super().__init__(field, problem)
        self.field = field
        self.problem = problem


def _build(data: Mapping[str, Any]) -> Programme:
    """The programme from a file that meets the schema, after the checks between fields."""
    ages = data["eligibility"]
    eligibility = Eligibility(ages["first_invitation_months"], ages["min_age"], ages["max_age"])
    if eligibility.max_age < eligibility.min_age:
        raise _Refused("eligibility.max_age", "is below eligibility.min_age")
    bands = _age_bands(data["age_bands"], eligibility)
    results = data["results"]
    barriers = _labels(data["barriers"])
    settings = _labels(data["settings"])
    return Programme(
        key=data["key"],
        title=data["title"],
        eligibility=eligibility,
        age_bands=bands,
        extended_recall=_extended_recall(data["extended_recall"]),
        results=ResultTable(
            hpv_negative=results["hpv_negative"],
            hpv_unavailable=results["hpv_unavailable"],
            hpv_positive=_by_cytology(results["hpv_positive"]),
            cytology_only=_by_cytology(results["cytology_only"]),
            persistent_positive_count=results["persistent_hpv_positive"]["consecutive"],
            persistent_positive_action=results["persistent_hpv_positive"]["action"],
            persistent_inadequate_count=results["persistent_inadequate"]["consecutive"],
            persistent_inadequate_action=results["persistent_inadequate"]["action"],
            repeat_months=MappingProxyType(
                {a.value: results["repeat_months"][a.value] for a in _REPEATS}
            ),
        ),
        colposcopy_days=MappingProxyType(
            {a.value: data["colposcopy"][a.value] for a in _COLPOSCOPY}
        ),
        uptake_window_days=data["uptake"]["window_days"],
        deferral_step_months=data["deferral"]["step_months"],
        deferral_max_months=data["deferral"]["max_months"],
        barrier_codes=barriers,
        special_category_barriers=_known(
            data["privacy"]["special_category_barriers"],
            barriers,
            "privacy.special_category_barriers",
            "barrier",
        ),
        outcome_codes=_labels(data["outcomes"]),
        settings=settings,
        on_site_settings=_known(
            data["on_site"]["settings"], settings, "on_site.settings", "setting"
        ),
        national_coverage=_national_coverage(data["national_coverage"], bands),
    )


def _age_bands(rows: list[dict[str, Any]], eligibility: Eligibility) -> tuple[AgeBand, ...]:
    bands: list[AgeBand] = []
    expected_min = eligibility.min_age
    for index, row in enumerate(rows):
        band = AgeBand(
            row["key"], row["min_age"], row["max_age"], row["recall_months"], row["coverage_months"]
        )
        # Bands must tile the eligible ages exactly, so every eligible age has one band.
        if band.min_age != expected_min:
            raise _Refused(f"age_bands[{index}].min_age", f"should be {expected_min}")
        if band.max_age < band.min_age:
            raise _Refused(f"age_bands[{index}].max_age", "is below its min_age")
        expected_min = band.max_age + 1
        bands.append(band)
    if bands[-1].max_age != eligibility.max_age:
        raise _Refused("age_bands", f"should end at eligibility.max_age {eligibility.max_age}")
    return tuple(bands)


def _extended_recall(table: Mapping[str, Any]) -> ExtendedRecall:
    return ExtendedRecall(
        starts_on=_date(table["starts_on"]),
        recall_months=table["recall_months"],
        min_age_months=table["min_age_months"],
        max_age=table["max_age"],
        self_sample_keeps_routine=table["self_sample_keeps_routine"],
        recent_positive_keeps_routine=table["recent_positive_keeps_routine"],
        recent_positive_months=table["recent_positive_months"],
    )


def _national_coverage(table: Mapping[str, Any], bands: tuple[AgeBand, ...]) -> NationalCoverage:
    band_keys = [band.key for band in bands]
    unknown = [key for key in table["by_band"] if key not in band_keys]
    if unknown:
        raise _Refused("national_coverage.by_band", f"names no age band {unknown[0]!r}")
    return NationalCoverage(
        value=float(table["value"]),
        as_of=_date(table["as_of"]),
        area=table["area"],
        source=table["source"],
        acceptable_level=float(table["acceptable_level"]),
        by_band=MappingProxyType({key: float(v) for key, v in table["by_band"].items()}),
    )


def _labels(table: Mapping[str, str]) -> Mapping[str, str]:
    return MappingProxyType(dict(table))


def _by_cytology(table: Mapping[str, str]) -> Mapping[str, str]:
    # In the order of the Cytology enum, whatever the file's order.
    return MappingProxyType({c.value: table[c.value] for c in Cytology})


def _known(codes: list[str], known: Mapping[str, str], field: str, what: str) -> frozenset[str]:
    for code in codes:
        if code not in known:
            raise _Refused(field, f"names no {what} {code!r}")
    return frozenset(codes)


def _date(value: date | str) -> date:
    # TOML gives a date; a quoted ISO date (which the schema also accepts) is read the same.
    return value if isinstance(value, date) else date.fromisoformat(value)
