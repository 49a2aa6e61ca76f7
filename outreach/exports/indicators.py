"""Indicator mappings: which published figure goes to which data element of a commissioner's
data set, read from a file under ``schema/indicators/`` (data, not code).

A mapping names, per programme, measure, figure (a count, or a rate's numerator or
denominator) and breakdown, the data element code, and per breakdown the category's ADX
attribute and each option's ADX code and DHIS2 category option combination. The file is
checked against ``schema/indicators/mapping.schema.json`` when it is read.

:func:`mapped_figures` takes a :class:`~outreach.exports.table.PublishedSummary` (figures that
have been through disclosure control) and returns the values to write, the figures withheld
(left out of the file: ADX and DHIS2 cannot say "suppressed") and what the mapping does not
name, so an export can say which figures it left out rather than drop them silently.

A region's per-site breakdown needs no mapping of its own: each site's figure is the figure of
the ``total`` indicator, written for the site's org unit (:attr:`MappedValue.org_unit`), as
DHIS2 and ADX report any org unit's figures.
"""

from __future__ import annotations

import json
import re
import tomllib
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from outreach.errors import ValidationError
from outreach.exports.rows import ALL, SITE, TOTAL, Kind, PublishedRow
from outreach.exports.table import PublishedSummary
from outreach.paths import schema_dir
from outreach.rules.disclosure import Published
from outreach.stats.period import iso_period

DEFAULT_MAPPING = "dhis2-screening"
"""The mapping shipped for the example DHIS2 data set."""
FIGURES = ("value", "numerator", "denominator", "initial_population", "exclusions")
_NCNAME = re.compile(r"[A-Za-z_][A-Za-z0-9._-]*")
_RESERVED = {"dataElement", "value", "orgUnit", "period", "dataSet", "exported"}
"""ADX attributes of a group or value: a category cannot take one of these names."""


@dataclass(frozen=True)
class CategoryOption:
    """One category of a breakdown, as the commissioner's system codes it."""

    adx: str
    category_option_combo: str


@dataclass(frozen=True)
class Category:
    """A breakdown as a category: its ADX attribute and its options by the export's label."""

    adx: str
    options: dict[str, CategoryOption]


@dataclass(frozen=True)
class Indicator:
    """One figure of one measure of a programme, by one breakdown, to one data element."""

    programme: str
    measure: str
    figure: str
    breakdown: str
    data_element: str
    periods: tuple[str, ...]
    label: str = ""


@dataclass(frozen=True)
class IndicatorMapping:
    """A commissioner's data set as outreach fills it."""

    name: str
    """The file's name without ``.toml``: how exports and notes refer to it."""
    title: str
    data_set: str
    categories: dict[str, Category]
    indicators: tuple[Indicator, ...]


@dataclass(frozen=True)
class MappedValue:
    """One published value, coded for the data set. ``option`` is None for a total."""

    data_element: str
    value: int | float
    category: str | None = None
    """The ADX attribute of the breakdown's category (None for a total)."""
    option: CategoryOption | None = None
    org_unit: str | None = None
    """The org unit the value is of: None for the export's own (the site's, or the
    region's), a site's code for a region's per-site figure."""


