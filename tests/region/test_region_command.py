"""The quarterly return end to end on the command line: a real site's store writes its sealed
submission, the region's store trusts the site, adds it and exports the region's figures."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import pytest

from outreach.store.store import Store
from tests.support.cli import ok, run
from tests.support.export_store import AS_OF
from tests.support.stores import fresh_store


@pytest.fixture
def region(tmp_path: Path) -> Iterator[Store]:
    with fresh_store(tmp_path / "region", site="North West region") as store:
        yield store


@pytest.mark.slow
def test_a_sites_return_is_added_and_exported_by_the_region(
    filled_store: Store, region: Store, tmp_path: Path
) -> None:
    site, hub = filled_store.folder, region.folder
    ok(site, "site", "org-unit", "PRISON_TEST")
    ok(hub, "site", "org-unit", "REGION_NW")
    ok(site, "keys", "export-card", str(tmp_path / "site.card"))
    ok(hub, "keys", "export-card", str(tmp_path / "region.card"))
    sent = tmp_path / "hmp-test-2024-Q3.submission"
    shown = ok(
        site,
        "export",
        "--period",
        "2024-07-01/P3M",
        "--format",
        "submission",
        "--to",
        str(tmp_path / "region.card"),
        "--as-of",
        AS_OF.isoformat(),
        "--out",
        str(sent),
    )
    assert "sealed to North West region" in shown
    # The exact counts are nowhere in the file in the clear.
    assert b"coverage" not in sent.read_bytes()

    refused = run(hub, "region", "add", str(sent))
    assert refused.exit_code == 1
    assert "a site this region does not trust" in refused.output
    assert "HMP Test is now trusted" in ok(hub, "region", "trust", str(tmp_path / "site.card"))
    assert "added" in ok(hub, "region", "add", str(sent))
    assert "nothing changed" in ok(hub, "region", "add", str(sent))
    listed = ok(hub, "region", "list")
    assert "2024-Q3  HMP Test (PRISON_TEST)  cervical-screening  counted on 2024-11-15" in listed

    out = tmp_path / "region-2024-Q3"
    ok(hub, "region", "export", "--period", "2024-Q3", "--out", str(out))
    assert sorted(p.name for p in out.iterdir()) == [
        "dataValueSets.json",
        "indicators.adx.xml",
        "manifest.json",
        "manifest.sig",
        "notes.txt",
        "summary.csv",
        "summary.json",
    ]
    # One site: the region's coverage is the site's, 30 of 43 -> 30 of 45.
    document = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    assert document["site"] == "North West region"
    region_group, site_group = list(ET.fromstring((out / "indicators.adx.xml").read_bytes()))
    assert region_group.get("orgUnit") == "REGION_NW"
    values = {
        v.get("dataElement"): v.get("value") for v in region_group if v.get("AGE_BAND") is None
    }
    assert (values["CX_COVERED"], values["CX_ELIGIBLE"]) == ("30", "45")
    # The site's own figures, under its org unit: its coverage is the region's here.
    assert site_group.get("orgUnit") == "PRISON_TEST"
    values = {v.get("dataElement"): v.get("value") for v in site_group}
    assert (values["CX_COVERED"], values["CX_ELIGIBLE"]) == ("30", "45")
    assert "AGE_BAND" not in {key for v in site_group for key in v.attrib}
    notes = (out / "notes.txt").read_text(encoding="utf-8")
    assert (
        "breakdown by site) are in the ADX and DHIS2 files under the site's own org unit" in notes
    )
    assert "coverage by site" not in notes.split("Not in the indicator mapping")[1].split("\n")[0]
