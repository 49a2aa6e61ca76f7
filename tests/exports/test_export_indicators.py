"""ADX and DHIS2 JSON through an indicator mapping: exact published values worked out by hand,
the files checked by other people's code (the ADX schema with xmlschema, DHIS2's documented
data value set shape with jsonschema), what the mapping leaves out listed, hostile text kept
as data."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from datetime import date
from functools import cache
from pathlib import Path

import jsonschema
import pytest
import xmlschema

from outreach.errors import ValidationError
from outreach.exports.adx_writer import NAMESPACE, adx_document
from outreach.exports.dhis2_writer import data_value_set
from outreach.exports.indicators import (
    IndicatorMapping,
    MappedFigures,
    load_mapping,
    mapped_figures,
    mapping_path,
)
from outreach.exports.table import AggregateTable, ExportPeriod, PublishedSummary
from outreach.paths import schema_dir
from outreach.rules.disclosure import NHS_HES_2018

ADX = f"{{{NAMESPACE}}}"
Q2 = ExportPeriod(label="2024-Q2", kind="quarter", first_month="2024-04", last_month="2024-06")


@cache
def adx_schema() -> xmlschema.XMLSchema:
    """The ADX schema shipped in schema/adx (see schema/adx/README.md for its source)."""
    return xmlschema.XMLSchema(str(schema_dir() / "adx" / "adx_loose.xsd"))


def dhis2_schema() -> dict[str, object]:
    path = schema_dir() / "export" / "dhis2-datavalueset.schema.json"
    return json.loads(path.read_text(encoding="utf-8"))  # type: ignore[no-any-return]


def small_summary(period: ExportPeriod = Q2) -> PublishedSummary:
    """Hand-made exact figures, published under the HES method:
    coverage 45 of 52 -> 45 of 50; age bands 30 of 35 -> 30 of 35 and 15 of 17 -> 15 of 15;
    units 40 of 44 -> 40 of 45 and 5 of 8 -> * of 10 (the unit breakdown is then withheld
    whole, and it is not mapped anyway); conversations 12 -> 10, one-to-one 9 -> 10 and group
    3 -> * (so the kind breakdown is withheld whole); uptake 13 of 20 -> 15 of 20; colposcopy
    referrals 0 -> 0."""
    table = AggregateTable(
        site="HMP Test",
        programme="cervical-screening",
        programme_title="Cervical screening",
        period=period,
        as_of=date(2024, 11, 15),
    )
    table.rate("coverage", 45, 52, initial_population=54, exclusions=2)
    table.rate("coverage", 30, 35, "age_band", "25-49")
    table.rate("coverage", 15, 17, "age_band", "50-64")
    table.rate("coverage", 40, 44, "unit", "Wing [/] X")
    table.rate("coverage", 5, 8, "unit", "=cmd <&>")
    table.rate("uptake", 13, 20, initial_population=20, exclusions=0)
    table.count("conversations", 12)
    table.count("conversations", 9, "kind", "one-to-one")
    table.count("conversations", 3, "kind", "group")
    table.count("colposcopy_referred", 0)
    return table.publish(NHS_HES_2018)


@pytest.fixture(scope="module")
def mapping() -> IndicatorMapping:
    return load_mapping()


@pytest.fixture(scope="module")
def mapped(mapping: IndicatorMapping) -> MappedFigures:
    return mapped_figures(small_summary(), mapping)


def as_tuples(mapped: MappedFigures) -> list[tuple[str, int | float, str | None]]:
    return [
        (v.data_element, v.value, None if v.option is None else v.option.adx) for v in mapped.values
    ]


def test_the_shipped_mapping_meets_its_schema_and_is_keyed_by_programme(
    mapping: IndicatorMapping,
) -> None:
    assert mapping.name == "dhis2-screening"
    assert mapping.data_set == "OUTREACH_SCREENING"
    assert {i.programme for i in mapping.indicators} == {
        "cervical-screening",
        "bbv-hepatitis-b",
        "bbv-hepatitis-c",
        "bbv-hiv",
        "bowel-screening",
    }
    assert set(mapping.categories) == {
        "age_band",
        "kind",
        "within",
        "ethnicity",
        "disability",
        "learning_disability",
        "first_language",
        "interpreter",
    }
    assert mapping_path().is_file()


def test_published_figures_are_mapped_with_the_hes_rounding(mapped: MappedFigures) -> None:
    assert as_tuples(mapped) == [
        ("CX_COVERED", 45, None),
        ("CX_ELIGIBLE", 50, None),
        ("CX_COVERED_AGE", 30, "Y25_49"),
        ("CX_ELIGIBLE_AGE", 35, "Y25_49"),
        ("CX_COVERED_AGE", 15, "Y50_64"),
        ("CX_ELIGIBLE_AGE", 15, "Y50_64"),
        ("CX_OFFERS_TESTED", 15, None),
        ("CX_OFFERS_RESOLVED", 20, None),
        ("OUT_CONVERSATIONS", 10, None),
        ("CX_COLPOSCOPY_REFERRED", 0, None),
    ]


def test_withheld_figures_are_listed_and_never_written(mapped: MappedFigures) -> None:
    assert mapped.withheld == (
        "conversations value by kind 'one-to-one'",
        "conversations value by kind 'group'",
    )


def test_figures_the_mapping_does_not_name_are_listed(mapped: MappedFigures) -> None:
    assert mapped.unmapped == ("coverage by unit",)
    lines = mapped.left_out_lines()
    assert lines[0] == (
        "Not in the indicator mapping dhis2-screening, so not in the ADX or DHIS2 files: "
        "coverage by unit."
    )
    assert lines[1].endswith(
        "conversations value by kind 'one-to-one'; conversations value by kind 'group'."
    )


def test_a_period_type_the_data_set_does_not_take_is_listed_as_unmapped(
    tmp_path: Path,
) -> None:
    text = mapping_path().read_text(encoding="utf-8")
    quarterly = tmp_path / "quarterly.toml"
    quarterly.write_text(
        text.replace('periods = ["month", "quarter", "year"]', 'periods = ["quarter"]'),
        encoding="utf-8",
    )
    month = ExportPeriod(label="2024-04", kind="month", first_month="2024-04", last_month="2024-04")
    found = mapped_figures(small_summary(month), load_mapping(quarterly))
    assert found.values == ()
    assert found.unmapped[:3] == ("coverage by total", "coverage by age_band", "coverage by unit")


@pytest.mark.slow
def test_adx_meets_the_adx_schema_with_the_exact_values(mapped: MappedFigures) -> None:
    document = adx_document(mapped, org_unit="PRISON_T", exported=date(2024, 11, 15))
    adx_schema().validate(document.decode("utf-8"))
    root = ET.fromstring(document)
    assert root.tag == f"{ADX}adx"
    assert root.get("exported") == "2024-11-15T00:00:00Z"
    (group,) = list(root)
    assert dict(group.attrib) == {
        "orgUnit": "PRISON_T",
        "period": "2024-04-01/P3M",
        "dataSet": "OUTREACH_SCREENING",
    }
    values = [dict(v.attrib) for v in group]
    assert values[2] == {"dataElement": "CX_COVERED_AGE", "value": "30", "AGE_BAND": "Y25_49"}
    assert [(v["dataElement"], v["value"]) for v in values] == [
        (e, str(n)) for e, n, _ in as_tuples(mapped)
    ]


def test_the_adx_schema_refuses_a_suppression_mark(mapped: MappedFigures) -> None:
    document = adx_document(mapped, org_unit="PRISON_T", exported=date(2024, 11, 15))
    marked = document.replace(b'value="45"', b'value="*"')
    assert not adx_schema().is_valid(marked.decode("utf-8"))


def test_dhis2_json_meets_the_documented_data_value_set_shape(mapped: MappedFigures) -> None:
    document = data_value_set(mapped, org_unit="PRISON_T")
    jsonschema.validate(document, dhis2_schema())
    assert {k: v for k, v in document.items() if k != "dataValues"} == {
        "dataSet": "OUTREACH_SCREENING",
        "period": "2024Q2",
        "orgUnit": "PRISON_T",
        "idScheme": "CODE",
    }
    assert document["dataValues"][:3] == [
        {"dataElement": "CX_COVERED", "value": "45"},
        {"dataElement": "CX_ELIGIBLE", "value": "50"},
        {"dataElement": "CX_COVERED_AGE", "value": "30", "categoryOptionCombo": "AGE_BAND_Y25_49"},
    ]


@pytest.mark.parametrize(
    ("kind", "first", "last", "iso", "dhis2"),
    [
        ("year", "2024-01", "2024-12", "2024-01-01/P1Y", "2024"),
        ("quarter", "2024-10", "2024-12", "2024-10-01/P3M", "2024Q4"),
        ("month", "2024-03", "2024-03", "2024-03-01/P1M", "202403"),
    ],
)
def test_periods_are_written_as_each_system_names_them(
    mapping: IndicatorMapping, kind: str, first: str, last: str, iso: str, dhis2: str
) -> None:
    period = ExportPeriod(label="x", kind=kind, first_month=first, last_month=last)
    found = mapped_figures(small_summary(period), mapping)
    assert (found.iso_period, found.dhis2_period) == (iso, dhis2)


def hostile_mapping(tmp_path: Path) -> Path:
    """The shipped mapping with the units mapped, codes full of markup and formula text."""
    text = mapping_path().read_text(encoding="utf-8")
    text += """