@dataclass(frozen=True)
class MappedFigures:
    """What an indicator export of one summary holds, and what it leaves out, and why."""

    mapping: IndicatorMapping
    site: str
    programme: str
    period_kind: str
    first_month: str
    """``YYYY-MM``: the first month of the period."""
    values: tuple[MappedValue, ...]
    withheld: tuple[str, ...]
    """Mapped figures disclosure control withheld, as ``measure figure by breakdown``."""
    unmapped: tuple[str, ...]
    """Figures of the summary the mapping does not name, as ``measure by breakdown``."""
    uncoded: tuple[str, ...]
    """Categories of a mapped breakdown with no option code: ``measure by breakdown: 'x'``."""

    @property
    def iso_period(self) -> str:
        """The period in ISO 8601 start/duration, as ADX writes it: ``2024-04-01/P3M``."""
        year, month = self.first_month.split("-")
        return iso_period(self.period_kind, int(year), int(month))

    @property
    def dhis2_period(self) -> str:
        """The period as DHIS2 names it: ``2024`` (year), ``2024Q2`` (quarter), ``202404``."""
        year, month = self.first_month.split("-")
        if self.period_kind == "year":
            return year
        if self.period_kind == "quarter":
            return f"{year}Q{(int(month) - 1) // 3 + 1}"
        return f"{year}{month}"

    def left_out_lines(self) -> list[str]:
        """Plain-words lines on what the files leave out; empty when they leave out nothing."""
        lines = []
        name = self.mapping.name
        if self.unmapped:
            lines.append(
                f"Not in the indicator mapping {name}, so not in the ADX or DHIS2 files: "
                + "; ".join(self.unmapped)
                + "."
            )
        if self.uncoded:
            lines.append(
                f"Categories with no code in the indicator mapping {name}, left out: "
                + "; ".join(self.uncoded)
                + "."
            )
        if any(value.org_unit is not None for value in self.values):
            lines.append(
                "Each site's published figures (the breakdown by site) are in the ADX and DHIS2 "
                "files under the site's own org unit code, with the data elements of the "
                "totals; the mADX MeasureReport, which reports for one org unit, holds the "
                "region's figures only."
            )
        if self.withheld:
            lines.append(
                "Withheld by disclosure control and so left out of the ADX and DHIS2 files "
                "(they have no way to mark a figure as *): " + "; ".join(self.withheld) + "."
            )
        return lines


def mapping_path(name: str = DEFAULT_MAPPING) -> Path:
    """Where the shipped mapping ``name`` lives."""
    return schema_dir() / "indicators" / f"{name}.toml"


def load_mapping(path: Path | None = None) -> IndicatorMapping:
    """The mapping in ``path`` (default: the shipped DHIS2 example).

    Raises ValidationError("mapping", ...) naming the file and the field for a file that is
    missing, not TOML, or not of the schema's shape, and for a category whose ADX attribute
    is not an XML name or is one ADX itself uses.
    """
    chosen = path if path is not None else mapping_path()
    if not chosen.is_file():
        raise ValidationError("mapping", f"{chosen}: no such indicator mapping file")
    try:
        with chosen.open("rb") as handle:
            data = tomllib.load(handle)
    except tomllib.TOMLDecodeError as error:
        raise ValidationError("mapping", f"{chosen}: not valid TOML: {error}") from None
    problem = _shape_problem(data)
    if problem is not None:
        raise ValidationError("mapping", f"{chosen}: {problem}")
    categories = {
        breakdown: Category(
            adx=_attribute(chosen, breakdown, spec["adx"]),
            options={
                label: CategoryOption(option["adx"], option["category_option_combo"])
                for label, option in spec["options"].items()
            },
        )
        for breakdown, spec in data["categories"].items()
    }
    indicators = []
    for index, item in enumerate(data["indicators"]):
        breakdown = item["breakdown"]
        if breakdown != TOTAL and breakdown not in categories:
            raise ValidationError(
                "mapping",
                f"{chosen}: indicators[{index}].breakdown {breakdown!r} is neither total nor "
                "a breakdown under [categories]",
            )
        indicators.append(
            Indicator(
                programme=item["programme"],
                measure=item["measure"],
                figure=item["figure"],
                breakdown=breakdown,
                data_element=item["data_element"],
                periods=tuple(item.get("periods", data["periods"])),
                label=item.get("label", ""),
            )
        )
    return IndicatorMapping(
        name=chosen.stem,
        title=data["title"],
        data_set=data["data_set"],
        categories=categories,
        indicators=tuple(indicators),
    )


