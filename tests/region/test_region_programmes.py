"""A testing programme's return, from real sites' stores to the region's export: two sites
holding the hand-worked hepatitis C cohort of ``tests/stats/test_stats_cascade_hepatitis_c.py``
(2024-Q1 read on 30 June 2024), summed exactly and only then put through disclosure control."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import jsonschema
import pytest

from outreach.errors import ValidationError
from outreach.exports.preview import ExportChoice, published_summary
from outreach.exports.table import PublishedSummary
from outreach.region.rollup import SITE, export_region, region_summary
from outreach.rules.disclosure import NHS_HES_2018
from outreach.services.site import SetOrgUnit, set_org_unit
from outreach.stats.period import Period
from outreach.store.store import Store
from tests.exports.test_export_indicators import adx_schema, dhis2_schema
from tests.region.site_stores import send, site_from
from tests.stats.test_stats_cascade_hepatitis_c import AS_OF, HEP_C, build
from tests.support.stores import as_template, fresh_store, new_store

Q1 = Period.quarter(2024, 1)
ASH, BEECH = "HMP Ash (PRISON_ASH)", "HMP Beech (PRISON_BEECH)"


@pytest.fixture(scope="module")
def region(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Store]:
    """A region holding the hepatitis C returns of HMP Ash and HMP Beech, each site the
    hand-worked cohort: 8 receptions, 7 offered (5 within 3 days), 5 tested, 3 antibody
    positive, 2 RNA positive, 2 referred, 1 treated (within 126 days), 1 cured."""
    folder = tmp_path_factory.mktemp("region-programmes")
    template = new_store(folder / "template")
    build(template)
    as_template(template)
    with fresh_store(folder / "region", site="North West region") as hub:
        set_org_unit(hub, SetOrgUnit("REGION_NW"))
        for name, code in (("HMP Ash", "PRISON_ASH"), ("HMP Beech", "PRISON_BEECH")):
            with site_from(template, folder / code, name, code) as site:
                send(site, hub, Q1, HEP_C, AS_OF)
        yield hub


def summary(region: Store, by: tuple[str, ...] = ()) -> PublishedSummary:
    return region_summary(region, ExportChoice(Q1, NHS_HES_2018, AS_OF, HEP_C, by))


def figure(
    found: PublishedSummary,
    measure: str,
    part: str = "value",
    breakdown: str = "total",
    category: str = "all",
) -> int | float | None:
    (row,) = [
        r
        for r in found.rows
        if (r.measure, r.breakdown, r.category) == (measure, breakdown, category)
    ]
    published = getattr(row, part)
    return None if published is None else published.value


@pytest.mark.slow
def test_the_region_publishes_the_sum_of_the_exact_counts(region: Store) -> None:
    found = summary(region)
    assert (found.programme, found.site) == (HEP_C, "North West region")
    # Cohort 8 + 8 = 16 -> 15.
    assert figure(found, "cohort") == 15
    # Offered 14 of 16 -> 15 of 15: 100.0%, where each site alone shows 7 (*) of 10.
    assert (figure(found, "stage_offered", "numerator"), figure(found, "stage_offered")) == (
        15,
        100.0,
    )
    # Offered within 3 days 5 + 5 = 10 of 14 -> 10 of 15 -> 66.7%.
    assert figure(found, "stage_offered_on_time", "numerator") == 10
    assert figure(found, "stage_offered_on_time") == 66.7
    # Tested 10 of 16 receptions -> 10 of 15 -> 66.7%; antibody positive 6 is *.
    assert figure(found, "measure_tested") == 66.7
    assert figure(found, "stage_antibody_positive", "numerator") is None
    # The programme file's target, and the people needed from the published counts:
    # ceil(95% of 15) - 10 = 15 - 10 = 5.
    assert figure(found, "measure_tested_target") == 95.0
    assert figure(found, "measure_tested_target_needed") == 5
    # Treated 2 of 4 RNA positive: both *, so the people needed is too.
    assert figure(found, "measure_treated_target_needed") is None
    assert figure(found, "national_tested") == 63.9


def test_medians_are_not_in_the_regions_figures(region: Store) -> None:
    measures = {row.measure for row in summary(region).rows}
    assert not [m for m in measures if m.endswith("_days")]


def test_the_per_site_breakdown_is_published_or_withheld_whole(region: Store) -> None:
    found = summary(region)
    # Each site's cohort of 8 is 10: no small cell, published.
    assert figure(found, "cohort", breakdown=SITE, category=ASH) == 10
    assert figure(found, "cohort", breakdown=SITE, category=BEECH) == 10
    # Each site offered 7 (*): the breakdown is withheld whole, the region's total is not.
    by_site = found.measure_rows("stage_offered", SITE)
    assert [r.category for r in by_site] == [ASH, BEECH]
    assert all(r.value.value is None and r.withheld_reason == "breakdown" for r in by_site)


def test_the_sum_of_the_sites_published_exports_is_not_the_regions(
    region: Store, tmp_path: Path
) -> None:
    template = new_store(tmp_path / "site")
    try:
        build(template)
        site = published_summary(template, period=Q1, programme=HEP_C, as_of=AS_OF)
    finally:
        template.close()
    # A site publishes its cohort of 8 as 10 and its 7 offered as *: adding two sites'
    # exports gives 20 and nothing, where the region publishes 15 and 15 (exact 16 and 14).
    assert (figure(site, "cohort"), figure(site, "stage_offered", "numerator")) == (10, None)
    found = summary(region)
    assert (figure(found, "cohort"), figure(found, "stage_offered", "numerator")) == (15, 15)


def test_equity_breakdowns_are_in_only_when_asked_for(region: Store) -> None:
    assert not summary(region).measure_rows("cohort", "ethnicity")
    found = summary(region, ("ethnicity",))
    # No ethnicity was recorded: all 16 are "Not stated" (15), every other category 0.
    cells = {r.category: r.value.value for r in found.measure_rows("cohort", "ethnicity")}
    assert cells["Not stated"] == 15
    assert {v for c, v in cells.items() if c != "Not stated"} == {0}


def test_every_format_is_written_and_the_notes_name_what_does_not_combine(
    region: Store, tmp_path: Path
) -> None:
    out = tmp_path / "region-hcv"
    result = export_region(
        region,
        period=Q1,
        out=out,
        formats=("csv", "xlsx", "json", "fhir", "html", "adx", "dhis2-json", "madx"),
        as_of=AS_OF,
        programme=HEP_C,
    )
    assert result.files == (
        "dataValueSets.json",
        "indicators.adx.xml",
        "manifest.json",
        "manifest.sig",
        "measure-report.madx.json",
        "measure-reports.fhir.json",
        "notes.txt",
        "report.html",
        "summary.csv",
        "summary.json",
        "summary.xlsx",
    )
    document = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert (document["site"], document["programme"]["key"]) == ("North West region", HEP_C)
    notes = (out / "notes.txt").read_text(encoding="utf-8")
    assert "cannot be combined into the region's: Days to offered (median);" in notes
    assert "Days to cure checked (median)." in notes


def test_each_sites_published_figures_go_under_its_own_org_unit(
    region: Store, tmp_path: Path
) -> None:
    out = tmp_path / "region-hcv-indicators"
    result = export_region(
        region,
        period=Q1,
        out=out,
        formats=("adx", "dhis2-json", "madx"),
        as_of=AS_OF,
        programme=HEP_C,
    )
    adx = (out / "indicators.adx.xml").read_bytes()
    adx_schema().validate(adx.decode("utf-8"))
    groups = {
        group.get("orgUnit"): {v.get("dataElement"): v.get("value") for v in group}
        for group in ET.fromstring(adx)
    }
    assert list(groups) == ["REGION_NW", "PRISON_ASH", "PRISON_BEECH"]
    assert (groups["REGION_NW"]["HCV_COHORT"], groups["REGION_NW"]["HCV_OFFERED"]) == (
        "15",
        "15",
    )
    # Each site's cohort of 8 is published as 10; its 7 offered withheld with the breakdown.
    for site in ("PRISON_ASH", "PRISON_BEECH"):
        assert groups[site] == {"HCV_COHORT": "10"}
    document = json.loads((out / "dataValueSets.json").read_text(encoding="utf-8"))
    jsonschema.validate(document, dhis2_schema())
    assert document["orgUnit"] == "REGION_NW"
    by_site = [
        (v["orgUnit"], v["dataElement"], v["value"])
        for v in document["dataValues"]
        if "orgUnit" in v
    ]
    assert by_site == [("PRISON_ASH", "HCV_COHORT", "10"), ("PRISON_BEECH", "HCV_COHORT", "10")]
    # The mADX report is the region's alone: its cohort is the region's 15.
    report = json.loads((out / "measure-report.madx.json").read_text(encoding="utf-8"))
    (cohort,) = [g for g in report["group"] if g["code"]["coding"][0]["code"] == "HCV_COHORT"]
    assert cohort["population"][0]["count"] == 15
    said = "\n".join(result.left_out)
    assert "under the site's own org unit code" in said
    assert "stage_offered numerator by site (every site)" in said


def test_a_breakdown_by_unit_is_refused(region: Store, tmp_path: Path) -> None:
    with pytest.raises(ValidationError, match="a unit is a site's own"):
        export_region(
            region, period=Q1, out=tmp_path / "x", formats=("csv",), programme=HEP_C, by=("unit",)
        )