[categories.unit]
adx = "UNIT"
[categories.unit.options]
"Wing [/] X" = { adx = "W<&>\\"X'", category_option_combo = "=cmd [/] &amp;" }

[[indicators]]
programme = "cervical-screening"
measure = "coverage"
figure = "denominator"
breakdown = "unit"
data_element = "@SUM(A1) <b>"
"""
    path = tmp_path / "hostile.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_hostile_codes_and_names_stay_data_in_xml_and_json(tmp_path: Path) -> None:
    mapping = load_mapping(hostile_mapping(tmp_path))
    # Built so no breakdown is withheld: the unit cells are 44 -> 45 and 40 -> 40.
    table = AggregateTable(
        site="HMP <Test> & [/]",
        programme="cervical-screening",
        programme_title="Cervical screening",
        period=Q2,
        as_of=date(2024, 11, 15),
    )
    table.rate("coverage", 80, 84)
    table.rate("coverage", 40, 44, "unit", "Wing [/] X")
    table.rate("coverage", 38, 40, "unit", "=cmd <&>")
    found = mapped_figures(table.publish(NHS_HES_2018), mapping)
    assert found.uncoded == ("coverage by unit: '=cmd <&>'",)
    org_unit = 'Org <&> "[/]" =x'
    document = adx_document(found, org_unit=org_unit, exported=date(2024, 11, 15))
    adx_schema().validate(document.decode("utf-8"))
    (group,) = list(ET.fromstring(document))
    assert group.get("orgUnit") == org_unit
    assert [dict(v.attrib) for v in group][-1] == {
        "dataElement": "@SUM(A1) <b>",
        "value": "45",
        "UNIT": "W<&>\"X'",
    }
    text = json.dumps(data_value_set(found, org_unit=org_unit))
    back = json.loads(text)
    assert back["orgUnit"] == org_unit
    assert back["dataValues"][-1] == {
        "dataElement": "@SUM(A1) <b>",
        "value": "45",
        "categoryOptionCombo": "=cmd [/] &amp;",
    }


@pytest.mark.parametrize(
    ("change", "said"),
    [
        (('data_set = "OUTREACH_SCREENING"', 'data_set = "A\\u0007B"'), "field 'data_set'"),
        (('breakdown = "kind"', 'breakdown = "colour"'), "'colour' is neither total nor"),
        (('adx = "AGE_BAND"', 'adx = "value"'), "categories.age_band.adx 'value' cannot be"),
        (('figure = "numerator"', 'figure = "half"'), "field 'indicators.0.figure'"),
    ],
)
def test_a_broken_mapping_is_refused_naming_the_field(
    tmp_path: Path, change: tuple[str, str], said: str
) -> None:
    path = tmp_path / "broken.toml"
    path.write_text(mapping_path().read_text(encoding="utf-8").replace(*change, 1), "utf-8")
    with pytest.raises(ValidationError, match="mapping: ") as raised:
        load_mapping(path)
    assert said in str(raised.value)
    assert str(path) in str(raised.value)


def test_madx_is_a_valid_summary_measure_report_with_coded_groups_and_strata(
    mapped: MappedFigures,
) -> None:
    from fhir.resources.R4B.measurereport import MeasureReport

    from outreach.exports.madx_writer import madx_report

    report = madx_report(mapped, org_unit="PRISON_T", last_day=date(2024, 6, 30))
    MeasureReport.model_validate(report)
    assert (report["type"], report["period"]) == (
        "summary",
        {"start": "2024-04-01", "end": "2024-06-30"},
    )
    assert report["reporter"]["identifier"]["value"] == "PRISON_T"
    groups = {g["code"]["coding"][0]["code"]: g for g in report["group"]}
    assert list(groups) == [
        "CX_COVERED",
        "CX_ELIGIBLE",
        "CX_COVERED_AGE",
        "CX_ELIGIBLE_AGE",
        "CX_OFFERS_TESTED",
        "CX_OFFERS_RESOLVED",
        "OUT_CONVERSATIONS",
        "CX_COLPOSCOPY_REFERRED",
    ]
    assert groups["CX_ELIGIBLE"]["population"][0]["count"] == 50
    (stratifier,) = groups["CX_ELIGIBLE_AGE"]["stratifier"]
    assert stratifier["code"][0]["coding"][0]["code"] == "AGE_BAND"
    strata = [
        (
            s["component"][0]["code"]["coding"][0]["code"],
            s["component"][0]["value"]["coding"][0]["code"],
            s["population"][0]["count"],
        )
        for s in stratifier["stratum"]
    ]
    # 35 eligible aged 25-49 -> 35; 17 aged 50-64 -> 15.
    assert strata == [("AGE_BAND", "Y25_49", 35), ("AGE_BAND", "Y50_64", 15)]