def mapped_figures(summary: PublishedSummary, mapping: IndicatorMapping) -> MappedFigures:
    """The published figures of ``summary`` the mapping names, coded; the ones withheld by
    disclosure control (no value is ever written for them); and what it does not name.

    An indicator takes a figure only for a period type it lists. A figure is one of
    :data:`FIGURES` of a row; a row with no such figure (a count has no numerator) is listed
    as unmapped rather than written as 0.
    """
    kind = summary.period.kind
    wanted: dict[tuple[str, str], list[Indicator]] = {}
    for indicator in mapping.indicators:
        if indicator.programme == summary.programme and kind in indicator.periods:
            wanted.setdefault((indicator.measure, indicator.breakdown), []).append(indicator)
    values: list[MappedValue] = []
    withheld: list[str] = []
    unmapped: dict[str, None] = {}
    uncoded: dict[str, None] = {}
    site_units = dict(summary.site_org_units)
    for row in summary.rows:
        org_unit = site_units.get(row.category) if row.breakdown == SITE else None
        # A site's figure is the total's, for the site's org unit.
        key = (row.measure, TOTAL if org_unit is not None else row.breakdown)
        indicators = wanted.get(key)
        if not indicators:
            unmapped[f"{row.measure} by {row.breakdown}"] = None
            continue
        category = None if org_unit is not None else mapping.categories.get(row.breakdown)
        option = None
        if category is not None:
            option = category.options.get(row.category)
            if option is None:
                uncoded[f"{row.measure} by {row.breakdown}: {row.category!r}"] = None
                continue
        elif org_unit is None and row.category != ALL:
            uncoded[f"{row.measure} by {row.breakdown}: {row.category!r}"] = None
            continue
        for indicator in indicators:
            figure = _figure(row, indicator.figure)
            where = f"{row.measure} {indicator.figure} by {row.breakdown}"
            if figure is None:
                unmapped[f"{where} (the figure has no {indicator.figure})"] = None
            elif figure.value is None:
                if org_unit is not None:
                    # The per-site breakdown is withheld whole: said once, not once a site.
                    shown = f"{where} (every site)"
                    if shown not in withheld:
                        withheld.append(shown)
                    continue
                withheld.append(where if option is None else f"{where} {row.category!r}")
            else:
                values.append(
                    MappedValue(
                        data_element=indicator.data_element,
                        value=figure.value,
                        category=None if category is None else category.adx,
                        option=option,
                        org_unit=org_unit,
                    )
                )
    return MappedFigures(
        mapping=mapping,
        site=summary.site,
        programme=summary.programme,
        period_kind=kind,
        first_month=summary.period.first_month,
        values=tuple(values),
        withheld=tuple(withheld),
        unmapped=tuple(unmapped),
        uncoded=tuple(uncoded),
    )


def _figure(row: PublishedRow, figure: str) -> Published | None:
    if figure == "value":
        # A needed row's value is worked out from a target; a target is a setting: both are
        # figures, written as they are published.
        return row.value
    if row.kind is not Kind.rate:
        return None
    published: Published | None = getattr(row, figure)
    return published


def _attribute(path: Path, breakdown: str, name: str) -> str:
    if not _NCNAME.fullmatch(name) or name in _RESERVED:
        raise ValidationError(
            "mapping",
            f"{path}: categories.{breakdown}.adx {name!r} cannot be an ADX attribute (letters, "
            f"digits, '_', '-' and '.', starting with a letter or '_'; not one of "
            f"{', '.join(sorted(_RESERVED))})",
        )
    return name


def _shape_problem(data: dict[str, Any]) -> str | None:
    from jsonschema.exceptions import best_match

    error = best_match(_validator().iter_errors(data))
    if error is None:
        return None
    where = ".".join(str(part) for part in error.absolute_path) or "the file"
    schema = error.schema if isinstance(error.schema, dict) else {}
    expected = schema.get("x-expected")
    said = f"should be {expected}" if expected else error.message
    return f"field '{where}' {said}"


@cache
def _validator() -> Any:
    from jsonschema import Draft202012Validator

    path = schema_dir() / "indicators" / "mapping.schema.json"
    schema = json.loads(path.read_text(encoding="utf-8"))
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema)
